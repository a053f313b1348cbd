"""Enrolment's routers, in the order ``app.main`` includes them.

Pages live in ``pages/`` by audience and subject: ``public.py`` (the schedule, calendar
feeds), ``bookings.py`` (a learner's bookings, in-house requests), ``programmes.py``
(programmes and group bookings), ``programme_catalogue.py`` (coordinators' programmes),
``seat_packs.py`` (organisations' seat packs), ``staff.py`` (rosters, requests);
``confirm.py`` holds the confirmation pages a cancel or a move shows first. The
JSON API (``/api/v1``: bearer tokens, no cookies, so no CSRF) is ``api.py``.
"""

from __future__ import annotations

from app.enrollment import api
from app.enrollment.pages import (
    bookings,
    programme_catalogue,
    programmes,
    public,
    seat_packs,
    session_day,
    staff,
)
from app.pages import page_router

router = page_router()
router.include_router(bookings.router)
router.include_router(staff.router)
router.include_router(session_day.router)
router.include_router(seat_packs.router)
router.include_router(programmes.router)
router.include_router(programme_catalogue.router)

ROUTERS = (router, api.api, *public.ROUTERS)
