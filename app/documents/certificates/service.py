"""Certificates: issuing (serials, tokens), revocation, re-issue after a name correction, queries.

What a certificate states is copied onto its row when it is issued and never changes;
a correction issues a new certificate and marks the old one replaced. Automatic issuing
(completions, attended sessions) lives in :mod:`app.documents.certificates.issuing`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.bounds import folded_text, reason_text
from app.content.credits import credit_hours_for
from app.content.models import CourseVersion
from app.db import utcnow
from app.documents.certificates.notices import certificate_ready
from app.documents.models import Certificate, EarnedBy, is_live
from app.errors import Conflict, Invalid, NotFound
from app.formatting import plain_date
from app.scheduling.models import CourseSession, Venue

log = logging.getLogger(__name__)

SERIAL_PREFIX = "APEX"
TOKEN_BYTES = 32  # 256 random bits in every verification URL (the issue asks for >= 128)
MAX_REASON = 500
MAX_NAME = 200


def new_token() -> str:
    """A fresh verification token: 32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def format_serial(year: int, number: int) -> str:
    """APEX-2026-000123: the issue year and the row id, zero-padded to six digits."""
    return f"{SERIAL_PREFIX}-{year}-{number:06d}"


def _lock_holder(db: Session, user_id: int, course_version_id: int) -> None:
    # Two workers (the ticker and a completion page, or a coordinator's bulk issue) may
    # issue for the same person at once; on PostgreSQL a transaction-scoped advisory lock
    # makes the second wait and then find the first one's certificate. SQLite runs one
    # writer at a time anyway (BEGIN IMMEDIATE). The key is the person and version, as in
    # the unique index on certificates in force, which still holds if the lock is skipped.
    if db.get_bind().dialect.name != "postgresql":
        return
    name = f"certificate:{user_id}:{course_version_id}"
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def live_certificate(db: Session, *, user_id: int, course_version_id: int) -> Certificate | None:
    """The certificate in force for this person and course version (online or any session).

    There is at most one: a unique index on certificates in force guarantees it.
    """
    query = select(Certificate).where(
        Certificate.user_id == user_id,
        Certificate.course_version_id == course_version_id,
        is_live(),
    )
    return db.scalars(query.order_by(Certificate.id.desc()).limit(1)).first()


def _join_names(names: Sequence[str]) -> str:
    joined = ", ".join(name.strip() for name in names if name.strip())
    if len(joined) > 500:  # the column's size; a session never has that many facilitators
        joined = joined[:499] + "…"
    return joined


def issue_or_find(
    db: Session,
    *,
    user: User,
    course_version: CourseVersion,
    session: CourseSession | None = None,
    first_date: date,
    last_date: date,
    facilitator_names: Sequence[str] = (),
) -> tuple[Certificate, bool]:
    """Issue a certificate, or find the one in force; True when this call issued it.

    A person holds at most one certificate in force per course version: when they have
    one already (online, or from any session), that one is returned and nothing is issued.
    The holder's name is the account's display name now; the course title and version
    come from the course version, its credit hours from the session's format (or online
    study, without a session: ``content.credits.credit_hours_for``). The serial is made
    from the row id after the insert, so it is unique however many processes issue at once.
    """
    if last_date < first_date:
        raise Invalid("A certificate's last date cannot be before its first date.")
    _lock_holder(db, user.id, course_version.id)
    existing = live_certificate(db, user_id=user.id, course_version_id=course_version.id)
    if existing is not None:
        return existing, False
    cert = _new_certificate(
        user=user,
        holder_name=user.display_name,
        course_id=course_version.course_id,
        course_version_id=course_version.id,
        course_title=course_version.title,
        course_version=course_version.version,
        # The hours of the session's format, or of online study when there is no session.
        credit_hours=credit_hours_for(
            course_version, session.format_id if session is not None else None
        ),
        session_id=session.id if session is not None else None,
        first_date=first_date,
        last_date=last_date,
        facilitator_names=_join_names(facilitator_names),
        earned_by=EarnedBy.ONLINE if session is None else EarnedBy.ATTENDANCE,
        earned_place=_place(db, session),
    )
    try:
        # A savepoint, so a refused insert leaves the caller's transaction usable.
        with db.begin_nested():
            _insert_with_serial(db, cert)
    except IntegrityError:
        # Another transaction issued one for this person and version between the look-up
        # and the insert (possible only where the advisory lock is not taken): the unique
        # index refused ours, and theirs is the certificate in force.
        existing = live_certificate(db, user_id=user.id, course_version_id=course_version.id)
        if existing is None:
            raise  # some other constraint: not a race we know how to settle
        log.info("certificate for user %s was issued concurrently; keeping that one", user.id)
        return existing, False
    log.info("certificate %s issued to user %s", cert.serial, user.id)
    certificate_ready(db, cert, user)
    return cert, True


