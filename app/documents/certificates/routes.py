"""Certificate pages and API: public verification, the learner's certificates, coordinators' tools.

``router`` carries the CSRF check for every page form; ``api`` is ``/api/v1``.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.accounts.permissions import ApiUser, Coordinator, SignedIn, require_role
from app.accounts.sessions import Ctx
from app.content.models import CourseVersion
from app.db import DbSession, utcnow
from app.documents.certificates import issuing as certificate_issuing
from app.documents.certificates import service as certificates
from app.documents.certificates import verify
from app.documents.certificates.render import (
    certificate_file,
    credit_hours_text,
    earned_text,
    inputs_hash,
)
from app.documents.files import download_links, serving
from app.documents.models import Certificate, CertificateStatus
from app.errors import AppError, NotFound
from app.formatting import date_range, plain_date
from app.pages import page_router, render_form_page
from app.scheduling.models import CourseSession
from app.web import redirect, render

router = page_router()
api = APIRouter(prefix="/api/v1")

FormStr = Annotated[str, Form()]


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


def certificate_row(cert: Certificate) -> dict[str, Any]:
    """Display strings for a certificate in a list."""
    return {
        "cert": cert,
        "dates": date_range(cert.first_date, cert.last_date),
        "earned": earned_text(cert),
        "credit_hours": credit_hours_text(cert.credit_hours),
        "issued": plain_date(cert.issued_at.date()),
        "revoked": plain_date(cert.revoked_at.date()) if cert.revoked_at else "",
    }


def own_certificate_row(cert: Certificate) -> dict[str, Any]:
    """A row of the holder's own list: as :func:`certificate_row`, with a signed download
    link that is served without a session lookup (see ``download_links``)."""
    return {**certificate_row(cert), "download_url": download_links.url_for(cert)}


def _pdf_response(request: Request, cert: Certificate) -> Response:
    # Rendered once per distinct content (name, revocation, design), then served as stored.
    digest = inputs_hash(cert)
    return serving.stored_pdf_response(
        request,
        digest=digest,
        filename=f"{cert.serial}.pdf",
        stored_file=lambda: certificate_file(cert, digest=digest),
    )


# --- public verification -------------------------------------------------------------


@router.get("/verify/{token}", response_class=HTMLResponse)
def verify_page(request: Request, ctx: Ctx, token: str) -> Response:
    """Public: is this certificate valid, revoked (when, why, replaced by) or unknown?"""
    verify.count_lookup(ctx.db, _address(request))
    result = verify.verify_token(ctx.db, token)
    return render(
        request,
        "documents/certificates/verify.html",
        {"result": result, "cert": result.certificate, "show": result.display},
        status_code=404 if result.status == CertificateStatus.UNKNOWN else 200,
    )


@api.get("/certificates/verify/{token}")
def verify_api(request: Request, db: DbSession, token: str) -> JSONResponse:
    """Public: {"status": "valid"|"revoked"|"unknown", ...what the certificate states}.

    Unknown tokens answer 200 with ``{"status": "unknown"}`` (not 404), so a scanner
    reads one shape for every answer. Lookups are limited per client address (429).
    """
    verify.count_lookup(db, _address(request))
    return JSONResponse(verify.verify_token(db, token).as_json())


# --- learners ------------------------------------------------------------------------


@router.get("/certificates", response_class=HTMLResponse)
def my_certificates(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    """My certificates, with download links."""
    rows = [own_certificate_row(c) for c in certificates.certificates_of(ctx.db, user)]
    return render(request, "documents/certificates/mine.html", {"rows": rows})


def my_learning_section(db: Session, user: User | None) -> tuple[str, dict[str, Any]] | None:
    """A "Certificates" section for the My learning page (registered by app.main, since
    learning cannot import documents): the learner's certificates with download links."""
    if user is None:
        return None
    rows = [own_certificate_row(c) for c in certificates.certificates_of(db, user)]
    return "documents/certificates/_my_learning_section.html", {"rows": rows}


