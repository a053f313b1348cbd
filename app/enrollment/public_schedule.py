"""The public schedule: upcoming sessions a visitor may book, with seats left.

Public sessions are for everyone; in-house ones only for members of their organisation
(``visibility.bookable_clause``).
Times are shown in each session's own zone.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.content.models import Course
from app.enrollment import queries
from app.errors import Invalid
from app.formatting import long_date, month_year, price, time_range
from app.scheduling import calendar, feeds, visibility
from app.scheduling.models import CourseSession, Series, SessionStatus
from app.scheduling.workdays import check_date

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MAX_ITEMS = 300


@dataclass
class ScheduleItem:
    """One bookable session as the schedule shows it."""

    session_id: int
    course_slug: str
    course_title: str
    format_title: str
    starts_on: date
    days: int
    when: str  # every day with times and zone, one per line
    times: str  # e.g. "09:00–17:00 EST"
    timezone: str
    location: str
    online: bool
    price_cents: int
    currency: str
    price: str
    capacity: int
    seats_left: int
    in_house: bool
    series_id: int | None
    group_booking_url: str | None = None  # a series date with tracks side by side

    @property
    def full(self) -> bool:
        """No seat left: the learner can only join the waitlist."""
        return self.seats_left <= 0

    @property
    def url(self) -> str:
        """The session's page, where booking happens."""
        return f"/sessions/{self.session_id}"


@dataclass
class ScheduleDay:
    """The sessions starting on one date."""

    day: date
    label: str
    items: list[ScheduleItem] = field(default_factory=list)

    @property
    def group_bookings(self) -> list[str]:
        """Distinct group-booking pages for this date (one per series with tracks)."""
        return list(dict.fromkeys(i.group_booking_url for i in self.items if i.group_booking_url))


@dataclass(frozen=True)
class ScheduleFilters:
    """Course (slug) and month ("YYYY-MM") filters; empty means all."""

    course: str = ""
    month: str = ""

    def month_range(self) -> tuple[date, date] | None:
        """First and last day of the chosen month, or None."""
        if not self.month:
            return None
        match = MONTH.match(self.month)
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
            raise Invalid("Choose a month as YYYY-MM, for example 2026-12.")
        # Within the planning range: 9999-12 has no following month to end it.
        first = check_date(date(int(match.group(1)), int(match.group(2)), 1), "Month")
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return first, following - timedelta(days=1)


def upcoming_sessions(
    db: Session,
    user: User | None,
    *,
    now: datetime,
    filters: ScheduleFilters | None = None,
    course_id: int | None = None,
    limit: int = MAX_ITEMS,
) -> list[ScheduleItem]:
    """Scheduled sessions not yet started that ``user`` may see, soonest first."""
    chosen = filters or ScheduleFilters()
    visible = visibility.bookable_clause(db, user)
    query = (
        select(CourseSession)
        .where(
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.starts_on >= now.date() - timedelta(days=1),
            visible,
        )
        .order_by(
            CourseSession.starts_on,
            CourseSession.start_time,
            CourseSession.series_id,
            CourseSession.track_position,
            CourseSession.id,
        )
        .options(selectinload(CourseSession.days))
        .limit(limit)
    )
    if course_id is not None:
        query = query.where(CourseSession.course_id == course_id)
    if chosen.course:
        query = query.join(Course, Course.id == CourseSession.course_id).where(
            Course.slug == chosen.course
        )
    month = chosen.month_range()
    if month is not None:
        query = query.where(CourseSession.starts_on.between(*month))
    sessions = [s for s in db.scalars(query) if calendar.local_start(s, s.starts_on) > now]
    return _items(db, sessions, visible, now)


def _items(
    db: Session, sessions: list[CourseSession], visible: ColumnElement[bool], now: datetime
) -> list[ScheduleItem]:
    if not sessions:
        return []
    labels = feeds.course_labels(db, {s.course_id for s in sessions})
    venues = feeds.venues_by_id(db, (s.venue_id for s in sessions))
    taken = queries.seats_taken(db, [s.id for s in sessions], now=now)
    groups = _track_dates(db, sessions, visible)
    items = []
    for session in sessions:
        label = labels[session.course_id]
        venue = venues.get(session.venue_id) if session.venue_id is not None else None
        days = calendar.session_days(session)
        start = calendar.local_start(session, days[0])
        end = calendar.local_end(session, days[0])
        items.append(
            ScheduleItem(
                session_id=session.id,
                course_slug=label.slug,
                course_title=label.title,
                format_title=label.format_title(session.format_id),
                starts_on=session.starts_on,
                days=len(days),
                when=calendar.when_text(session, days),
                times=f"{time_range(start, end)} {start:%Z}",
                timezone=session.timezone,
                location=calendar.location_text(session, venue) or "To be announced",
                online=bool(session.online_url or (venue is not None and venue.online_url)),
                price_cents=session.price_cents,
                currency=session.currency,
                price=price(session.price_cents, session.currency),
                capacity=session.capacity,
                seats_left=max(0, session.capacity - taken.get(session.id, 0)),
                in_house=session.organisation_id is not None,
                series_id=session.series_id,
                group_booking_url=groups.get((session.series_id, session.starts_on)),
            )
        )
    return items


def _track_dates(
    db: Session, sessions: list[CourseSession], visible: ColumnElement[bool]
) -> dict[tuple[int | None, date], str]:
    """Series dates offering 2–3 courses side by side: the group-booking page's link."""
    keys = {(s.series_id, s.starts_on) for s in sessions if s.series_id is not None}
    if not keys:
        return {}
    series_ids = {series_id for series_id, _ in keys}
    dates = {day for _, day in keys}
    # Count every track on the date, not only those left after the course filter.
    rows = db.execute(
        select(CourseSession.series_id, CourseSession.starts_on).where(
            CourseSession.series_id.in_(series_ids),
            CourseSession.starts_on.in_(dates),
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.track_position.is_not(None),
            visible,
        )
    ).all()
    counts = Counter((series_id, day) for series_id, day in rows)
    return {
        (series_id, day): group_booking_path(series_id, day)
        for series_id, day in keys
        if series_id is not None and 2 <= counts.get((series_id, day), 0) <= 3
    }


def group_booking_path(series_id: int, day: date) -> str:
    """The page booking seats for several people across one series date's tracks."""
    return f"/series/{series_id}/{day.isoformat()}/group"


def by_day(items: list[ScheduleItem]) -> list[ScheduleDay]:
    """Items grouped under their start dates, in order."""
    days: list[ScheduleDay] = []
    for item in items:
        if not days or days[-1].day != item.starts_on:
            days.append(ScheduleDay(item.starts_on, long_date(item.starts_on)))
        days[-1].items.append(item)
    return days


def month_choices(today: date, count: int = 12) -> list[tuple[str, str]]:
    """The next ``count`` months as (YYYY-MM, 'December 2026') for the filter."""
    choices = []
    year, month = today.year, today.month
    for _ in range(count):
        first = date(year, month, 1)
        choices.append((f"{year:04d}-{month:02d}", month_year(first)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return choices


def series_feeds(db: Session, items: list[ScheduleItem]) -> list[tuple[str, str]]:
    """Public series among the items as (title, feed URL), for 'subscribe' links."""
    ids = {item.series_id for item in items if item.series_id is not None and not item.in_house}
    if not ids:
        return []
    query = (
        select(Series.id, Series.title)
        .where(Series.id.in_(ids), visibility.public_series_clause())
        .order_by(Series.title)
    )
    return [(title, feeds.series_feed_url(series_id)) for series_id, title in db.execute(query)]