def _place(db: Session, session: CourseSession | None) -> str:
    """Where a session's certificate says it was attended: the venue, or "online"."""
    if session is None:
        return ""
    venue = db.get(Venue, session.venue_id) if session.venue_id is not None else None
    if venue is not None:
        return venue.name[:200]
    return "online" if session.online_url else ""


# What a re-issued certificate keeps of the one it replaces: everything it says but the
# holder's name (the course as it was, the hours, the dates, how and where it was earned).
_KEPT_ON_REISSUE = (
    "course_id",
    "course_version_id",
    "course_title",
    "course_version",
    "credit_hours",
    "session_id",
    "first_date",
    "last_date",
    "facilitator_names",
    "earned_by",
    "earned_place",
)


def _new_certificate(*, user: User, **columns: object) -> Certificate:
    # The serial needs the row id; until the insert it holds a unique placeholder.
    return Certificate(
        serial=f"pending-{secrets.token_hex(8)}",
        token=new_token(),
        user_id=user.id,
        issued_at=utcnow(),
        revoke_reason="",
        **columns,
    )


def _insert_with_serial(db: Session, cert: Certificate) -> None:
    db.add(cert)
    db.flush()
    cert.serial = format_serial(cert.issued_at.year, cert.id)
    db.flush()


def revoke(db: Session, cert: Certificate, reason: str, *, acting: User) -> Certificate:
    """Revoke a certificate with a reason (shown on the verification page)."""
    reason = reason_text(
        reason,
        most=MAX_REASON,
        missing="Give a reason for revoking the certificate; the verification page shows it.",
    )
    if cert.revoked_at is not None:
        raise Conflict(
            f"Certificate {cert.serial} was already revoked on {plain_date(cert.revoked_at)}."
        )
    cert.revoked_at = utcnow()
    cert.revoke_reason = reason
    db.flush()
    log.info("certificate %s revoked by user %s: %s", cert.serial, acting.id, reason)
    return cert


def reissue_after_name_change(db: Session, cert: Certificate, *, acting: User) -> Certificate:
    """Issue a new certificate under the holder's current name; the old one shows as replaced."""
    _lock_holder(db, cert.user_id, cert.course_version_id)
    # Read the row again under the lock: another coordinator may have re-issued or revoked
    # it meanwhile, and re-issuing a second time would leave two in force.
    db.refresh(cert)
    if cert.revoked_at is not None or cert.replaced_by_id is not None:
        raise Conflict(
            f"Certificate {cert.serial} is no longer in force; only a certificate in force "
            "can be re-issued."
        )
    user = db.get(User, cert.user_id)
    if user is None:
        raise NotFound("The certificate's holder no longer has an account.")
    if user.display_name == cert.holder_name:
        raise Invalid(
            f"The account's name is still “{cert.holder_name}”, as on the certificate. "
            "Correct the name first, then re-issue."
        )
    try:
        with db.begin_nested():
            # The old certificate leaves force, and is flushed, before the new row goes
            # in: the unique index allows one certificate in force per person and version.
            cert.revoked_at = utcnow()
            cert.revoke_reason = "Replaced"
            db.flush()
            kept = {column: getattr(cert, column) for column in _KEPT_ON_REISSUE}
            new = _new_certificate(user=user, holder_name=user.display_name, **kept)
            _insert_with_serial(db, new)
            cert.revoked_at = new.issued_at
            cert.revoke_reason = f"Replaced by {new.serial}"
            cert.replaced_by_id = new.id
            db.flush()
    except IntegrityError as exc:
        # Only a concurrent issue for the same person and version that skipped the lock
        # gets here; the savepoint has undone both rows, so nothing is half-done.
        raise Conflict(
            f"Another certificate in force for this person and course version appeared "
            f"while {cert.serial} was being re-issued; reload the page and check."
        ) from exc
    log.info("certificate %s replaced by %s (user %s)", cert.serial, new.serial, acting.id)
    certificate_ready(db, new, user)
    return new


