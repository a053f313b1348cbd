"""The admins' Content page and the packs API: upload a pack .zip, download any version."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.types import Message

from app.accounts.permissions import Admin
from app.accounts.sessions import Ctx
from app.config import get_settings
from app.content import packs_service, retire
from app.content.packs_service import PackDownload, UploadResult, max_upload_bytes
from app.errors import AppError
from app.pages import Refusal, change_then_redirect, page_router, run_change
from app.web import redirect, render

router = page_router()
FormStr = Annotated[str, Form()]

CONTENT_PAGE = "/admin/content"
RAW_ZIP_TYPES = frozenset(
    {"application/zip", "application/x-zip-compressed", "application/octet-stream"}
)
# Room for the multipart boundaries and part headers around the file itself.
MULTIPART_OVERHEAD = 64 * 1024


class ContentTooLarge(AppError, status=413, title="Content too large"):
    """The upload is over the size limit (413)."""


class UnsupportedMediaType(AppError, status=415, title="Unsupported media type"):
    """The upload is neither a raw .zip body nor a multipart form with a file (415)."""


def too_large() -> ContentTooLarge:
    return ContentTooLarge(
        f"The pack archive is larger than {max_upload_bytes() // (1024 * 1024)} MiB, the upload "
        "limit. Make the pack smaller (compress its images) and try again."
    )


def zip_response(download: PackDownload) -> Response:
    return Response(
        download.data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{download.filename}"',
            "Cache-Control": "private, no-store",
        },
    )


# Pages ---------------------------------------------------------------------------------


def _content_page(
    request: Request, ctx: Ctx, *, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    overview = packs_service.content_overview(ctx.db)
    context = {
        "overview": overview,
        "max_upload_mib": max_upload_bytes() // (1024 * 1024),
        "courses_dir": get_settings().courses_dir,
    }
    return render(request, "content/admin.html", {**context, **extra}, status_code=status_code)


@router.get(CONTENT_PAGE, response_class=HTMLResponse)
def content_page(request: Request, ctx: Ctx, _: Admin) -> Response:
    """Loaded courses and their versions, pack problems, upload and sync."""
    return _content_page(request, ctx)


@router.post(CONTENT_PAGE + "/upload", response_model=None)
async def upload_page(request: Request, ctx: Ctx, _: Admin) -> Response:
    """Load an uploaded pack .zip, or show every reason it was refused."""
    form = await request.form()  # already parsed (and cached) by the CSRF check
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors = ["Choose the pack's .zip file to upload."]
        return await run_in_threadpool(
            _content_page, request, ctx, status_code=422, upload_errors=errors
        )
    data = await upload.read(max_upload_bytes() + 1)
    if len(data) > max_upload_bytes():
        errors = [too_large().message]
        return await run_in_threadpool(
            _content_page,
            request,
            ctx,
            status_code=413,
            upload_errors=errors,
            upload_name=upload.filename,
        )
    result = await run_in_threadpool(packs_service.upload_pack, ctx.db, data, upload.filename)
    if not result.ok:
        return await run_in_threadpool(
            _content_page,
            request,
            ctx,
            status_code=422,
            upload_errors=result.errors,
            upload_name=upload.filename,
        )
    ctx.flash(_upload_message(result), "success")
    return redirect(CONTENT_PAGE)


def _upload_message(result: UploadResult) -> str:
    assert result.version is not None
    label = f"{result.course_slug} {result.version.version}"
    if result.created:
        return f"Loaded {label}."
    if result.version.retired_at is not None:
        return f"{label} is already loaded and retired; it stays retired (load a new version)."
    return f"{label} is already loaded with exactly this content; nothing changed."


@router.post(CONTENT_PAGE + "/sync")
def sync_page(ctx: Ctx, _: Admin) -> RedirectResponse:
    """Load every pack in the courses folder now; summarise the outcome."""
    result = packs_service.sync_courses(ctx.db, get_settings().courses_dir)
    summary = packs_service.sync_summary(result)
    if result.ok:
        ctx.flash(f"Courses folder synced: {summary}.", "success")
    else:
        ctx.flash(f"Courses folder synced: {summary}. The problems are listed below.", "error")
    return redirect(CONTENT_PAGE)


@router.get(CONTENT_PAGE + "/versions/{version_id:id}.zip", response_model=None)
def download_page(ctx: Ctx, _: Admin, version_id: int) -> Response:
    """Download one stored course version as the .zip it was loaded from."""
    return zip_response(packs_service.version_archive(ctx.db, version_id))


@router.post(CONTENT_PAGE + "/versions/{version_id:id}/retire", response_class=HTMLResponse)
def retire_page(
    request: Request, ctx: Ctx, user: Admin, version_id: int, confirm: FormStr = ""
) -> Response:
    """Retire a course version, once confirmed: no new sessions; existing ones keep it."""
    if confirm != "yes":
        plan = run_change(ctx.db, lambda: retire.plan_retirement(ctx.db, version_id))
        if isinstance(plan, Refusal):
            ctx.flash(plan.message, "error")
            return redirect(CONTENT_PAGE)
        return render(
            request,
            "content/confirm_retire.html",
            {
                "plan": plan,
                "heading": f"Retire {plan.slug} {plan.version.version}?",
                "lead": "No new session or series can teach this version, and it is never "
                "made current again (not even by a sync of the same files).",
                "action": f"{CONTENT_PAGE}/versions/{version_id}/retire",
                "back": CONTENT_PAGE,
                "back_label": "No, keep it in use",
                "confirm_label": "Yes, retire this version",
            },
        )

    def run() -> str:
        done = retire.retire_version(ctx.db, version_id, user)
        label = f"{done.slug} {done.version.version}"
        if done.successor is not None:
            return f"{label} is retired; {done.slug} {done.successor.version} is current now."
        return f"{label} is retired."

    return change_then_redirect(ctx, run, back=CONTENT_PAGE)


# API -----------------------------------------------------------------------------------


async def read_capped(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large()
    chunks: list[bytes] = []
    size = 0
    # Counted as it arrives: a missing or false Content-Length must not get more in.
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large()
        chunks.append(chunk)
    return b"".join(chunks)


async def parse_multipart(request: Request, body: bytes) -> FormData:
    # Parse the already size-checked bytes rather than the socket, so the limit holds.
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return await Request(request.scope, replay).form(max_files=1, max_fields=10)


# What app/main.py includes, in this order.
ROUTERS = (router,)
