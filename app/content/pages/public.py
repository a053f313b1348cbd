"""Catalogue pages, ``/api/v1/courses``, and pack assets under content-hashed URLs."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from app.accounts.sessions import Ctx
from app.content import catalogue
from app.content.catalogue import CatalogueFilters
from app.content.hooks import COURSE_PAGE_SECTIONS
from app.db import DbSession
from app.pages import page_router
from app.web import render

router = page_router()

# The URL names the bytes (their SHA-256), so the file may be cached for a year.
IMMUTABLE = "public, max-age=31536000, immutable"


@router.get("/courses", response_class=HTMLResponse)
def catalogue_page(
    request: Request, ctx: Ctx, q: str = "", skill: str = "", audience: str = "", format: str = ""
) -> Response:
    """The catalogue: search by words, filter by skill, audience and format."""
    filters = CatalogueFilters(q=q.strip()[:200], skill=skill, audience=audience, format=format)
    return render(
        request,
        "content/catalogue.html",
        {
            "courses": catalogue.list_courses(ctx.db, filters),
            "filters": filters,
            "facets": catalogue.facets(ctx.db),
        },
    )


@router.get("/courses/{slug}", response_class=HTMLResponse)
def course_page(request: Request, ctx: Ctx, slug: str) -> Response:
    """A course: summary, objectives, modules with durations, formats, credit hours."""
    course = catalogue.course_detail(ctx.db, slug)
    # Higher features (enrolment: upcoming sessions) add sections through a hook.
    found = COURSE_PAGE_SECTIONS.send(ctx.db, slug, ctx.user)
    sections = [section for section in found if section is not None]
    return render(request, "content/course.html", {"course": course, "sections": sections})


@router.get("/assets/{sha256}/{name}")
def asset(db: DbSession, sha256: str, name: str) -> Response:
    """A pack image, served from its content hash with long cache headers."""
    found = catalogue.find_asset(db, sha256)
    return Response(
        found.data,
        media_type=found.media_type,
        headers={
            "Cache-Control": IMMUTABLE,
            "ETag": f'"{sha256}"',
            # SVG can carry script: never let the browser run it as a page of ours.
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        },
    )


# What app/main.py includes, in this order.
ROUTERS = (router,)