def correct_name_and_reissue(
    db: Session, cert: Certificate, new_name: str, *, acting: User
) -> Certificate:
    """Correct the holder's account name, then re-issue the certificate under it."""
    name = folded_text(
        new_name,
        most=MAX_NAME,
        missing="Enter the corrected name.",
        too_long=f"Keep the name under {MAX_NAME} characters.",
    )
    user = db.get(User, cert.user_id)
    if user is None:
        raise NotFound("The certificate's holder no longer has an account.")
    if name == cert.holder_name:
        raise Invalid(f"The certificate already says “{name}”.")
    user.display_name = name
    db.flush()
    return reissue_after_name_change(db, cert, acting=acting)


def certificate_by_token(db: Session, token: str) -> Certificate | None:
    """The certificate with this verification token (exact match), if any."""
    if not token or len(token) > 64:
        return None
    return db.scalars(select(Certificate).where(Certificate.token == token)).first()


def certificates_of(db: Session, user: User) -> list[Certificate]:
    """A person's certificates, newest first (replaced and revoked ones included)."""
    query = select(Certificate).where(Certificate.user_id == user.id)
    return list(db.scalars(query.order_by(Certificate.issued_at.desc(), Certificate.id.desc())))


def certificate_of(db: Session, user: User, certificate_id: int) -> Certificate:
    """One of this person's certificates; anyone else's (or none) is 404."""
    cert = db.get(Certificate, certificate_id)
    if cert is None or cert.user_id != user.id:
        raise NotFound("There is no such certificate among yours.")
    return cert


def get_certificate(db: Session, certificate_id: int) -> Certificate:
    """A certificate by id, for staff pages (404 when unknown)."""
    cert = db.get(Certificate, certificate_id)
    if cert is None:
        raise NotFound("There is no such certificate.")
    return cert


def find_certificates(db: Session, search: str) -> list[Certificate]:
    """Coordinators' search: a serial exactly, or a holder's e-mail or part of their name."""
    words = " ".join(search.split())[:200]
    if not words:
        return []
    query = select(Certificate).join(User, User.id == Certificate.user_id)
    if re.fullmatch(r"(?i)APEX-\d{4}-\d+", words):
        query = query.where(Certificate.serial == words.upper())
    else:
        # Wildcards typed by the user are dropped rather than escaped: names have none.
        pattern = "%" + words.replace("\\", "").replace("%", "").replace("_", "") + "%"
        query = query.where(
            (func.lower(User.email) == words.lower())
            | Certificate.holder_name.ilike(pattern)
            | User.display_name.ilike(pattern)
        )
    return list(db.scalars(query.order_by(Certificate.issued_at.desc()).limit(50)))


def certificates_for_session(db: Session, session_id: int) -> list[Certificate]:
    """Every certificate issued for a session (in force, replaced and revoked), by holder."""
    query = select(Certificate).where(Certificate.session_id == session_id)
    certs = db.scalars(query).all()
    return sorted(certs, key=lambda c: (c.holder_name.casefold(), c.id))
