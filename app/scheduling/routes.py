"""Scheduling's pages and API, gathered into the two routers ``app.main`` includes.

The handlers live by use case: ``pages_series`` (series list, form, preview, exceptions),
``pages_sessions`` (month calendar, standalone sessions, session edits, venues) and
``api_series`` (``/api/v1/series``).
"""

from __future__ import annotations

from fastapi import APIRouter

from app.pages import page_router
from app.scheduling import api_series, pages_series, pages_sessions

router = page_router()
router.include_router(pages_series.router)
router.include_router(pages_sessions.router)

api = APIRouter(prefix="/api/v1")
api.include_router(api_series.router)

# What app/main.py includes, in this order.
ROUTERS = (router, api)
