"""The public schedule, private calendar feeds, and the course page's upcoming sessions."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.permissions import SignedIn
from app.accounts.sessions import Ctx
from app.content import catalogue
from app.content.models import Course
from app.db import DbSession, utcnow
from app.enrollment import calendar_feeds, public_schedule
from app.enrollment.public_schedule import ScheduleFilters
from app.pages import page_router
from app.scheduling import feeds
from app.web import redirect, render

router = page_router()

ICALENDAR = "text/calendar; charset=utf-8"
COURSE_PAGE_LIMIT = 5


@router.get("/schedule", response_class=HTMLResponse)
def schedule_page(request: Request, ctx: Ctx, course: str = "", month: str = "") -> Response:
    """Upcoming sessions grouped by date, with seats left, filtered by course and month."""
    now = utcnow()
    filters = ScheduleFilters(course=course.strip()[:64], month=month.strip()[:7])
    items = public_schedule.upcoming_sessions(ctx.db, ctx.user, now=now, filters=filters)
    return render(
        request,
        "enrollment/schedule/index.html",
        {
            "days": public_schedule.by_day(items),
            "count": len(items),
            "filters": filters,
            "courses": [(c.id, c.title) for c in catalogue.list_courses(ctx.db)],
            "months": public_schedule.month_choices(now.date()),
            "series_feeds": public_schedule.series_feeds(ctx.db, items),
        },
    )


@router.get("/calendar-feed", response_class=HTMLResponse)
def calendar_feed_page(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    """The person's private calendar URL (created on the first visit)."""
    token = feeds.feed_token(ctx.db, user.id)
    return _feed_page(request, token)


@router.post("/calendar-feed", response_class=HTMLResponse)
def reset_calendar_feed(ctx: Ctx, user: SignedIn) -> Response:
    """Replace the private calendar URL; the old one stops working."""
    feeds.reset_feed_token(ctx.db, user.id)
    ctx.flash(
        "Your calendar link is new. Subscribe again with it; the old link no longer works.",
        "success",
    )
    return redirect("/calendar-feed")


def _feed_page(request: Request, token: str) -> Response:
    url = feeds.feed_url(token)
    webcal = "webcal://" + url.split("://", 1)[1]
    return render(
        request, "enrollment/schedule/calendar_feed.html", {"feed_url": url, "webcal_url": webcal}
    )


@router.get("/calendars/{token}.ics")
def private_calendar(db: DbSession, token: str) -> Response:
    """A person's private feed: sessions they attend and sessions they facilitate."""
    body = calendar_feeds.personal_feed(db, token, now=utcnow())
    return Response(
        body,
        media_type=ICALENDAR,
        headers={
            "Content-Disposition": 'inline; filename="apex-my-sessions.ics"',
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


def upcoming_sessions_section(
    db: Session, slug: str, user: User | None
) -> tuple[str, dict[str, Any]] | None:
    """Course-page section: the next sessions of this course that still have seats."""
    course_id = db.scalar(select(Course.id).where(Course.slug == slug))
    if course_id is None:
        return None
    items = public_schedule.upcoming_sessions(db, user, now=utcnow(), course_id=course_id)
    open_items = [item for item in items if not item.full][:COURSE_PAGE_LIMIT]
    if not open_items:
        return None
    return (
        "enrollment/schedule/course_sessions.html",
        {"items": open_items, "schedule_url": f"/schedule?course={slug}"},
    )


# What app/main.py includes, in this order.
ROUTERS = (router,)
