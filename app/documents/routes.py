"""Session documents page, job progress, downloads, and ``/api/v1/document-jobs``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from app.accounts.models import User
from app.accounts.permissions import SignedIn, api_user, require_user
from app.accounts.sessions import Ctx, load_context
from app.db import DbSession
from app.documents.certificates import issuing as certificate_issuing
from app.documents.files import storage
from app.documents.models import JobStatus
from app.documents.schemas import JobOut
from app.documents.session_docs import jobs
from app.documents.session_docs.access import documents_session, job_for
from app.documents.session_docs.facts import confirmed_participants, session_certificates
from app.documents.session_docs.guide import fit_warnings
from app.documents.session_docs.packs import CERTIFICATES, KINDS, SESSION_PACK
from app.errors import AppError, Conflict, LoginRequired, NotFound
from app.pages import page_router
from app.scheduling.models import CourseSession
from app.web import redirect, render

router = page_router()
api = APIRouter(prefix="/api/v1")

FILE_LABELS = {
    "session_pack": "print-pack",
    "workbooks": "workbooks",
    "guide": "facilitator-guide",
    "certificates": "certificates",
}


def _page(request: Request, ctx: Ctx, session_id: int) -> Response:
    user = require_user(ctx)
    summary = documents_session(ctx.db, user, session_id)
    views = [JobOut.of(job) for job in jobs.session_jobs(ctx.db, session_id)]
    return render(
        request,
        "documents/session_documents.html",
        {
            "summary": summary,
            "kinds": KINDS,
            "jobs": views,
            "active": [view for view in views if view.status in jobs.ACTIVE],
            "participants": len(confirmed_participants(ctx.db, session_id)),
            "certificates": len(session_certificates(ctx.db, session_id)),
            "fit_warnings": fit_warnings(ctx.db, session_id),
        },
    )


@router.get("/sessions/{session_id:id}/documents", response_class=HTMLResponse)
def session_documents(request: Request, ctx: Ctx, session_id: int) -> Response:
    """A session's printable documents: start a job, watch its progress, download it."""
    return _page(request, ctx, session_id)


@router.post("/sessions/{session_id:id}/documents", response_class=HTMLResponse)
def start_document(
    ctx: Ctx, user: SignedIn, session_id: int, kind: Annotated[str, Form()] = ""
) -> Response:
    """Start making one of the session's documents in the background."""
    documents_session(ctx.db, user, session_id)
    try:
        if kind in (SESSION_PACK, CERTIFICATES):
            # Attendance marked a moment ago makes certificates due; issue them now, so
            # the pack holds them (the page promises it) instead of waiting for the ticker.
            session = ctx.db.get(CourseSession, session_id)
            if session is not None:
                certificate_issuing.issue_due_for_session(ctx.db, session)
        job = jobs.start_job(ctx.db, kind=kind, session_id=session_id, user=user)
    except AppError as exc:
        if isinstance(exc, NotFound):
            raise
        ctx.flash(exc.message, "error")
        return redirect(f"/sessions/{session_id}/documents")
    if job.status == JobStatus.QUEUED:
        # Also for a job queued earlier: an in-process queue does not survive a restart,
        # and running a job twice is harmless.
        jobs.enqueue_after_commit(ctx.db, job.id)
    # No flash message: the job's own status line says it started, and a page view that
    # only reads never competes with the worker's progress writes for SQLite's lock.
    return redirect(f"/sessions/{session_id}/documents#job-{job.id}")


@router.post("/documents/jobs/{job_id:id}/retry", response_class=HTMLResponse)
def retry_document(ctx: Ctx, user: SignedIn, job_id: int) -> Response:
    """Queue a failed document job again."""
    job, summary = job_for(ctx.db, user, job_id)
    jobs.retry_job(ctx.db, job)
    jobs.enqueue_after_commit(ctx.db, job.id)
    return redirect(f"/sessions/{summary.id}/documents#job-{job.id}")


@router.get("/documents/jobs/{job_id:id}/download")
def download_document(ctx: Ctx, user: SignedIn, job_id: int) -> Response:
    """The finished PDF of a document job, as an attachment."""
    job, summary = job_for(ctx.db, user, job_id)
    if job.status != JobStatus.DONE or not job.inputs_hash:
        raise Conflict("This document is not ready yet; wait for the progress bar to finish.")
    path = storage.lookup(job.inputs_hash)
    if path is None:
        raise NotFound("This file is no longer stored. Start the document again to make it anew.")
    label = FILE_LABELS.get(job.kind, "document")
    name = f"{summary.course_slug}-{summary.starts_on.isoformat()}-{label}.pdf"
    return FileResponse(path, media_type="application/pdf", filename=name)


def _api_or_browser_user(request: Request, db: DbSession) -> User:
    # The progress bar's script polls with the browser's session cookie; other clients
    # use a personal token like the rest of the API. Both only read here (GET).
    if request.headers.get("authorization"):
        return api_user(request, db)
    user = load_context(db, request).user
    if user is None:
        raise LoginRequired(
            "Sign in, or send a personal API token as 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


@api.get("/document-jobs/{job_id:id}", response_model=JobOut)
def document_job_api(
    db: DbSession, job_id: int, user: Annotated[User, Depends(_api_or_browser_user)]
) -> JobOut:
    """A document job's status and progress, and its download URL once done."""
    job, _ = job_for(db, user, job_id)
    return JobOut.of(job)


# What app/main.py includes, in this order.
ROUTERS = (router, api)
