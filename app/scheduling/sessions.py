"""Session use cases: standalone sessions, edits, cancellation, versions (facilitators:
``facilitators.py``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import Organisation
from app.bounds import form_currency
from app.content.models import CourseVersion
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.formatting import clock, long_date
from app.scheduling import calendar, hooks, overlaps, prices, visibility, workdays
from app.scheduling.courses import resolve_courses
from app.scheduling.facilitators import facilitator_ids, refuse_overlaps
from app.scheduling.models import (
    CourseSession,
    SessionDay,
    SessionStatus,
    Venue,
)


@dataclass
class SessionInput:
    """A standalone session (e.g. the three- or four-day version of a course)."""

    course_slug: str
    format_id: str
    starts_on: date
    start_time: time
    end_time: time
    timezone: str
    capacity: int
    price_cents: int = 0
    currency: str = "USD"
    min_participants: int = 0
    go_no_go_on: date | None = None
    venue_id: int | None = None
    online_url: str | None = None
    organisation_id: int | None = None
    holiday_country: str | None = None  # business days skip this country's holidays
    confirm_high_price: bool = False  # "Yes, this price is right" (``prices``)


@dataclass
class SessionChanges:
    """What the session edit page may change; None leaves a field as it is."""

    starts_on: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    capacity: int | None = None
    venue_id: int | None = None
    online_url: str | None = None
    clear_venue: bool = False


def get_session(db: Session, session_id: int) -> CourseSession:
    """One session with its days; ``NotFound`` otherwise."""
    query = (
        select(CourseSession)
        .where(CourseSession.id == session_id)
        .options(selectinload(CourseSession.days))
    )
    session = db.scalar(query)
    if session is None:
        raise NotFound(f"There is no session {session_id}.")
    return session


def _check_common(
    db: Session,
    *,
    start_time: time,
    end_time: time,
    timezone: str,
    capacity: int,
    min_participants: int,
    venue_id: int | None,
    online_url: str | None,
) -> None:
    workdays.validate_timezone(timezone)
    workdays.check_times(start_time, end_time)
    if capacity <= 0:
        raise Invalid("Capacity must be at least 1.")
    if not 0 <= min_participants <= capacity:
        raise Invalid("Minimum participants must be between 0 and the capacity.")
    if venue_id is not None and db.get(Venue, venue_id) is None:
        raise Invalid(f"There is no venue {venue_id}.")
    if online_url and (not online_url.startswith(("https://", "http://")) or len(online_url) > 500):
        raise Invalid("An online link starts with https:// and has at most 500 characters.")


def _refuse_past_start(slot: overlaps.Slot, now: datetime | None) -> None:
    """No session is created or moved to a start that has already gone by (its own zone)."""
    start = workdays.local_to_utc(slot.days[0], slot.start_time, slot.timezone)
    if start < (now or utcnow()):
        raise Invalid(
            f"{long_date(slot.days[0])} at {clock(slot.start_time)} ({slot.timezone}) has "
            "already gone by; choose a start in the future."
        )


def create_session(
    db: Session, data: SessionInput, *, now: datetime | None = None
) -> CourseSession:
    """Validate and save a standalone session over consecutive business days.

    Refused when it would start in the past (before ``now``), or when its venue is booked
    at an overlapping time (``overlaps``).
    """
    workdays.check_date(data.starts_on, "First day")
    if data.go_no_go_on is not None:
        workdays.check_date(data.go_no_go_on, "Go/no-go date")
    (course,) = resolve_courses(db, [data.course_slug], data.format_id.strip())
    online_url = (data.online_url or "").strip() or None
    _check_common(
        db,
        start_time=data.start_time,
        end_time=data.end_time,
        timezone=data.timezone.strip(),
        capacity=data.capacity,
        min_participants=data.min_participants,
        venue_id=data.venue_id,
        online_url=online_url,
    )
    if data.price_cents < 0:
        raise Invalid("The price cannot be negative.")
    currency = form_currency(data.currency)  # app.currencies: ISO 4217, one list
    prices.check_price(data.price_cents, currency, label="Price", confirmed=data.confirm_high_price)
    if data.venue_id is None and online_url is None:
        raise Invalid("Choose a venue or give an online link.")
    country = (data.holiday_country or "").strip().upper() or None
    days = workdays.business_days(data.starts_on, course.formats[data.format_id], country)
    if data.go_no_go_on is not None and data.go_no_go_on > data.starts_on:
        raise Invalid("The go/no-go date must be on or before the first day.")
    if data.organisation_id is not None and db.get(Organisation, data.organisation_id) is None:
        raise Invalid(f"There is no organisation {data.organisation_id}.")
    slot = overlaps.Slot(tuple(days), data.start_time, data.end_time, data.timezone.strip())
    _refuse_past_start(slot, now)
    overlaps.refuse_venue_clash(db, slot, data.venue_id)
    session = CourseSession(
        uid=calendar.new_uid(f"session-{uuid.uuid4().hex}"),
        sequence=0,
        course_id=course.id,
        course_version_id=course.version_id,
        format_id=data.format_id.strip(),
        starts_on=days[0],
        ends_on=days[-1],
        start_time=data.start_time,
        end_time=data.end_time,
        timezone=data.timezone.strip(),
        capacity=data.capacity,
        price_cents=data.price_cents,
        currency=currency,
        min_participants=data.min_participants,
        go_no_go_on=data.go_no_go_on,
        venue_id=data.venue_id,
        online_url=online_url,
        organisation_id=data.organisation_id,
        status=SessionStatus.SCHEDULED,
        cancel_reason="",
        days=[SessionDay(day_index=i, date=day) for i, day in enumerate(days, start=1)],
    )
    db.add(session)
    db.flush()
    return session


def update_session(
    db: Session, session: CourseSession, changes: SessionChanges, *, now: datetime | None = None
) -> bool:
    """Change a session's date, times, capacity or venue; bumps SEQUENCE. True if changed.

    A move (new first day or start time) may not start in the past; the new times must
    not overlap another session of its venue or of its facilitators (``overlaps``).
    """
    if session.status == SessionStatus.CANCELLED:
        raise Conflict("This session is cancelled; it can no longer be changed.")
    start_time = changes.start_time or session.start_time
    end_time = changes.end_time or session.end_time
    capacity = changes.capacity if changes.capacity is not None else session.capacity
    venue_id = None if changes.clear_venue else (changes.venue_id or session.venue_id)
    online_url = (
        (changes.online_url or "").strip() or None
        if changes.online_url is not None
        else session.online_url
    )
    _check_common(
        db,
        start_time=start_time,
        end_time=end_time,
        timezone=session.timezone,
        capacity=capacity,
        min_participants=min(session.min_participants, capacity),
        venue_id=venue_id,
        online_url=online_url,
    )
    taken = (hooks.seat_counts(db, [session.id]) or {}).get(session.id, 0)
    if capacity < taken:
        raise Conflict(f"{taken} seats are taken; capacity cannot go below that.")
    days = [day.date for day in session.days]
    if changes.starts_on is not None and changes.starts_on != session.starts_on:
        workdays.check_date(changes.starts_on, "First day")
        days = workdays.business_days(changes.starts_on, len(session.days))
    _refuse_clashes(
        db,
        session,
        overlaps.Slot(tuple(days), start_time, end_time, session.timezone),
        venue_id,
        now,
    )
    before = (session.start_time, session.end_time, session.capacity, session.venue_id)
    after = (start_time, end_time, capacity, venue_id)
    if before == after and online_url == session.online_url and days[0] == session.starts_on:
        return False
    was = _description(db, session)
    _apply_changes(session, days, start_time, end_time, capacity, venue_id, online_url)
    db.flush()
    if _description(db, session) != was:
        # Capacity alone changes nobody's calendar; a new date, time or place does.
        hooks.session_rescheduled(db, session, *was)
    return True


def _apply_changes(
    session: CourseSession,
    days: list[date],
    start_time: time,
    end_time: time,
    capacity: int,
    venue_id: int | None,
    online_url: str | None,
) -> None:
    """Write checked changes onto the session (its days in place) and bump SEQUENCE."""
    shift = days[0] - session.starts_on
    for day, new_date in zip(session.days, days, strict=True):
        day.date = new_date
    session.starts_on, session.ends_on = days[0], days[-1]
    if session.go_no_go_on is not None:
        session.go_no_go_on = session.go_no_go_on + shift
    session.start_time, session.end_time = start_time, end_time
    session.capacity, session.venue_id, session.online_url = capacity, venue_id, online_url
    session.min_participants = min(session.min_participants, capacity)
    session.sequence += 1


def _description(db: Session, session: CourseSession) -> tuple[str, str]:
    venue = db.get(Venue, session.venue_id) if session.venue_id is not None else None
    return calendar.when_and_where(session, venue)


def _refuse_clashes(
    db: Session,
    session: CourseSession,
    slot: overlaps.Slot,
    venue_id: int | None,
    now: datetime | None,
) -> None:
    """The checks of a changed date, time or venue (an unchanged one is left alone, so a
    session that has started can still have its capacity changed)."""
    moved = slot.days[0] != session.starts_on or slot.start_time != session.start_time
    if moved:
        _refuse_past_start(slot, now)
    retimed = moved or slot.days != tuple(day.date for day in session.days)
    retimed = retimed or slot.end_time != session.end_time
    if retimed:
        refuse_overlaps(db, session, slot, facilitator_ids(db, session.id))
    if retimed or venue_id != session.venue_id:
        overlaps.refuse_venue_clash(
            db,
            slot,
            venue_id,
            session_id=session.id,
            series_id=session.series_id,
            occurrence_date=session.occurrence_date,
        )


@dataclass(frozen=True)
class SessionVersions:
    """The course version a session teaches (its pin) and the course's current version."""

    pinned: CourseVersion | None
    current: CourseVersion | None

    @property
    def taught(self) -> CourseVersion | None:
        """What the session's documents use: the pin, else (old rows) the current version."""
        return self.pinned or self.current

    @property
    def behind(self) -> bool:
        """True when a newer version than the one pinned is current."""
        return (
            self.pinned is not None
            and self.current is not None
            and self.pinned.id != self.current.id
        )


