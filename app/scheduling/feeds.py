"""Calendar data for sessions: the public series feed, private feed tokens, invitations.

Scheduling knows sessions, venues and facilitators; who is enrolled is enrolment's
business, so the personal (learner) part of a private feed is assembled there from the
``FeedEntry`` building blocks here.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.base_url import absolute_url
from app.config import get_settings
from app.content.models import Course, CourseVersion
from app.errors import NotFound
from app.scheduling import calendar, visibility
from app.scheduling.models import (
    CalendarFeed,
    CourseSession,
    Series,
    SessionDay,
    SessionFacilitator,
    Venue,
)

# Past sessions stay in feeds a while, so a subscribed calendar keeps recent history.
FEED_HISTORY = timedelta(days=365)


@dataclass(frozen=True)
class CourseLabel:
    """What a calendar or a schedule shows about a course."""

    slug: str
    title: str
    formats: dict[str, str] = field(default_factory=dict)  # format id -> title

    def format_title(self, format_id: str) -> str:
        """The pack's title for a format, or the id when the pack has no such format."""
        return self.formats.get(format_id, format_id)


@dataclass
class FeedEntry:
    """One session in a calendar, with the status and summary this reader should see."""

    session: CourseSession
    status: str | None = None  # None: follow the session (CONFIRMED or CANCELLED)
    suffix: str = ""  # e.g. " (facilitating)"


def course_labels(db: Session, course_ids: Iterable[int]) -> dict[int, CourseLabel]:
    """Titles and format titles of the current versions of the given courses."""
    ids = set(course_ids)
    if not ids:
        return {}
    rows = db.execute(
        select(Course.id, Course.slug, CourseVersion.title, CourseVersion.spec)
        .join(CourseVersion, CourseVersion.course_id == Course.id)
        .where(Course.id.in_(ids), CourseVersion.is_current)
    )
    labels = {}
    for course_id, slug, title, spec in rows:
        formats = {
            key: str(value.get("title", key))
            for key, value in (spec or {}).get("formats", {}).items()
            if isinstance(value, dict)
        }
        labels[course_id] = CourseLabel(slug=slug, title=title, formats=formats)
    # A course without a current version still needs a name in a calendar.
    for course_id, slug in db.execute(select(Course.id, Course.slug).where(Course.id.in_(ids))):
        labels.setdefault(course_id, CourseLabel(slug=slug, title=slug))
    return labels


def venues_by_id(db: Session, venue_ids: Iterable[int | None]) -> dict[int, Venue]:
    """The venues among ``venue_ids`` (None ignored)."""
    ids = {venue_id for venue_id in venue_ids if venue_id is not None}
    if not ids:
        return {}
    return {venue.id: venue for venue in db.scalars(select(Venue).where(Venue.id.in_(ids)))}


def with_days(db: Session, sessions: Sequence[CourseSession]) -> Sequence[CourseSession]:
    """Make sure each session's ``days`` are loaded (they are ``lazy="raise"``)."""
    missing = [s for s in sessions if "days" in _unloaded(s)]
    if missing:
        by_session: dict[int, list[SessionDay]] = {s.id: [] for s in missing}
        query = (
            select(SessionDay)
            .where(SessionDay.session_id.in_(by_session))
            .order_by(SessionDay.session_id, SessionDay.day_index)
        )
        for day in db.scalars(query):
            by_session[day.session_id].append(day)
        for session in missing:
            set_committed_value(session, "days", by_session[session.id])
    return sessions


def _unloaded(session: CourseSession) -> set[str]:
    return set(inspect(session).unloaded)


def session_url(session_id: int) -> str:
    """The public page of a session (absolute, for calendars and e-mails)."""
    return absolute_url(f"/sessions/{session_id}")


def entries_calendar(db: Session, entries: Sequence[FeedEntry], name: str) -> bytes:
    """A subscribed-calendar VCALENDAR (no METHOD) for these sessions, one event each."""
    with_days(db, [entry.session for entry in entries])
    labels = course_labels(db, (entry.session.course_id for entry in entries))
    venues = venues_by_id(db, (entry.session.venue_id for entry in entries))
    events = []
    for entry in entries:
        session = entry.session
        label = labels.get(session.course_id)
        title = label.title if label else "Course session"
        venue = venues.get(session.venue_id) if session.venue_id is not None else None
        events.append(
            calendar.session_event(
                session,
                title + entry.suffix,
                venue,
                status=entry.status,
                url=session_url(session.id),
            )
        )
    return calendar.calendar_for(events, name)


