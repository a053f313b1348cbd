"""Taking a seat: decide who pays, lock the session, count, then hold, confirm or queue.

Who pays is ``payers.py``: a seat drawn from a pack, invoiced, or complimentary is
confirmed at once; a seat the person pays by card is held for ``hold_minutes`` until
payments calls ``confirm_enrollment``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import utcnow
from app.enrollment import clashes, notices, payers, rules
from app.enrollment.models import BookingGroup, Enrollment, EnrollmentStatus, SeatPack
from app.enrollment.waitlist import settle_session
from app.errors import Conflict, NotFound
from app.formatting import local_time
from app.scheduling import visibility
from app.scheduling.models import CourseSession, SessionStatus


def check_bookable(
    db: Session,
    session: CourseSession,
    user: User,
    *,
    by_someone_else: bool,
    now: datetime,
    on_the_day: bool = False,
) -> None:
    """Refuse a seat on a cancelled, started or (for non-members) in-house session.

    ``on_the_day``: a walk-in given a seat by the room's staff, which a session that has
    started still takes (``walk_ins``).
    """
    if not visibility.can_book(db, user, session):
        if not by_someone_else and not visibility.can_see_session(db, user, session):
            raise NotFound("There is no such session.")
        raise Conflict(
            f"{rules.session_label(db, session)} is an in-house session: only members of "
            "its client organisation can take a seat, and "
            f"{_who(user, by_someone_else)} not a member."
        )
    if session.status != SessionStatus.SCHEDULED:
        raise Conflict(
            f"{rules.session_label(db, session)} was cancelled, so it takes no bookings."
        )
    if not on_the_day and visibility.has_started(session, now):
        raise Conflict(
            f"{rules.session_label(db, session)} has already started, so it takes no more bookings."
        )


def _who(user: User, by_someone_else: bool) -> str:
    return f"{user.display_name} is" if by_someone_else else "you are"


def refuse_if_enrolled(
    db: Session, session: CourseSession, user: User, *, by_someone_else: bool, now: datetime
) -> None:
    """Conflict when the person already has a seat, a hold, an offer or a place in line."""
    existing = rules.live_enrollment(db, session.id, user.id, now)
    if existing is None:
        return
    label = rules.session_label(db, session)
    who = user.display_name if by_someone_else else "You"
    has = "has" if by_someone_else else "have"
    if existing.status == EnrollmentStatus.CONFIRMED:
        raise Conflict(f"{who} already {has} a confirmed seat on {label}.")
    if existing.status == EnrollmentStatus.HELD:
        assert existing.hold_expires_at is not None
        until = local_time(existing.hold_expires_at, session.timezone)
        raise Conflict(f"{who} already {has} a seat held on {label} until {until}.")
    if existing.status == EnrollmentStatus.OFFERED:
        raise Conflict(
            f"{who} already {has} a seat offered on {label}; accept it from My bookings."
        )
    raise Conflict(
        f"{who} {'is' if by_someone_else else 'are'} already on the waitlist for {label}."
    )


def take_seat(
    db: Session,
    session: CourseSession,
    user: User,
    *,
    source: str = "self",
    created_by: User | None = None,
    seat_pack: SeatPack | None = None,
    group: BookingGroup | None = None,
    payer: payers.PayerChoice = payers.PayerChoice.AUTO,
    reason: str = "",
    plan: payers.Plan | None = None,
    now: datetime | None = None,
) -> Enrollment:
    """Take a seat (held or confirmed), or a place on the waitlist when the session is full.

    Who pays is decided first (``payers.plan_seat``, which may lock a seat pack), then
    the session row is locked before anything is counted. A confirmed priced seat is
    invoiced at once unless a pack or a complimentary reason pays it; a group's seats
    (a programme, a group booking) are billed together by the caller. Seat-pack and
    group seats never go to the waitlist: a full session refuses them with ``Conflict``.
    ``plan`` is given when someone else pays (``booking_groups``: the booker).
    """
    now = now or utcnow()
    price = group.price_cents if group is not None else session.price_cents
    if seat_pack is not None:  # an assignment from a pack the caller has locked
        plan = payers.from_pack(db, seat_pack)
    elif plan is None:  # else the caller decided (a group's booker pays for all of it)
        acting = created_by if created_by is not None and created_by.id != user.id else None
        plan = payers.plan_seat(
            db,
            session,
            user,
            price_cents=price,
            choice=payer,
            reason=reason,
            acting=acting,
        )
    session = rules.lock_session(db, session.id)
    by_someone_else = created_by is not None and created_by.id != user.id
    check_bookable(db, session, user, by_someone_else=by_someone_else, now=now)
    settle_session(db, session, now)  # expired holds free seats for the waitlist first
    refuse_if_enrolled(db, session, user, by_someone_else=by_someone_else, now=now)
    clashes.refuse_seat_clash(db, session, user, by_someone_else=by_someone_else, now=now)
    enrollment = Enrollment(
        session_id=session.id,
        user_id=user.id,
        source=source,
        created_by_id=created_by.id if created_by is not None else None,
        booking_group_id=group.id if group is not None else None,
    )
    if rules.count_seats(db, session.id, now) >= session.capacity:
        if plan.pack is not None or group is not None:
            raise Conflict(f"{rules.session_label(db, session)} is full.")
        enrollment.status = EnrollmentStatus.WAITLISTED
        enrollment.waitlisted_at = now
        db.add(enrollment)
        db.flush()
        notices.waitlist_joined(db, enrollment)
        return enrollment
    db.add(enrollment)
    payers.give_seat(db, enrollment, session, plan, now, bill=group is None)
    return enrollment


def confirm_enrollment(
    db: Session, enrollment: Enrollment, *, now: datetime | None = None
) -> Enrollment:
    """Confirm a held seat (payment received); idempotent for a confirmed one.

    A hold that ran out is confirmed only while a seat is still free, so a late payment
    never overbooks; otherwise ``Conflict`` (the payments issue refunds it).
    """
    now = now or utcnow()
    session = rules.lock_session(db, enrollment.session_id)
    current = db.get(Enrollment, enrollment.id, populate_existing=True)
    if current is None:
        raise NotFound("There is no such booking.")
    if current.status == EnrollmentStatus.CONFIRMED:
        return current
    label = rules.session_label(db, session)
    live_hold = (
        current.status == EnrollmentStatus.HELD
        and current.hold_expires_at is not None
        and current.hold_expires_at > now
    )
    if not live_hold:
        if current.status not in (EnrollmentStatus.HELD, EnrollmentStatus.EXPIRED):
            raise Conflict(f"This booking on {label} is {current.status}; it cannot be confirmed.")
        current.status = EnrollmentStatus.EXPIRED  # no longer counts while we look for a free seat
        db.flush()
        settle_session(db, session, now)
        if rules.count_seats(db, session.id, now) >= session.capacity:
            raise Conflict(f"The hold on {label} ran out and the session is now full.")
    rules.mark_confirmed(db, current, session.course_id, now)
    db.flush()
    notices.enrollment_confirmed(db, current)
    return current