def session_versions(db: Session, session: CourseSession) -> SessionVersions:
    """The session's pinned course version and the course's current one (either may be None)."""
    return SessionVersions(_pinned_version(db, session), _current_version(db, session.course_id))


def taught_version(db: Session, session: CourseSession) -> CourseVersion | None:
    """The version a session teaches: its pin, else (old rows) the course's current one.

    What its workbooks, guide and certificates are made from; None only when neither exists.
    """
    return _pinned_version(db, session) or _current_version(db, session.course_id)


def _pinned_version(db: Session, session: CourseSession) -> CourseVersion | None:
    if session.course_version_id is None:
        return None
    return db.get(CourseVersion, session.course_version_id)


def _current_version(db: Session, course_id: int) -> CourseVersion | None:
    query = select(CourseVersion).where(
        CourseVersion.course_id == course_id, CourseVersion.is_current.is_(True)
    )
    return db.scalars(query).first()


def move_to_current_version(
    db: Session, session: CourseSession, *, now: datetime | None = None
) -> CourseVersion:
    """Make a session that has not started teach the course's current version; returns it.

    Only before it starts: from then on participants hold the workbooks of the pinned
    version, and their certificates must state what was taught.
    """
    if session.status == SessionStatus.CANCELLED:
        raise Conflict("This session is cancelled; its course version no longer matters.")
    if visibility.has_started(session, now):
        raise Conflict("This session has started; it keeps the course version it is teaching.")
    versions = session_versions(db, session)
    current = versions.current
    if current is None:
        raise Invalid("The course has no current version to move to.")
    if versions.pinned is not None and versions.pinned.id == current.id:
        raise Conflict(f"This session already teaches version {current.version}.")
    offered = current.spec.get("formats", {}).get(session.format_id)
    if offered is None:
        raise Invalid(
            f"Version {current.version} has no {session.format_id} format; "
            "the session stays on its version."
        )
    # The session's days were laid out for the old version's format; a format that now
    # runs over a different number of days needs a new session, not a silent mismatch.
    length = int(offered.get("days", 1))
    if length != len(session.days):
        raise Invalid(
            f"Version {current.version} runs the {session.format_id} format over "
            f"{_days(length)}, this session over {_days(len(session.days))}; "
            "create a new session for the new version instead."
        )
    session.course_version_id = current.id
    db.flush()
    return current


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def cancel_session(db: Session, session: CourseSession, reason: str) -> CourseSession:
    """Cancel a session (the enrolment side tells the participants); bumps SEQUENCE."""
    reason = reason.strip()
    if not reason:
        raise Invalid("Give a reason for the cancellation; participants will read it.")
    if session.status == SessionStatus.CANCELLED:
        return session
    session.status = SessionStatus.CANCELLED
    session.cancel_reason = reason[:300]
    session.sequence += 1
    db.flush()
    return session


def sessions_between(db: Session, first: date, last: date) -> list[CourseSession]:
    """Every session (any status) with a day between two dates, for the coordinators' calendar."""
    query = (
        select(CourseSession)
        .where(visibility.dates_clause(first, last))
        .options(selectinload(CourseSession.days))
        .order_by(CourseSession.starts_on, CourseSession.start_time, CourseSession.track_position)
    )
    return list(db.scalars(query))
