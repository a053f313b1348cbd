"""Rules every enrolment use case shares: the session lock, seat counting, whom one manages.

Who may see, book and manage a session, and when it starts, is ``scheduling.visibility``.

Lock order, everywhere: a seat pack row first, then sessions by ascending id. Keeping one
order means two transactions can wait for each other but never deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.organisations import (
    coordinated_organisation_ids,
    member_organisation_ids,
    members_of,
)
from app.config import get_settings
from app.content.models import CourseVersion
from app.db import insert_ignore, lock_rows
from app.enrollment.models import Enrollment, EnrollmentStatus, SeatPack
from app.errors import NotFound
from app.formatting import long_date
from app.learning.models import AccessGrant
from app.scheduling import visibility
from app.scheduling.models import CourseSession
from app.scheduling.visibility import session_start

GRANT_SOURCE = "enrolment"
# Enrolments that still mean something for the person (a seat, or a place in line).
LIVE_STATUSES = (
    EnrollmentStatus.HELD,
    EnrollmentStatus.CONFIRMED,
    EnrollmentStatus.WAITLISTED,
    EnrollmentStatus.OFFERED,
)


# --- time -------------------------------------------------------------------------


def change_cutoff(session: CourseSession) -> datetime:
    """The last moment a learner may cancel or transfer a confirmed seat (UTC)."""
    return session_start(session) - timedelta(days=get_settings().cancellation_cutoff_days)


# --- naming -----------------------------------------------------------------------


def course_titles(db: Session, course_ids: Iterable[int]) -> dict[int, str]:
    """The current title of each course."""
    ids = set(course_ids)
    if not ids:
        return {}
    query = select(CourseVersion.course_id, CourseVersion.title).where(
        CourseVersion.course_id.in_(ids), CourseVersion.is_current.is_(True)
    )
    titles = dict(db.execute(query).all())
    return {course_id: titles.get(course_id, "Course") for course_id in ids}


def session_label(db: Session, session: CourseSession) -> str:
    """How messages name a session: '“Client expectations” on Friday 18 December 2026'."""
    title = course_titles(db, [session.course_id])[session.course_id]
    return f"“{title}” on {long_date(session.starts_on)}"


# --- whom one manages ------------------------------------------------------------


def can_manage_person(db: Session, user: User, session: CourseSession, person_id: int) -> bool:
    """May ``user`` enrol, move or cancel ``person_id`` on ``session``?

    Staff manage anyone; an organisation coordinator manages everyone on their own
    organisation's sessions, and their members on public sessions.
    """
    if visibility.can_manage_session(db, user, session):
        return True
    if not visibility.is_public(session):
        return False
    return bool(coordinated_organisation_ids(db, user.id) & member_organisation_ids(db, person_id))


def managed_people_clause(db: Session, user: User) -> ColumnElement[bool]:
    """SQL filter on Enrollment.user_id: the people an organisation coordinator manages."""
    return Enrollment.user_id.in_(members_of(coordinated_organisation_ids(db, user.id)))


# --- the lock and the count -------------------------------------------------------


def lock_sessions(db: Session, session_ids: Iterable[int]) -> dict[int, CourseSession]:
    """Lock the sessions' rows (SELECT ... FOR UPDATE), in id order, and return them fresh.

    Taking the lock *before* counting is what stops two requests both seeing the last
    free seat (see ``app.db.lock_rows``).
    """
    return lock_rows(db, CourseSession, session_ids)


def lock_session(db: Session, session_id: int) -> CourseSession:
    """Lock one session row (see ``lock_sessions``); ``NotFound`` when it does not exist."""
    session = lock_sessions(db, [session_id]).get(session_id)
    if session is None:
        raise NotFound("There is no such session.")
    return session


def lock_seat_pack(db: Session, pack_id: int) -> SeatPack:
    """Lock a seat pack row before counting its used seats (always before any session)."""
    pack = lock_rows(db, SeatPack, [pack_id]).get(pack_id)
    if pack is None:
        raise NotFound("There is no such seat pack.")
    return pack


def seat_clause(now: datetime) -> ColumnElement[bool]:
    """SQL: enrolments holding a seat at ``now`` (confirmed, or a hold/offer not yet run out)."""
    return or_(
        Enrollment.status == EnrollmentStatus.CONFIRMED,
        and_(Enrollment.status == EnrollmentStatus.HELD, Enrollment.hold_expires_at > now),
        and_(Enrollment.status == EnrollmentStatus.OFFERED, Enrollment.offer_expires_at > now),
    )


def count_seats(db: Session, session_id: int, now: datetime) -> int:
    """Seats taken on one session at ``now``; call with the session locked."""
    query = select(func.count(Enrollment.id)).where(
        Enrollment.session_id == session_id, seat_clause(now)
    )
    return int(db.scalar(query) or 0)


def live_enrollment(db: Session, session_id: int, user_id: int, now: datetime) -> Enrollment | None:
    """The person's current seat or place in line on the session, if any."""
    query = (
        select(Enrollment)
        .where(
            Enrollment.session_id == session_id,
            Enrollment.user_id == user_id,
            or_(seat_clause(now), Enrollment.status == EnrollmentStatus.WAITLISTED),
        )
        .order_by(Enrollment.id.desc())
        .limit(1)
    )
    return db.scalar(query)


# --- confirmation -----------------------------------------------------------------


def mark_confirmed(db: Session, enrollment: Enrollment, course_id: int, now: datetime) -> None:
    """Confirm a seat and give the learner the course's online modules."""
    enrollment.status = EnrollmentStatus.CONFIRMED
    enrollment.confirmed_at = now
    enrollment.hold_expires_at = None
    enrollment.offer_expires_at = None
    grant_online_access(db, enrollment.user_id, course_id)


def mark_held(enrollment: Enrollment, now: datetime) -> None:
    """Hold a seat for ``hold_minutes`` while payment is awaited."""
    enrollment.status = EnrollmentStatus.HELD
    enrollment.hold_expires_at = now + timedelta(minutes=get_settings().hold_minutes)
    enrollment.offer_expires_at = None


def grant_online_access(db: Session, user_id: int, course_id: int) -> None:
    """Insert an AccessGrant(source="enrolment") unless it exists (race-safe upsert)."""
    insert_ignore(
        db,
        AccessGrant,
        {"user_id": user_id, "course_id": course_id, "source": GRANT_SOURCE},
        ["user_id", "course_id", "source"],
    )
