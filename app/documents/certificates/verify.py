"""Public certificate verification: what a token says, and a per-address lookup limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.accounts.throttle import count_or_refuse
from app.config import get_settings
from app.db import utcnow
from app.documents.certificates.render import credit_hours_text, earned_text
from app.documents.certificates.service import certificate_by_token
from app.documents.models import Certificate, CertificateStatus
from app.formatting import date_range, plain_date


@dataclass(frozen=True)
class Verification:
    """The answer to a verification lookup; ``certificate`` is None when unknown."""

    status: CertificateStatus
    certificate: Certificate | None = None
    replaced_by: Certificate | None = None

    def as_json(self) -> dict[str, Any]:
        """The API body: the status, and for a known token what the certificate states."""
        cert = self.certificate
        if cert is None:
            return {"status": CertificateStatus.UNKNOWN}
        body: dict[str, Any] = {
            "status": self.status,
            "serial": cert.serial,
            "holder_name": cert.holder_name,
            "course_title": cert.course_title,
            "course_version": cert.course_version,
            "credit_hours": cert.credit_hours,
            "first_date": cert.first_date.isoformat(),
            "last_date": cert.last_date.isoformat(),
            "facilitators": cert.facilitator_names,
            "earned_by": cert.earned_by,
            "earned_place": cert.earned_place,
            "issued_on": cert.issued_at.date().isoformat(),
            "revoked_on": None,
            "revoke_reason": None,
            "replaced_by": None,
        }
        if cert.revoked_at is not None:
            body["revoked_on"] = cert.revoked_at.date().isoformat()
            body["revoke_reason"] = cert.revoke_reason
        if self.replaced_by is not None:
            body["replaced_by"] = {
                "serial": self.replaced_by.serial,
                "verify_url": f"/verify/{self.replaced_by.token}",
            }
        return body

    @property
    def display(self) -> dict[str, str]:
        """Display strings for the page."""
        cert = self.certificate
        if cert is None:
            return {}
        return {
            "dates": date_range(cert.first_date, cert.last_date),
            "earned": earned_text(cert),
            "credit_hours": credit_hours_text(cert.credit_hours),
            "issued": plain_date(cert.issued_at.date()),
            "revoked": plain_date(cert.revoked_at.date()) if cert.revoked_at else "",
        }


def verify_token(db: Session, token: str) -> Verification:
    """Look a token up: valid, revoked (with date, reason, replacement) or unknown.

    Tokens carry 256 random bits, so an exact database lookup is all the comparison
    needs; the lookup limit stops anyone trying tokens in bulk.
    """
    cert = certificate_by_token(db, token)
    if cert is None:
        return Verification(CertificateStatus.UNKNOWN)
    if cert.revoked_at is None:
        return Verification(CertificateStatus.VALID, cert)
    replaced_by = db.get(Certificate, cert.replaced_by_id) if cert.replaced_by_id else None
    return Verification(CertificateStatus.REVOKED, cert, replaced_by)


def _throttle_key(address: str) -> str:
    # One keyed counter table for every limit (app/accounts/throttle.py); the "verify:"
    # prefix keeps these rows apart from the sign-in and preview counters.
    return f"verify:{address}"


def count_lookup(db: Session, address: str | None, *, now: datetime | None = None) -> None:
    """Count one verification lookup for a client address; 429 once the window's limit is used.

    Every lookup counts (valid ones too): a scanner trying tokens mostly hits unknown
    ones, but the limit must not tell it which answers were which.
    """
    settings = get_settings()
    now = now or utcnow()
    count_or_refuse(
        db,
        _throttle_key(address or "unknown"),
        window=timedelta(seconds=settings.verify_window_seconds),
        most=settings.verify_lookups_per_window,
        now=now,
        refusal=lambda wait: (
            f"Too many certificate lookups from your address. Try again in {_wait_text(wait)}."
        ),
    )


def _wait_text(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = round(seconds / 60)
    return f"about {minutes} minutes"
