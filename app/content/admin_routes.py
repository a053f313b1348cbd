"""The admins' Content page and the packs API: upload a pack .zip, download any version."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.types import Message

from app.accounts.models import Role
from app.accounts.permissions import Admin, ApiUser
from app.accounts.sessions import Ctx
from app.config import get_settings
from app.content import packs_service
from app.content.packs_service import PackDownload, UploadResult, max_upload_bytes
from app.db import DbSession
from app.errors import AppError, Forbidden, problem_response
from app.pages import page_router
from app.web import redirect, render

router = page_router()
api = APIRouter(prefix="/api/v1")

CONTENT_PAGE = "/admin/content"
RAW_ZIP_TYPES = frozenset(
    {"application/zip", "application/x-zip-compressed", "application/octet-stream"}
)
# Room for the multipart boundaries and part headers around the file itself.
_MULTIPART_OVERHEAD = 64 * 1024


class ContentTooLarge(AppError, status=413, title="Content too large"):
    """The upload is over the size limit (413)."""


class UnsupportedMediaType(AppError, status=415, title="Unsupported media type"):
    """The upload is neither a raw .zip body nor a multipart form with a file (415)."""


def _too_large() -> ContentTooLarge:
    return ContentTooLarge(
        f"The pack archive is larger than {max_upload_bytes() // (1024 * 1024)} MiB, the upload "
        "limit. Make the pack smaller (compress its images) and try again."
    )


def _zip_response(download: PackDownload) -> Response:
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
    return render(
        request, "content_admin/content.html", {**context, **extra}, status_code=status_code
    )


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
        errors = [_too_large().message]
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
    return _zip_response(packs_service.version_archive(ctx.db, version_id))


# API -----------------------------------------------------------------------------------


class PackUploaded(BaseModel):
    """The course version an upload produced (or found already stored)."""

    course: str
    version: str
    content_hash: str
    created: bool


async def _read_capped(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    # Counted as it arrives: a missing or false Content-Length must not get more in.
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


async def _parse_multipart(request: Request, body: bytes) -> FormData:
    # Parse the already size-checked bytes rather than the socket, so the limit holds.
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return await Request(request.scope, replay).form(max_files=1, max_fields=10)


async def _api_upload(request: Request, filename: str) -> tuple[bytes, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in RAW_ZIP_TYPES:
        return await _read_capped(request, max_upload_bytes()), filename
    if content_type != "multipart/form-data":
        raise UnsupportedMediaType(
            "Send the pack .zip as the body with Content-Type: application/zip, "
            "or as the multipart/form-data field 'file'."
        )
    form = await _parse_multipart(
        request, await _read_capped(request, max_upload_bytes() + _MULTIPART_OVERHEAD)
    )
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise UnsupportedMediaType("The multipart body has no file field named 'file'.")
        data = await upload.read()
    finally:
        await form.close()
    if len(data) > max_upload_bytes():
        raise _too_large()
    return data, upload.filename or filename


_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/zip": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


@api.post(
    "/packs",
    status_code=201,
    response_model=PackUploaded,
    responses={
        200: {"model": PackUploaded, "description": "Already stored; nothing changed"},
        413: {"description": "Larger than the upload limit"},
        422: {"description": "Invalid pack or refused archive; every reason in 'errors'"},
    },
    openapi_extra=_UPLOAD_BODY,
)
async def upload_pack_api(
    request: Request, user: ApiUser, db: DbSession, filename: str = "upload.zip"
) -> Response:
    """Upload a pack .zip (admins): stored whole (201, or 200 if unchanged) or refused whole."""
    if not user.has_role(Role.ADMIN):
        raise Forbidden("Uploading content packs is for admins.")
    data, name = await _api_upload(request, filename)
    result = await run_in_threadpool(packs_service.upload_pack, db, data, name)
    if result.version is None:
        # Returned, not raised: the pack's report must still be committed for the admins.
        return problem_response(
            422,
            "The pack was not loaded; every reason is listed in 'errors'.",
            title="Invalid content pack",
            extra={"errors": result.errors},
        )
    version = result.version
    body = PackUploaded(
        course=result.course_slug or "",
        version=version.version,
        content_hash=version.content_hash,
        created=result.created,
    )
    return JSONResponse(
        body.model_dump(),
        status_code=201 if result.created else 200,
        headers={"Location": f"/api/v1/packs/{quote(body.course)}/{quote(body.version)}.zip"},
    )


@api.get(
    "/packs/{course_id}/{version}.zip",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}, 404: {"description": "Unknown"}},
)
def download_pack_api(user: ApiUser, db: DbSession, course_id: str, version: str) -> Response:
    """Download a course version as a .zip, byte for byte as loaded (coordinators, admins)."""
    if not user.has_role(Role.COORDINATOR):
        raise Forbidden("Downloading content packs is for coordinators and admins.")
    return _zip_response(packs_service.pack_archive(db, course_id, version))


# What app/main.py includes, in this order.
ROUTERS = (router, api)
