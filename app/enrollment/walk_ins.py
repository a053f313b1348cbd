"""Walk-ins: someone who turns up on the day is given a seat by the room's staff.

A facilitator of the session or a coordinator adds them from the attendance sheet, once
the session's first day has come (in its own zone) and until it is closed or its last
day is over. A walk-in's seat is confirmed at once (nobody waits at the door for a card
payment): paid by the money rules (``payers.plan_seat``: their organisation's seat pack,
an invoice to the organisation or to the person, or complimentary with a coordinator's
reason). Within capacity a facilitator may add one; over capacity only a coordinator,
whose name and reason are recorded on the seat (``Enrollment.capacity_override_*``). A
person without an account gets one, and an e-mail to choose its password.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from app.accounts import passwords, service
from app.accounts.models import User
from app.bounds import reason_text
from app.db import utcnow
from app.enrollment import attendance, clashes, payers, rules, seats
from app.enrollment.models import Enrollment, EnrollmentStatus
from app.enrollment.waitlist import settle_session
from app.errors import Conflict, Invalid
from app.formatting import long_date
from app.scheduling import visibility
from app.scheduling.models import CourseSession, SessionStatus

SOURCE = "walk_in"


@dataclass(frozen=True)
class WalkIn:
    """What the attendance sheet's walk-in form asks."""

    email: str
    name: str = ""  # needed only for someone without an account
    payer: payers.PayerChoice = payers.PayerChoice.AUTO
    reason: str = ""  # why a complimentary seat is free
    over_capacity_reason: str = ""  # a coordinator's reason for a seat over capacity
    present_today: bool = True


@dataclass(frozen=True)
class Added:
    """The walk-in's seat, and whether an account was made (and an invitation sent)."""

    enrollment: Enrollment
    person: User
    invited: bool
    over_capacity: bool


def check_on_the_day(session: CourseSession, now: datetime) -> None:
    """Refuse a walk-in before the first day, after the last, or on a closed session."""
    label = long_date(session.starts_on)
    if session.status != SessionStatus.SCHEDULED:
        raise Conflict("This session was cancelled; it takes no walk-ins.")
    if session.closed_at is not None:
        raise Conflict("This session is closed; walk-ins can no longer be added.")
    today = visibility.local_today(session, now)
    if today < session.starts_on:
        raise Conflict(
            f"The session starts on {label}: walk-ins are added on the day. Before then, "
            "a coordinator enrols them from the roster."
        )
    if visibility.is_over(session, now):
        raise Conflict("The session is over; walk-ins can no longer be added.")


def add_walk_in(
    db: Session, session_id: int, acting: User, walk_in: WalkIn, *, now: datetime | None = None
) -> Added:
    """Give a walk-in a confirmed seat (see the module's rules); ``Conflict`` when refused."""
    now = now or utcnow()
    session = attendance.get_session_for_attendance(db, session_id, acting)
    check_on_the_day(session, now)
    person, invited = _person(db, walk_in, acting, session)
    plan = payers.plan_seat(
        db,
        session,
        person,
        price_cents=session.price_cents,
        choice=walk_in.payer,
        reason=walk_in.reason,
        acting=acting,
    )
    if plan.hold:  # nobody is held at the door for a card payment: they are invoiced
        plan = replace(plan, hold=False, invoice=True)
    session = rules.lock_session(db, session.id)
    seats.check_bookable(db, session, person, by_someone_else=True, now=now, on_the_day=True)
    check_on_the_day(session, now)
    settle_session(db, session, now)
    enrollment = _seat_row(db, session, person, acting, now)
    clashes.refuse_seat_clash(db, session, person, by_someone_else=True, now=now)
    over = rules.count_seats(db, session.id, now) >= session.capacity
    if over:
        _override(enrollment, session, acting, walk_in.over_capacity_reason)
    db.add(enrollment)
    payers.give_seat(db, enrollment, session, plan, now)
    if walk_in.present_today:
        _mark_present_today(db, session, enrollment, acting, now)
    return Added(enrollment, person, invited, over)


def _person(
    db: Session, walk_in: WalkIn, acting: User, session: CourseSession
) -> tuple[User, bool]:
    """The walk-in's account, made (with an invitation) when the address has none."""
    if not walk_in.email.strip():
        raise Invalid("Enter the walk-in's e-mail address.")
    address = service.normalise_email(walk_in.email)
    person = service.find_user_by_email(db, address)
    if person is not None:
        if person.id == acting.id:
            raise Invalid("You cannot add yourself as a walk-in.")
        return person, False
    if not walk_in.name.strip():
        raise Invalid(
            f"There is no account for {address} yet: enter the person's name as it should "
            "appear on their certificate, and an account is made for them."
        )
    person = service.add_invited_user(db, email=address, display_name=walk_in.name)
    reason = f"You joined {rules.session_label(db, session)} on the day."
    passwords.invite_new_account(db, person, invited_by=acting, reason=reason)
    return person, True


def _seat_row(
    db: Session, session: CourseSession, person: User, acting: User, now: datetime
) -> Enrollment:
    """A new walk-in row, or the person's own place in line, which the seat replaces."""
    existing = rules.live_enrollment(db, session.id, person.id, now)
    if existing is None:
        # Added to the session only once every check has passed (give_seat's caller).
        return Enrollment(
            session_id=session.id, user_id=person.id, source=SOURCE, created_by_id=acting.id
        )
    if existing.status in (EnrollmentStatus.WAITLISTED, EnrollmentStatus.OFFERED):
        return existing  # on the waitlist and came anyway: the seat is theirs now
    if existing.status == EnrollmentStatus.HELD:
        raise Conflict(
            f"{person.display_name} has a seat held for a card payment: mark them on the "
            "sheet once they have paid, or cancel the hold on the roster first."
        )
    raise Conflict(f"{person.display_name} already has a confirmed seat: mark them on the sheet.")


def _override(enrollment: Enrollment, session: CourseSession, acting: User, reason: str) -> None:
    """Record a coordinator's seat over capacity; anyone else is refused."""
    full = f"The session is full ({session.capacity} seats)."
    if not visibility.is_staff(acting):
        raise Conflict(f"{full} Only a coordinator can add a walk-in over capacity.")
    enrollment.capacity_override_reason = reason_text(
        reason,
        most=payers.MAX_REASON,
        missing=f"{full} To add this walk-in over capacity, give the reason "
        "(it is kept with the seat).",
    )
    enrollment.capacity_override_by_id = acting.id


def _mark_present_today(
    db: Session, session: CourseSession, enrollment: Enrollment, acting: User, now: datetime
) -> None:
    today = visibility.local_today(session, now)
    day = next((d for d in session.days if d.date == today), None)
    if day is not None:
        attendance.mark_attendance(
            db, session, acting, {(enrollment.id, day.day_index): True}, now=now
        )