@router.get("/certificates/{certificate_id:id}.pdf")
def download_mine(request: Request, ctx: Ctx, user: SignedIn, certificate_id: int) -> Response:
    """Download one of my certificates (anyone else's is 404)."""
    return _pdf_response(request, certificates.certificate_of(ctx.db, user, certificate_id))


@router.get("/files/certificates/{certificate_id:id}/{digest}/{serial}.pdf")
def download_by_link(request: Request, ctx: Ctx, certificate_id: int) -> Response:
    """A signed link the middleware could not serve: not stored yet (render it now),
    expired or outdated (send the holder to the session-checked download), or not ours."""
    link = download_links.parse(request.url.path, request.scope.get("query_string", b""))
    if link is None:
        raise NotFound(download_links.INVALID_MESSAGE)
    cert = ctx.db.get(Certificate, link.certificate_id)
    if (
        link.expires < time.time()
        or cert is None
        or cert.serial != link.serial
        or inputs_hash(cert) != link.digest  # revoked or renamed since the link was made
    ):
        return redirect(link.fallback)
    data = certificate_file(cert, digest=link.digest).read_bytes()
    return Response(data, media_type="application/pdf", headers=download_links.link_headers(link))


@api.get("/certificates")
def my_certificates_api(db: DbSession, user: ApiUser) -> list[dict[str, Any]]:
    """The caller's certificates (status, what they state, verification URL)."""
    out = []
    for cert in certificates.certificates_of(db, user):
        body = verify.verify_token(db, cert.token).as_json()
        out.append({"id": cert.id, "verify_url": f"/verify/{cert.token}", **body})
    return out


# --- coordinators --------------------------------------------------------------------


def _recent_sessions(db: Session) -> list[dict[str, Any]]:
    # Sessions that have begun, newest first: certificates follow attendance.
    query = (
        select(CourseSession, CourseVersion.title)
        .join(
            CourseVersion,
            (CourseVersion.course_id == CourseSession.course_id)
            & CourseVersion.is_current.is_(True),
        )
        .where(CourseSession.starts_on <= utcnow().date())
        .order_by(CourseSession.starts_on.desc(), CourseSession.id.desc())
        .limit(100)
    )
    return [
        {"session": s, "title": title, "dates": date_range(s.starts_on, s.ends_on)}
        for s, title in db.execute(query).all()
    ]


