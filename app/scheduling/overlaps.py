"""The one rule for "in two places at once": when two sessions' times overlap.

A session runs on each of its days from ``start_time`` to ``end_time`` in its own time
zone. Two sessions overlap when one day's window of the first and one day's window of
the second share an instant: the windows are compared as real (UTC) instants, so
09:00–12:00 in London and 09:00–12:00 in New York on the same date do not clash, while
14:00–16:00 in London and 09:00–11:00 in New York do. Two windows on the same instants
clash even when far-apart zones give them neighbouring local dates. Windows that only
touch (one ends at 12:00, the other starts at 12:00) do not overlap; a morning and an
afternoon on one date are fine. Cancelled sessions never clash.

Three checks use it, each naming the session in the way: a facilitator
(``facilitators``), a venue (``refuse_venue_clash`` below), and a person's seats
(``enrollment.clashes``, which knows who holds a seat).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session, selectinload

from app.errors import Conflict
from app.formatting import long_date, time_range
from app.scheduling.courses import course_titles
from app.scheduling.models import CourseSession, SessionDay, SessionStatus, Venue


@dataclass(frozen=True)
class Slot:
    """When a session runs (or would run, before a change is saved): its days and hours."""

    days: tuple[date, ...]
    start_time: time
    end_time: time
    timezone: str

    @classmethod
    def of(cls, session: CourseSession) -> Slot:
        """The slot of a session whose days are loaded."""
        days = tuple(day.date for day in session.days)
        return cls(days, session.start_time, session.end_time, session.timezone)

    @classmethod
    def load(cls, db: Session, session: CourseSession) -> Slot:
        """The slot of a saved session, its days read from the database (a locked row
        comes without them)."""
        query = (
            select(SessionDay.date)
            .where(SessionDay.session_id == session.id)
            .order_by(SessionDay.day_index)
        )
        days = tuple(db.scalars(query))
        return cls(days, session.start_time, session.end_time, session.timezone)

    def windows(self) -> list[tuple[date, datetime, datetime]]:
        """Each day with its start and end as UTC instants."""
        zone = ZoneInfo(self.timezone)
        return [
            (
                day,
                datetime.combine(day, self.start_time, tzinfo=zone).astimezone(UTC),
                datetime.combine(day, self.end_time, tzinfo=zone).astimezone(UTC),
            )
            for day in self.days
        ]


def overlapping_day(mine: Slot, other: Slot) -> date | None:
    """The first day of ``other`` whose hours overlap one of ``mine``'s, or None."""
    own = mine.windows()
    for day, start, end in other.windows():
        if any(start < own_end and own_start < end for _, own_start, own_end in own):
            return day
    return None


@dataclass(frozen=True)
class Clash:
    """A session in the way, and its day that overlaps."""

    session: CourseSession
    day: date


def find_clash(
    db: Session,
    slot: Slot,
    among: ColumnElement[bool],
    *,
    exclude_ids: Iterable[int] = (),
) -> Clash | None:
    """The first scheduled session matching ``among`` whose times overlap ``slot``.

    SQL narrows the search to sessions with a day within a day of the slot's dates (far
    apart zones can put the same instant on neighbouring local dates); the instants are
    then compared here, one rule for every caller.
    """
    if not slot.days:
        return None
    near = {day + timedelta(days=shift) for day in slot.days for shift in (-1, 0, 1)}
    nearby = select(SessionDay.session_id).where(SessionDay.date.in_(sorted(near)))
    query = (
        select(CourseSession)
        .where(
            among,
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.id.in_(nearby),
            CourseSession.id.not_in(list(exclude_ids)),
        )
        .options(selectinload(CourseSession.days))
        .order_by(CourseSession.starts_on, CourseSession.start_time, CourseSession.id)
    )
    for other in db.scalars(query):
        day = overlapping_day(slot, Slot.of(other))
        if day is not None:
            return Clash(other, day)
    return None


def describe(db: Session, clash: Clash, slot: Slot) -> str:
    """'“Client expectations” on Friday 26 February 2027, 09:00–16:30': the hours in the
    other session's zone, which is named when it is not ``slot``'s, so '09:00–16:30' is
    never read in the wrong zone."""
    other = clash.session
    title = course_titles(db, [other.course_id]).get(other.course_id, "another course")
    text = f"“{title}” on {long_date(clash.day)}, {time_range(other.start_time, other.end_time)}"
    if other.timezone != slot.timezone:
        text += f" ({other.timezone})"
    return text


# --- a venue -----------------------------------------------------------------------


def _not_same_occurrence(
    series_id: int | None, occurrence_date: date | None
) -> ColumnElement[bool]:
    """SQL: sessions that are not a parallel track of this series date (every session, for
    a standalone one). Written without NOT: a standalone row's NULL series would make
    ``NOT (series_id = x AND ...)`` NULL, and drop the very sessions to check."""
    if series_id is None or occurrence_date is None:
        return true()
    return or_(
        CourseSession.series_id.is_(None),
        CourseSession.series_id != series_id,
        CourseSession.occurrence_date.is_(None),
        CourseSession.occurrence_date != occurrence_date,
    )


def refuse_venue_clash(
    db: Session,
    slot: Slot,
    venue_id: int | None,
    *,
    session_id: int | None = None,
    series_id: int | None = None,
    occurrence_date: date | None = None,
) -> None:
    """``Conflict`` when another scheduled session uses the venue at an overlapping time.

    A venue is a building (the model has one ``venue_id`` and no rooms). The tracks of one
    series date run side by side in it by design, each in its own room, so they do not
    clash with each other; every other session there at an overlapping hour does. Online
    sessions (no venue) never clash.
    """
    if venue_id is None:
        return
    among = and_(
        CourseSession.venue_id == venue_id,
        _not_same_occurrence(series_id, occurrence_date),
    )
    clash = find_clash(db, slot, among, exclude_ids=[session_id] if session_id else [])
    if clash is None:
        return
    venue = db.get(Venue, venue_id)
    name = venue.name if venue is not None else "This venue"
    raise Conflict(
        f"{name} is already booked for {describe(db, clash, slot)}, which overlaps this session."
    )


def refuse_venue_clashes(db: Session, sessions: Sequence[CourseSession]) -> None:
    """``refuse_venue_clash`` for saved sessions (a series' new or changed ones); flushed
    first, so they are checked against each other as well as against everything else."""
    db.flush()
    for session in sessions:
        if session.status != SessionStatus.SCHEDULED:
            continue
        refuse_venue_clash(
            db,
            Slot.load(db, session),
            session.venue_id,
            session_id=session.id,
            series_id=session.series_id,
            occurrence_date=session.occurrence_date,
        )
