"""Attendance: the session's facilitators (or coordinators) mark each confirmed participant
present or absent for each teaching day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.db import utcnow
from app.enrollment import hooks, queries
from app.enrollment.models import Attendance, Enrollment
from app.errors import Conflict, Invalid, NotFound
from app.formatting import long_date
from app.scheduling import visibility
from app.scheduling.models import CourseSession, SessionDay, SessionFacilitator, SessionStatus


def can_take_attendance(db: Session, user: User, session: CourseSession) -> bool:
    """Facilitators booked on the session, and coordinators."""
    return visibility.can_run_session(db, user, session.id)


def get_session_for_attendance(db: Session, session_id: int, user: User) -> CourseSession:
    """A session (days loaded) the person may take attendance on; else ``NotFound``."""
    session = db.scalar(
        select(CourseSession)
        .where(CourseSession.id == session_id)
        .options(selectinload(CourseSession.days))
    )
    if session is None or not can_take_attendance(db, user, session):
        raise NotFound("There is no such session.")
    return session


def facilitator_sessions(db: Session, user: User) -> list[queries.SessionSeats]:
    """Sessions the person facilitates, by date, with seat figures."""
    query = (
        select(CourseSession)
        .join(SessionFacilitator, SessionFacilitator.session_id == CourseSession.id)
        .where(SessionFacilitator.user_id == user.id)
        .options(selectinload(CourseSession.days))
        .order_by(CourseSession.starts_on, CourseSession.id)
    )
    return queries.with_seats(db, list(db.scalars(query)))


@dataclass
class SheetRow:
    """One confirmed participant and their marks per day (None: not marked yet)."""

    enrollment: Enrollment
    person: User
    marks: dict[int, bool | None] = field(default_factory=dict)


@dataclass
class Sheet:
    """The attendance sheet of a session."""

    session: CourseSession
    days: list[SessionDay]
    rows: list[SheetRow]


def attendance_sheet(db: Session, session: CourseSession) -> Sheet:
    """Confirmed participants with their marks for every day of the session."""
    days = list(
        db.scalars(
            select(SessionDay)
            .where(SessionDay.session_id == session.id)
            .order_by(SessionDay.day_index)
        )
    )
    participants = queries.session_participants(db, session.id)
    ids = [e.id for e, _ in participants]
    marks: dict[tuple[int, int], bool] = {}
    if ids:
        for row in db.scalars(select(Attendance).where(Attendance.enrollment_id.in_(ids))):
            marks[(row.enrollment_id, row.day_index)] = row.present
    rows = [
        SheetRow(e, person, {d.day_index: marks.get((e.id, d.day_index)) for d in days})
        for e, person in participants
    ]
    return Sheet(session, days, rows)


def mark_attendance(
    db: Session,
    session: CourseSession,
    marker: User,
    marks: Mapping[tuple[int, int], bool],
    *,
    now: datetime | None = None,
) -> int:
    """Record present/absent per (enrolment id, day index); returns how many were saved.

    Only confirmed participants of this session, only its days, and only days that have
    begun in the session's zone. Everything is checked before anything is written.
    """
    if not can_take_attendance(db, marker, session):
        raise NotFound("There is no such session.")
    now = now or utcnow()
    today = visibility.local_today(session, now)
    days: dict[int, date] = dict(
        db.execute(
            select(SessionDay.day_index, SessionDay.date).where(SessionDay.session_id == session.id)
        ).all()
    )
    confirmed = {e.id for e, _ in queries.session_participants(db, session.id)}
    for enrollment_id, day_index in marks:
        if enrollment_id not in confirmed:
            raise Invalid("Attendance is marked only for confirmed participants of this session.")
        if day_index not in days:
            raise Invalid(f"This session has no day {day_index}.")
        if days[day_index] > today:
            raise Invalid(f"Day {day_index} ({long_date(days[day_index])}) has not begun yet.")
    for (enrollment_id, day_index), present in marks.items():
        row = db.get(Attendance, (enrollment_id, day_index))
        if row is None:
            db.add(
                Attendance(
                    enrollment_id=enrollment_id,
                    day_index=day_index,
                    present=present,
                    marked_by_id=marker.id,
                    marked_at=now,
                )
            )
        else:
            row.present = present
            row.marked_by_id = marker.id
            row.marked_at = now
    db.flush()
    return len(marks)


def check_closable(session: CourseSession, now: datetime) -> None:
    """``Conflict`` unless the session may be closed now: scheduled, on or after its last
    day (in its zone), and not closed already."""
    if session.status != SessionStatus.SCHEDULED:
        raise Conflict("This session was cancelled; there is nothing to close.")
    if visibility.local_today(session, now) < session.ends_on:
        raise Conflict(
            f"The session's last day is {long_date(session.ends_on)}; close it on that day "
            "or later, once everyone's attendance is marked."
        )
    if session.closed_at is not None:
        closed = visibility.local_today(session, session.closed_at)
        raise Conflict(f"The session was already closed on {long_date(closed)}.")


def close_session(
    db: Session, session: CourseSession, closer: User, *, now: datetime | None = None
) -> int:
    """Close the session once its last day has come: certificates are due at once.

    Without closing, they are due when the last day ends in the session's zone
    (``visibility.is_over``). Returns how many certificates were issued now.
    """
    if not can_take_attendance(db, closer, session):
        raise NotFound("There is no such session.")
    now = now or utcnow()
    check_closable(session, now)
    session.closed_at = now
    db.flush()
    return hooks.session_closed(db, session)
