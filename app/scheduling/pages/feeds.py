"""The public iCalendar feed of a series: ``/calendars/series/{id}.ics``."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from app import http_cache
from app.db import DbSession, utcnow
from app.pages import page_router
from app.scheduling import feeds

router = page_router()

ICALENDAR = "text/calendar; charset=utf-8"


@router.get("/calendars/series/{series_id:id}.ics")
def series_calendar(request: Request, db: DbSession, series_id: int) -> Response:
    """A public series as a subscribable calendar (in-house series are not found).

    Calendar apps poll it: an unchanged feed is a 304 with no body (ETag: the body's
    hash; Last-Modified: the series' latest change).
    """
    today = utcnow().date()
    body = feeds.series_feed(db, series_id, today=today)
    return http_cache.cacheable_body(
        request,
        body,
        media_type=ICALENDAR,
        headers={
            "Content-Disposition": f'inline; filename="apex-series-{series_id}.ics"',
            "Cache-Control": "public, max-age=900",
        },
        last_modified=feeds.series_feed_changed_at(db, series_id, today=today),
    )


# What app/main.py includes, in this order.
ROUTERS = (router,)
