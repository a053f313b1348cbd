"""The public iCalendar feed of a series: ``/calendars/series/{id}.ics``."""

from __future__ import annotations

from fastapi.responses import Response

from app.db import DbSession, utcnow
from app.pages import page_router
from app.scheduling import feeds

router = page_router()

ICALENDAR = "text/calendar; charset=utf-8"


@router.get("/calendars/series/{series_id:id}.ics")
def series_calendar(db: DbSession, series_id: int) -> Response:
    """A public series as a subscribable calendar (in-house series are not found)."""
    body = feeds.series_feed(db, series_id, today=utcnow().date())
    return Response(
        body,
        media_type=ICALENDAR,
        headers={
            "Content-Disposition": f'inline; filename="apex-series-{series_id}.ics"',
            "Cache-Control": "public, max-age=900",
        },
    )


# What app/main.py includes, in this order.
ROUTERS = (router,)
