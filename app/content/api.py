"""The catalogue's JSON API (``/api/v1``): courses, and content packs for admins."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.accounts.models import Role
from app.accounts.permissions import ApiUser
from app.content import catalogue, packs_service
from app.content.catalogue import CatalogueFilters
from app.content.packs_service import max_upload_bytes
from app.content.pages.staff import (
    MULTIPART_OVERHEAD,
    RAW_ZIP_TYPES,
    UnsupportedMediaType,
    parse_multipart,
    read_capped,
    too_large,
    zip_response,
)
from app.content.schemas import CourseDetailOut, CourseOut
from app.db import DbSession
from app.errors import Forbidden, problem_response

api = APIRouter(prefix="/api/v1")


class PackUploaded(BaseModel):
    """The course version an upload produced (or found already stored)."""

    course: str
    version: str
    content_hash: str
    created: bool


async def _api_upload(request: Request, filename: str) -> tuple[bytes, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in RAW_ZIP_TYPES:
        return await read_capped(request, max_upload_bytes()), filename
    if content_type != "multipart/form-data":
        raise UnsupportedMediaType(
            "Send the pack .zip as the body with Content-Type: application/zip, "
            "or as the multipart/form-data field 'file'."
        )
    form = await parse_multipart(
        request, await read_capped(request, max_upload_bytes() + MULTIPART_OVERHEAD)
    )
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise UnsupportedMediaType("The multipart body has no file field named 'file'.")
        data = await upload.read()
    finally:
        await form.close()
    if len(data) > max_upload_bytes():
        raise too_large()
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


@api.get("/courses", response_model=list[CourseOut])
def api_courses(
    db: DbSession, q: str = "", skill: str = "", audience: str = "", format: str = ""
) -> list[CourseOut]:
    """The catalogue as JSON, with the same filters as the page."""
    return catalogue.list_courses(
        db, CatalogueFilters(q=q.strip()[:200], skill=skill, audience=audience, format=format)
    )


@api.get("/courses/{slug}", response_model=CourseDetailOut)
def api_course(db: DbSession, slug: str) -> CourseDetailOut:
    """One course with its objectives and modules."""
    return catalogue.course_detail(db, slug)


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
    return zip_response(packs_service.pack_archive(db, course_id, version))


ROUTERS = (api,)
