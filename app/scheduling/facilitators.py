"""Who facilitates a session: assigning, removing, and refusing a double-booked person."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.errors import Conflict, Invalid, NotFound
from app.scheduling import overlaps
from app.scheduling.models import CourseSession, SessionFacilitator, SessionStatus


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
    db: Session, session: CourseSession, slot: overlaps.Slot, user_ids: list[int]
) -> None:
    """``Conflict`` when one of these people facilitates another session at an overlapping
    time (``overlaps``: same instants, not just the same dates; cancelled ones never)."""
    for user_id in user_ids:
        theirs = select(SessionFacilitator.session_id).where(SessionFacilitator.user_id == user_id)
        clash = overlaps.find_clash(
            db, slot, CourseSession.id.in_(theirs), exclude_ids=[session.id]
        )
        if clash is None:
            continue
        person = db.get(User, user_id)
        name = person.display_name if person else "This facilitator"
        raise Conflict(
            f"{name} is already facilitating {overlaps.describe(db, clash, slot)}, "
            "which overlaps this session."
        )


def assign_facilitator(db: Session, session: CourseSession, user: User) -> None:
    """Book a facilitator; refused when they hold no such role or are booked on those days."""
    if not user.has_role(Role.FACILITATOR):
        raise Invalid(f"{user.display_name} does not have the facilitator role.")
    if session.status == SessionStatus.CANCELLED:
        raise Conflict("This session is cancelled.")
    if user.id in facilitator_ids(db, session.id):
        return
    refuse_overlaps(db, session, overlaps.Slot.load(db, session), [user.id])
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
