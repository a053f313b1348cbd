"""Scheduling's routers, in the order ``app.main`` includes them.

Pages live in ``pages/`` by subject: ``series.py`` (series list, form, preview,
exceptions), ``series_actions.py`` (ending a series, removing an exception,
each confirmed first), ``sessions.py`` (month calendar, standalone sessions, edits, venues) and
``feeds.py`` (iCalendar feeds); the JSON API (``/api/v1/series``) is ``api.py``.
"""

from __future__ import annotations

from fastapi import APIRouter

from app.pages import page_router
from app.scheduling import api as series_api
from app.scheduling.pages import feeds, series, series_actions, sessions

router = page_router()
router.include_router(series.router)
router.include_router(series_actions.router)
router.include_router(sessions.router)

api = APIRouter(prefix="/api/v1")
api.include_router(series_api.router)

ROUTERS = (router, api, *feeds.ROUTERS)
