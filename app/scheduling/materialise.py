"""Turning a series' rule into sessions, and keeping them in line when the series changes.

Each session of a series is keyed by (track position, the rule's date before any move),
which also makes its iCalendar UID: re-running never duplicates a session, and a moved
date keeps its UID (its SEQUENCE goes up instead). Only future sessions are touched, and
never one that has participants (``hooks.sessions_in_use``): those are reported instead.
A session that would double-book its venue refuses the whole pass (``overlaps``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.db import for_update
from app.scheduling import calendar, hooks, overlaps
from app.scheduling.courses import CourseChoice, courses_by_id
from app.scheduling.models import CourseSession, Series, SessionDay, SessionStatus
from app.scheduling.recurrence import Occurrence, occurrences
from app.scheduling.workdays import add_months, business_days

# Marks sessions cancelled because their date left the series, so a later edit that
# brings the date back may revive them; sessions a coordinator cancelled stay cancelled.
REMOVED_FROM_SERIES = "This date was removed from the series."


@dataclass
class SyncOutcome:
    """What a pass over a series' sessions did, and what it had to leave alone."""

    created: list[CourseSession] = field(default_factory=list)
    changed: list[CourseSession] = field(default_factory=list)
    cancelled: list[CourseSession] = field(default_factory=list)
    not_changed: list[CourseSession] = field(default_factory=list)  # in use; would have changed


@dataclass(frozen=True)
class _Wanted:
    course_id: int
    format_id: str
    days: tuple[date, ...]
    start_time: time
    end_time: time
    timezone: str
    capacity: int
    price_cents: int
    currency: str
    min_participants: int
    go_no_go_on: date | None
    venue_id: int | None
    organisation_id: int | None


_FIELDS = [name for name in _Wanted.__dataclass_fields__ if name != "days"]


def series_today(series: Series) -> date:
    """Today's date in the series' own time zone."""
    return datetime.now(ZoneInfo(series.timezone)).date()


def session_uid(series_id: int, track: int, occurrence_date: date) -> str:
    """The stable iCalendar UID of a series session."""
    return calendar.new_uid(f"series-{series_id}-t{track}-{occurrence_date:%Y%m%d}")


def horizon(series: Series, today: date, months: int | None = None) -> date:
    """The last date to materialise: ``months`` (default the series') after today."""
    return add_months(today, months if months is not None else series.horizon_months)


def load_series_sessions(db: Session, series_id: int) -> list[CourseSession]:
    """Every session of a series with its days, by date and track."""
    query = (
        select(CourseSession)
        .where(CourseSession.series_id == series_id)
        .options(selectinload(CourseSession.days))
        .order_by(CourseSession.starts_on, CourseSession.track_position)
    )
    return list(db.scalars(query))


def _wanted(series: Series, course_id: int, days: list[date]) -> _Wanted:
    go_no_go = days[0] - timedelta(days=series.go_no_go_days)
    return _Wanted(
        course_id=course_id,
        format_id=series.format_id,
        days=tuple(days),
        start_time=series.start_time,
        end_time=series.end_time,
        timezone=series.timezone,
        capacity=series.default_capacity,
        price_cents=series.default_price_cents,
        currency=series.currency,
        min_participants=series.min_participants,
        go_no_go_on=go_no_go,
        venue_id=series.venue_id,
        organisation_id=series.organisation_id,
    )


def _differs(session: CourseSession, wanted: _Wanted) -> bool:
    if session.status != SessionStatus.SCHEDULED:
        return True
    if tuple(day.date for day in session.days) != wanted.days:
        return True
    return any(getattr(session, name) != getattr(wanted, name) for name in _FIELDS)


def _apply(session: CourseSession, wanted: _Wanted, version_id: int | None) -> None:
    # A session keeps the version pinned when it was created (the coordinator moves it on
    # deliberately); only a change of course, or a session that never had a pin, takes the
    # course's current version. Such a session has no participants (see sync_sessions).
    if session.course_id != wanted.course_id or session.course_version_id is None:
        session.course_version_id = version_id
    for name in _FIELDS:
        setattr(session, name, getattr(wanted, name))
    session.starts_on = wanted.days[0]
    session.ends_on = wanted.days[-1]
    # Update day rows in place: deleting and re-inserting the same primary key in one
    # flush is not ordered safely by the unit of work.
    for index, day in enumerate(wanted.days, start=1):
        if index <= len(session.days):
            session.days[index - 1].date = day
        else:
            session.days.append(SessionDay(day_index=index, date=day))
    del session.days[len(wanted.days) :]
    session.status = SessionStatus.SCHEDULED
    session.cancel_reason = ""
    session.sequence += 1


def _create(
    series: Series, track: int, occurrence_date: date, wanted: _Wanted, version_id: int | None
) -> CourseSession:
    session = CourseSession(
        uid=session_uid(series.id, track, occurrence_date),
        sequence=0,
        series_id=series.id,
        track_position=track,
        occurrence_date=occurrence_date,
        starts_on=wanted.days[0],
        ends_on=wanted.days[-1],
        online_url=None,
        status=SessionStatus.SCHEDULED,
        cancel_reason="",
        days=[SessionDay(day_index=i, date=day) for i, day in enumerate(wanted.days, start=1)],
    )
    for name in _FIELDS:
        setattr(session, name, getattr(wanted, name))
    session.course_version_id = version_id
    return session