def _session_page(
    request: Request,
    ctx: Ctx,
    session: CourseSession,
    *,
    error: AppError | None = None,
    error_for: int | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    participants = certificate_issuing.session_participants(ctx.db, session)
    certs = certificates.certificates_for_session(ctx.db, session.id)
    serials = {c.id: c.serial for c in certs}
    return render_form_page(
        request,
        "documents/certificates/coordinator_session.html",
        {
            "session": session,
            "course_title": certificate_issuing.session_version(ctx.db, session).title,
            "dates": date_range(session.starts_on, session.ends_on),
            "participants": participants,
            "due": sum(1 for p in participants if p.eligible and p.certificate is None),
            "rows": [certificate_row(c) for c in certs],
            "serials": serials,
            "error_for": error_for,
            "form": form or {},
        },
        error=error,
    )


def _managed_session(ctx: Ctx, session_id: int) -> CourseSession:
    session = ctx.db.get(CourseSession, session_id)
    if session is None:
        raise NotFound("There is no such session.")
    return session


def _search_page(
    request: Request,
    ctx: Ctx,
    q: str,
    *,
    error: AppError | None = None,
    error_for: int | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    found = certificates.find_certificates(ctx.db, q) if q.strip() else []
    replacements = [c.replaced_by_id for c in found if c.replaced_by_id]
    serials = {c.id: c.serial for c in found}
    for cert_id in replacements:
        if cert_id not in serials:
            serials[cert_id] = certificates.get_certificate(ctx.db, cert_id).serial
    return render_form_page(
        request,
        "documents/certificates/coordinator_sessions.html",
        {
            "sessions": _recent_sessions(ctx.db),
            "q": q,
            "rows": [certificate_row(c) for c in found],
            "serials": serials,
            "error_for": error_for,
            "form": form or {},
        },
        error=error,
    )


@router.get("/coordinator/certificates", response_class=HTMLResponse)
def coordinator_certificates(
    request: Request, ctx: Ctx, _: Coordinator, session_id: int | None = None, q: str = ""
) -> Response:
    """A session's certificates and participants; otherwise a search and recent sessions."""
    if session_id is None:
        return _search_page(request, ctx, q)
    return _session_page(request, ctx, _managed_session(ctx, session_id))


@router.post("/coordinator/certificates/issue")
def issue_for_session(
    request: Request, ctx: Ctx, coordinator: Coordinator, session_id: FormStr = ""
) -> Response:
    """Issue certificates for every participant of the session who met the rule."""
    if not session_id.isdigit():
        raise NotFound("There is no such session.")
    session = _managed_session(ctx, int(session_id))
    try:
        issued = certificate_issuing.issue_for_session(ctx.db, session, acting=coordinator)
    except AppError as exc:
        return _session_page(request, ctx, session, error=exc)
    count = len(issued)
    ctx.flash(
        f"{count} certificate{'s' if count != 1 else ''} issued."
        if count
        else "No certificates were due: everyone who met the rule already has one.",
        "success" if count else "info",
    )
    return redirect(f"/coordinator/certificates?session_id={session.id}")


def _staff_certificate(ctx: Ctx, certificate_id: int) -> tuple[User, Certificate]:
    coordinator = require_role(ctx, Role.COORDINATOR)
    return coordinator, certificates.get_certificate(ctx.db, certificate_id)


def _back(cert: Certificate) -> str:
    if cert.session_id is None:
        return f"/coordinator/certificates?q={cert.serial}"
    return f"/coordinator/certificates?session_id={cert.session_id}"


def _after_error(
    request: Request, ctx: Ctx, cert: Certificate, exc: AppError, form: dict[str, str]
) -> Response:
    if cert.session_id is not None:
        session = _managed_session(ctx, cert.session_id)
        return _session_page(request, ctx, session, error=exc, error_for=cert.id, form=form)
    return _search_page(request, ctx, cert.serial, error=exc, error_for=cert.id, form=form)


@router.post("/coordinator/certificates/{certificate_id:id}/revoke")
def revoke(request: Request, ctx: Ctx, certificate_id: int, reason: FormStr = "") -> Response:
    """Revoke a certificate; the reason shows on its verification page."""
    coordinator, cert = _staff_certificate(ctx, certificate_id)
    try:
        certificates.revoke(ctx.db, cert, reason, acting=coordinator)
    except AppError as exc:
        return _after_error(request, ctx, cert, exc, {"reason": reason})
    ctx.flash(f"Certificate {cert.serial} revoked.", "success")
    return redirect(_back(cert))


@router.post("/coordinator/certificates/{certificate_id:id}/reissue")
def reissue(request: Request, ctx: Ctx, certificate_id: int, name: FormStr = "") -> Response:
    """Re-issue under a corrected name (updating the account's name when one is given)."""
    coordinator, cert = _staff_certificate(ctx, certificate_id)
    try:
        if name.strip():
            new = certificates.correct_name_and_reissue(ctx.db, cert, name, acting=coordinator)
        else:
            new = certificates.reissue_after_name_change(ctx.db, cert, acting=coordinator)
    except AppError as exc:
        return _after_error(request, ctx, cert, exc, {"name": name})
    ctx.flash(
        f"Certificate {new.serial} issued to {new.holder_name}; "
        f"{cert.serial} now shows as replaced.",
        "success",
    )
    return redirect(_back(cert))


@router.get("/coordinator/certificates/{certificate_id:id}.pdf")
def download_any(request: Request, ctx: Ctx, certificate_id: int) -> Response:
    """Coordinators: download any certificate."""
    _, cert = _staff_certificate(ctx, certificate_id)
    return _pdf_response(request, cert)


# What app/main.py includes, in this order.
ROUTERS = (router, api)
