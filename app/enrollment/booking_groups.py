"""Several seats booked in one step and paid together: all or nothing.

A programme (one learner, 2-4 courses on different dates) and a group booking (several
colleagues on one series date) both end here. Every session is locked, by ascending id,
before anything is counted, and every seat is checked before the first is written, so a
full session refuses the whole booking and nobody ends up with half of it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.enrollment import clashes, hooks, payers, rules
from app.enrollment.models import BookingGroup, Enrollment
from app.enrollment.seats import check_bookable, refuse_if_enrolled, take_seat
from app.enrollment.waitlist import settle_session
from app.errors import Conflict, NotFound
from app.scheduling import overlaps
from app.scheduling.models import CourseSession


@dataclass(frozen=True)
class Seat:
    """One seat wanted: this person on this session."""

    session: CourseSession
    person: User


def book_together(
    db: Session, booker: User, seats: Sequence[Seat], group: BookingGroup, *, now: datetime
) -> list[Enrollment]:
    """Take every seat for ``group`` (not yet added), or none: ``Conflict`` names the first
    full session or the person already on one. Held seats wait for one order; confirmed
    priced seats (an invoice customer) are billed together."""
    wanted = Counter(seat.session.id for seat in seats)
    locked = rules.lock_sessions(db, sorted(wanted))  # all of them, by id, before any count
    if len(locked) != len(wanted):
        raise NotFound("There is no such session.")
    _refuse_overlaps_within(db, seats, locked)
    for session_id in sorted(wanted):
        session = locked[session_id]
        settle_session(db, session, now)  # expired holds free their seats first
        for seat in seats:
            if seat.session.id != session_id:
                continue
            other = seat.person.id != booker.id
            check_bookable(db, session, seat.person, by_someone_else=other, now=now)
            refuse_if_enrolled(db, session, seat.person, by_someone_else=other, now=now)
            clashes.refuse_seat_clash(db, session, seat.person, by_someone_else=other, now=now)
        left = session.capacity - rules.count_seats(db, session_id, now)
        if wanted[session_id] > left:
            label = rules.session_label(db, session)
            seats_text = "no seats" if left <= 0 else f"only {left} seat{'s' if left > 1 else ''}"
            raise Conflict(f"{label} has {seats_text} left, so nothing was booked.")
    # The booker pays for every seat: held for their card, or invoiced to whoever pays
    # their seats (a group's price is its own, so no seat pack is drawn on).
    plan = payers.plan_seat(
        db, locked[min(wanted)], booker, price_cents=group.price_cents, use_packs=False
    )
    db.add(group)
    db.flush()
    enrollments = [
        take_seat(
            db,
            locked[seat.session.id],
            seat.person,
            source=str(group.kind),
            created_by=booker if seat.person.id != booker.id else None,
            group=group,
            plan=plan,
            now=now,
        )
        for seat in seats
    ]
    if plan.invoice:  # the booker's organisation pays by invoice: bill them together
        hooks.invoice_booking(db, enrollments, plan.organisation_id)
    return enrollments


def _refuse_overlaps_within(
    db: Session, seats: Sequence[Seat], locked: dict[int, CourseSession]
) -> None:
    """One person's seats in this booking must not overlap each other either (a
    programme's three-day course and a one-day course inside its dates)."""
    slots = {sid: overlaps.Slot.load(db, session) for sid, session in locked.items()}
    for index, seat in enumerate(seats):
        for other in seats[index + 1 :]:
            if other.person.id != seat.person.id or other.session.id == seat.session.id:
                continue
            if overlaps.overlapping_day(slots[seat.session.id], slots[other.session.id]):
                raise Conflict(
                    f"{rules.session_label(db, locked[seat.session.id])} and "
                    f"{rules.session_label(db, locked[other.session.id])} overlap, so "
                    f"{seat.person.display_name} cannot take both; nothing was booked."
                )


def group_enrollments(db: Session, group_id: int) -> list[Enrollment]:
    """The seats booked with one programme or group booking, in the order taken."""
    query = (
        select(Enrollment).where(Enrollment.booking_group_id == group_id).order_by(Enrollment.id)
    )
    return list(db.scalars(query))
