"""Who facilitates a session: assigning, removing, and refusing a double-booked person."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.errors import Conflict, Invalid, NotFound
from app.scheduling.courses import course_titles
from app.scheduling.models import CourseSession, SessionDay, SessionFacilitator, SessionStatus


def facilitator_ids(db: Session, session_id: int) -> list[int]:
    """The ids of the people facilitating a session."""
    query = select(SessionFacilitator.user_id).where(SessionFacilitator.session_id == session_id)
    return list(db.scalars(query))


def facilitators(db: Session, session_id: int) -> list[User]:
    """The people facilitating a session, by name."""
    query = (
        select(User)
        .join(SessionFacilitator, SessionFacilitator.user_id == User.id)
        .where(SessionFacilitator.session_id == session_id)
        .order_by(User.display_name)
    )
    return list(db.scalars(query))


def facilitator_candidates(db: Session) -> list[User]:
    """Active people with the facilitator role, by name."""
    from app.accounts.models import UserRole

    query = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.FACILITATOR.value, User.is_active)
        .order_by(User.display_name)
    )
    return list(db.scalars(query).unique())


def refuse_overlaps(
    db: Session, session: CourseSession, days: list[date], user_ids: list[int]
) -> None:
    if not user_ids:
        return
    query = (
        select(SessionFacilitator.user_id, CourseSession, SessionDay.date)
        .join(CourseSession, CourseSession.id == SessionFacilitator.session_id)
        .join(SessionDay, SessionDay.session_id == CourseSession.id)
        .where(
            SessionFacilitator.user_id.in_(user_ids),
            CourseSession.id != session.id,
            CourseSession.status == SessionStatus.SCHEDULED,
            SessionDay.date.in_(days),
        )
        .order_by(SessionDay.date)
    )
    clash = db.execute(query).first()
    if clash is None:
        return
    user_id, other, _day = clash
    person = db.get(User, user_id)
    title = course_titles(db, [other.course_id]).get(other.course_id, "another course")
    span = other.starts_on.isoformat()
    if other.ends_on != other.starts_on:
        span += f" to {other.ends_on.isoformat()}"
    name = person.display_name if person else "This facilitator"
    raise Conflict(
        f"{name} is already facilitating '{title}' (session {other.id}) on {span}, "
        "which overlaps these dates."
    )


def assign_facilitator(db: Session, session: CourseSession, user: User) -> None:
    """Book a facilitator; refused when they hold no such role or are booked on those days."""
    if not user.has_role(Role.FACILITATOR):
        raise Invalid(f"{user.display_name} does not have the facilitator role.")
    if session.status == SessionStatus.CANCELLED:
        raise Conflict("This session is cancelled.")
    if user.id in facilitator_ids(db, session.id):
        return
    refuse_overlaps(db, session, [day.date for day in session.days], [user.id])
    db.add(SessionFacilitator(session_id=session.id, user_id=user.id))
    session.sequence += 1  # the attendee list of the calendar event changes
    db.flush()


def remove_facilitator(db: Session, session: CourseSession, user_id: int) -> None:
    """Take a facilitator off a session."""
    row = db.get(SessionFacilitator, (session.id, user_id))
    if row is None:
        raise NotFound("That person is not facilitating this session.")
    db.delete(row)
    session.sequence += 1
    db.flush()
