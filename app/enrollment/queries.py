"""Read-only questions other features ask about enrolments.

The schedule pages, calendars, e-mails and the ticker use these; none of them lock or
write. A seat is taken while its enrolment is confirmed, or held/offered and not run out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.db import utcnow
from app.enrollment import rules
from app.enrollment.models import Enrollment, EnrollmentStatus
from app.scheduling.models import CourseSession


def sessions_in_use(db: Session, session_ids: Iterable[int]) -> set[int]:
    """Sessions among ``session_ids`` with anyone enrolled, held, offered or waitlisted."""
    ids = list(session_ids)
    if not ids:
        return set()
    live = [
        EnrollmentStatus.HELD,
        EnrollmentStatus.CONFIRMED,
        EnrollmentStatus.WAITLISTED,
        EnrollmentStatus.OFFERED,
    ]
    query = select(Enrollment.session_id).where(
        Enrollment.session_id.in_(ids), Enrollment.status.in_(live)
    )
    return set(db.scalars(query))


def seats_taken(
    db: Session, session_ids: Iterable[int], *, now: datetime | None = None
) -> dict[int, int]:
    """Seats taken per session (confirmed + live holds + live offers); 0 when none."""
    ids = list(session_ids)
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    query = (
        select(Enrollment.session_id, func.count(Enrollment.id))
        .where(Enrollment.session_id.in_(ids), rules.seat_clause(now or utcnow()))
        .group_by(Enrollment.session_id)
    )
    counts.update(dict(db.execute(query).all()))
    return counts


def waitlist_lengths(db: Session, session_ids: Iterable[int]) -> dict[int, int]:
    """People waiting in line per session; 0 when none."""
    ids = list(session_ids)
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    query = (
        select(Enrollment.session_id, func.count(Enrollment.id))
        .where(Enrollment.session_id.in_(ids), Enrollment.status == EnrollmentStatus.WAITLISTED)
        .group_by(Enrollment.session_id)
    )
    counts.update(dict(db.execute(query).all()))
    return counts


def seats_left(db: Session, session: CourseSession, *, now: datetime | None = None) -> int:
    """Free seats on one session (never negative)."""
    taken = seats_taken(db, [session.id], now=now)[session.id]
    return max(0, session.capacity - taken)


@dataclass(frozen=True)
class SessionSeats:
    """A session with its seat figures, for schedule pages and the API."""

    session: CourseSession
    course_title: str
    taken: int
    waitlisted: int

    @property
    def seats_left(self) -> int:
        """Free seats (never negative)."""
        return max(0, self.session.capacity - self.taken)

    @property
    def fill_percent(self) -> int:
        """Seats taken as a whole percent of capacity."""
        capacity = self.session.capacity
        return min(100, self.taken * 100 // capacity) if capacity else 100


def with_seats(db: Session, sessions: list[CourseSession]) -> list[SessionSeats]:
    """Attach seat figures and course titles to sessions, keeping their order."""
    ids = [s.id for s in sessions]
    taken = seats_taken(db, ids)
    waiting = waitlist_lengths(db, ids)
    titles = rules.course_titles(db, {s.course_id for s in sessions})
    return [SessionSeats(s, titles[s.course_id], taken[s.id], waiting[s.id]) for s in sessions]


def learner_enrollments(
    db: Session,
    user_id: int,
    *,
    statuses: Iterable[EnrollmentStatus] = (EnrollmentStatus.CONFIRMED,),
) -> list[tuple[Enrollment, CourseSession]]:
    """A learner's enrolments in ``statuses`` with their sessions (days loaded), by date."""
    query = (
        select(Enrollment, CourseSession)
        .join(CourseSession, CourseSession.id == Enrollment.session_id)
        .where(Enrollment.user_id == user_id, Enrollment.status.in_(list(statuses)))
        .options(selectinload(CourseSession.days))
        .order_by(CourseSession.starts_on, CourseSession.id)
    )
    return [(e, s) for e, s in db.execute(query).all()]


def session_participants(
    db: Session,
    session_id: int,
    *,
    statuses: Iterable[EnrollmentStatus] = (EnrollmentStatus.CONFIRMED,),
) -> list[tuple[Enrollment, User]]:
    """Who is on a session in ``statuses`` (default confirmed), by name."""
    query = (
        select(Enrollment, User)
        .join(User, User.id == Enrollment.user_id)
        .where(Enrollment.session_id == session_id, Enrollment.status.in_(list(statuses)))
        .order_by(User.display_name, User.id)
    )
    return [(e, u) for e, u in db.execute(query).all()]
