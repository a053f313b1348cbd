"""Site-wide pages: home, liveness and readiness probes."""

from __future__ import annotations

from datetime import date

import redis
from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from app.accounts.sessions import Ctx
from app.config import get_settings
from app.dashboard import home_dashboard
from app.db import get_engine
from app.pages import page_router
from app.web import render

router = page_router()


@router.get("/", response_class=HTMLResponse)
def home(request: Request, ctx: Ctx) -> Response:
    """The marketing page for visitors; once signed in, the person's own dashboard."""
    if ctx.user is None:
        return render(request, "home.html")
    today = date.today()
    board = home_dashboard(ctx.db, ctx.user, ctx.current_visitor(), today)
    return render(request, "site/home.html", {"board": board, "today": today})


@router.get("/healthz")
def healthz() -> JSONResponse:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
def readyz() -> JSONResponse:
    """Readiness: the database answers a query (and Redis a ping, when configured)."""
    checks: dict[str, str] = {}
    try:
        # A raw DBAPI connection: no transaction, so SQLite's BEGIN IMMEDIATE (app.db)
        # never makes a health probe wait behind a writer.
        raw = get_engine().raw_connection()
        try:
            raw.cursor().execute("SELECT 1")
        finally:
            raw.close()
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means "not ready", never a 500 page
        checks["database"] = f"unavailable ({type(exc).__name__})"
    redis_url = get_settings().redis_url
    if redis_url:
        checks["redis"] = _ping_redis(redis_url)
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status_code=200 if ready else 503
    )


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> RedirectResponse:
    """The site icon: browsers and feed readers ask for /favicon.ico without reading the page."""
    # Permanent, so a browser asks once; the one icon file is the SVG the pages link to.
    return RedirectResponse("/static/favicon.svg", status_code=301)


def _ping_redis(url: str) -> str:
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"unavailable ({type(exc).__name__})"
    finally:
        client.close()
    return "ok"


ROUTERS = (router,)