def invitation(
    db: Session,
    session: CourseSession,
    *,
    method: str,
    attendee: str,
    status: str | None = None,
    stamp: datetime | None = None,
) -> bytes:
    """A METHOD:REQUEST or METHOD:CANCEL calendar for one session, for an e-mail attachment."""
    with_days(db, [session])
    label = course_labels(db, [session.course_id]).get(session.course_id)
    venue = db.get(Venue, session.venue_id) if session.venue_id is not None else None
    chosen = status or (calendar.CANCELLED if method == "CANCEL" else None)
    event = calendar.session_event(
        session,
        label.title if label else "Course session",
        venue,
        status=chosen,
        url=session_url(session.id),
        # iTIP: DTSTAMP is when this message was made; clients order same-SEQUENCE updates by it.
        stamp=stamp or datetime.now(UTC),
        organizer=_mail_address(get_settings().mail_from),
        attendee=attendee,
    )
    return calendar.calendar_for([event], "APEX", method=method)


def _mail_address(sender: str) -> str:
    """The bare address of 'Name <address>'."""
    if "<" in sender and sender.endswith(">"):
        return sender.rsplit("<", 1)[1][:-1]
    return sender


def public_series(db: Session, series_id: int) -> Series:
    """A public series by id; in-house or unknown series are ``NotFound``."""
    series = db.get(Series, series_id)
    if series is None or not visibility.is_public(series):
        raise NotFound("There is no public series with that number.")
    return series


def series_feed(db: Session, series_id: int, *, today: date) -> bytes:
    """The public iCalendar feed of a series: its sessions from a year back onwards."""
    series = public_series(db, series_id)
    query = (
        select(CourseSession)
        .where(
            CourseSession.series_id == series.id,
            visibility.public_clause(),
            CourseSession.ends_on >= today - FEED_HISTORY,
        )
        .order_by(CourseSession.starts_on, CourseSession.track_position, CourseSession.id)
        .options(selectinload(CourseSession.days))
    )
    entries = [FeedEntry(session) for session in db.scalars(query)]
    return entries_calendar(db, entries, f"APEX: {series.title}")


def series_feed_changed_at(db: Session, series_id: int, *, today: date) -> datetime:
    """When the public feed of a series last changed (its Last-Modified).

    The latest of: the series row, any of its sessions (a session turned in-house
    leaves the feed with a newer ``updated_at``), the current version of a course in it
    (titles), and midnight of the day its latest session aged out of the feed. Sessions
    are never deleted and venues never edited, so nothing else changes the feed's bytes
    (the ETag, the body's hash, decides whenever a client sends one).
    """
    series = public_series(db, series_id)
    in_series = CourseSession.series_id == series.id
    moments = [
        series.updated_at,
        db.scalar(select(func.max(CourseSession.updated_at)).where(in_series)),
        db.scalar(
            select(func.max(CourseVersion.created_at))
            .join(CourseSession, CourseSession.course_id == CourseVersion.course_id)
            .where(in_series, CourseVersion.is_current)
        ),
    ]
    aged = db.scalar(
        select(func.max(CourseSession.ends_on)).where(
            in_series, CourseSession.ends_on < today - FEED_HISTORY
        )
    )
    if aged is not None:
        moments.append(datetime.combine(aged + FEED_HISTORY + timedelta(days=1), time(), UTC))
    return max(moment for moment in moments if moment is not None)


def facilitated_entries(db: Session, user_id: int, *, today: date) -> list[FeedEntry]:
    """The sessions a person facilitates (recent and upcoming), for their private feed."""
    query = (
        select(CourseSession)
        .join(SessionFacilitator, SessionFacilitator.session_id == CourseSession.id)
        .where(
            SessionFacilitator.user_id == user_id,
            CourseSession.ends_on >= today - FEED_HISTORY,
        )
        .order_by(CourseSession.starts_on, CourseSession.id)
        .options(selectinload(CourseSession.days))
    )
    return [FeedEntry(session, suffix=" (facilitating)") for session in db.scalars(query)]


def feed_token(db: Session, user_id: int) -> str:
    """The person's private feed token, created on first use."""
    existing = db.get(CalendarFeed, user_id)
    if existing is not None:
        return existing.token
    try:
        # Two first requests at once: the second insert loses and reads the winner's row.
        with db.begin_nested():
            db.add(CalendarFeed(user_id=user_id, token=secrets.token_urlsafe(24)))
    except IntegrityError:
        pass
    row = db.get(CalendarFeed, user_id)
    assert row is not None
    return row.token


def reset_feed_token(db: Session, user_id: int) -> str:
    """Give the person a new private feed token; the old URL stops working at once."""
    row = db.get(CalendarFeed, user_id)
    if row is None:
        return feed_token(db, user_id)
    row.token = secrets.token_urlsafe(24)
    db.flush()
    return row.token


def feed_owner(db: Session, token: str) -> int | None:
    """The user id a private feed token belongs to, or None."""
    if not token or len(token) > 64:
        return None
    return db.scalar(select(CalendarFeed.user_id).where(CalendarFeed.token == token))


def feed_url(token: str) -> str:
    """The absolute https (or http) URL of a private feed."""
    return absolute_url(f"/calendars/{token}.ics")


def series_feed_url(series_id: int) -> str:
    """The absolute URL of a public series feed."""
    return absolute_url(f"/calendars/series/{series_id}.ics")