def _version_id(courses: dict[int, CourseChoice], wanted: _Wanted) -> int | None:
    # The version current now; None for a course with no version loaded (the pin is then
    # left empty and readers fall back to whatever version is current later).
    choice = courses.get(wanted.course_id)
    return choice.version_id if choice is not None else None


def series_occurrences(series: Series, *, until: date) -> list[Occurrence]:
    """The dates a series' rule gives up to ``until``, holidays and exceptions applied."""
    return occurrences(
        series.rrule,
        series.starts_on,
        series.timezone,
        until=until,
        holiday_country=series.holiday_country,
        policy=series.holiday_policy,
        exceptions=series.exceptions,
    )


def _wanted_sessions(
    series: Series, courses: dict[int, CourseChoice], *, today: date, until: date
) -> dict[tuple[int, date], _Wanted]:
    """The future sessions the rule asks for up to ``until``, by (track, rule date)."""
    limit = min(until, series.ends_on) if series.ends_on else until
    found = series_occurrences(series, until=limit)
    wanted: dict[tuple[int, date], _Wanted] = {}
    for occurrence in found:
        if occurrence.dropped or occurrence.date < today:
            continue
        for track in series.tracks:
            key = (track.position, occurrence.original_date)
            if key in wanted:
                continue  # an added date equal to a rule date: the rule's session wins
            choice = courses.get(track.course_id)
            length = choice.formats.get(series.format_id, 1) if choice else 1
            days = business_days(occurrence.date, length, series.holiday_country)
            wanted[key] = _wanted(series, track.course_id, days)
    return wanted


def _to_change(
    existing: dict[tuple[int, date], CourseSession],
    wanted: dict[tuple[int, date], _Wanted],
    today: date,
) -> list[tuple[CourseSession, _Wanted | None]]:
    """Existing future sessions to align (with what they should be) or cancel (None)."""
    found: list[tuple[CourseSession, _Wanted | None]] = []
    for key, want in wanted.items():
        session = existing.get(key)
        if session is None or session.starts_on < today or not _differs(session, want):
            continue
        # Sessions a coordinator cancelled stay cancelled; ones the series dropped revive.
        if (
            session.status == SessionStatus.SCHEDULED
            or session.cancel_reason == REMOVED_FROM_SERIES
        ):
            found.append((session, want))
    for key, session in existing.items():
        if (
            key not in wanted
            and session.status == SessionStatus.SCHEDULED
            and session.starts_on >= today
        ):
            found.append((session, None))
    return found


def _change(
    db: Session,
    to_change: list[tuple[CourseSession, _Wanted | None]],
    courses: dict[int, CourseChoice],
    outcome: SyncOutcome,
) -> None:
    """Align or cancel the sessions, leaving (and reporting) those with participants."""
    in_use = hooks.sessions_in_use(db, [s.id for s, _ in to_change]) if to_change else set()
    for session, want in to_change:
        if session.id in in_use:
            outcome.not_changed.append(session)
        elif want is None:
            session.status = SessionStatus.CANCELLED
            session.cancel_reason = REMOVED_FROM_SERIES
            session.sequence += 1
            outcome.cancelled.append(session)
        else:
            _apply(session, want, _version_id(courses, want))
            outcome.changed.append(session)


def sync_sessions(
    db: Session, series: Series, *, today: date, until: date, apply_changes: bool
) -> SyncOutcome:
    """Create the missing future sessions up to ``until``; with ``apply_changes`` also align
    the existing future ones with the series (or cancel them), except those in use.

    ``series.tracks`` and ``series.exceptions`` must be loaded.
    """
    outcome = SyncOutcome()
    # Two passes over one series at once (two coordinators, a cron'd extend) would both
    # see a session missing and insert it twice; the row lock makes the second one wait.
    # Only the id is selected: the caller's loaded tracks and exceptions stay as they are.
    db.execute(for_update(select(Series.id).where(Series.id == series.id)))
    courses = courses_by_id(db, [track.course_id for track in series.tracks])
    wanted = _wanted_sessions(series, courses, today=today, until=until)
    existing = {
        (s.track_position or 0, s.occurrence_date): s
        for s in load_series_sessions(db, series.id)
        if s.occurrence_date is not None
    }
    for key, want in wanted.items():
        if key not in existing:
            created = _create(series, key[0], key[1], want, _version_id(courses, want))
            db.add(created)
            outcome.created.append(created)
    if apply_changes:
        _change(db, _to_change(existing, wanted, today), courses, outcome)
    # A venue is not double-booked by a series either: its new and re-timed sessions are
    # checked against every other session there (its own parallel tracks of one date
    # excepted, see ``overlaps.refuse_venue_clash``). A clash refuses the whole change.
    overlaps.refuse_venue_clashes(db, [*outcome.created, *outcome.changed])
    if series.materialised_until is None or series.materialised_until < until:
        series.materialised_until = until
    db.flush()
    outcome.created.sort(key=lambda s: (s.starts_on, s.track_position or 0))
    outcome.not_changed.sort(key=lambda s: (s.starts_on, s.track_position or 0))
    return outcome
