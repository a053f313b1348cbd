"""Taking a seat: lock the session, then count, then hold, confirm or join the waitlist.

A seat is confirmed at once on a free session and for invoice customers (members of an
organisation with a live seat pack, seat-pack redemptions, people a coordinator enrols);
otherwise it is held for ``hold_minutes``. Card payment arrives with the payments issue,
which calls ``confirm_enrollment`` for a paid hold.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import utcnow
from app.enrollment import clashes, hooks, notices, rules
from app.enrollment.models import DayBundle, Enrollment, EnrollmentStatus, SeatPack
from app.enrollment.waitlist import settle_session
from app.errors import Conflict, NotFound
from app.formatting import local_time
from app.scheduling import visibility
from app.scheduling.models import CourseSession, SessionStatus


def check_bookable(
    db: Session, session: CourseSession, user: User, *, by_someone_else: bool, now: datetime
) -> None:
    """Refuse a seat on a cancelled, started or (for non-members) in-house session."""
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
    if visibility.has_started(session, now):
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
    bundle: DayBundle | None = None,
    now: datetime | None = None,
) -> Enrollment:
    """Take a seat (held or confirmed), or a place on the waitlist when the session is full.

    The session row is locked before anything is counted. Seat-pack and bundle seats
    never go to the waitlist: a full session refuses them with ``Conflict``.
    """
    now = now or utcnow()
    session = rules.lock_session(db, session.id)
    by_someone_else = created_by is not None and created_by.id != user.id
    check_bookable(db, session, user, by_someone_else=by_someone_else, now=now)
    settle_session(db, session, now)  # expired holds free seats for the waitlist first
    refuse_if_enrolled(db, session, user, by_someone_else=by_someone_else, now=now)
    clashes.refuse_seat_clash(
        db,
        session,
        user,
        by_someone_else=by_someone_else,
        now=now,
        bundle_id=bundle.id if bundle is not None else None,
    )
    enrollment = Enrollment(
        session_id=session.id,
        user_id=user.id,
        source=source,
        created_by_id=created_by.id if created_by is not None else None,
        seat_pack_id=seat_pack.id if seat_pack is not None else None,
        bundle_id=bundle.id if bundle is not None else None,
    )
    if rules.count_seats(db, session.id, now) >= session.capacity:
        if seat_pack is not None or bundle is not None:
            raise Conflict(f"{rules.session_label(db, session)} is full.")
        enrollment.status = EnrollmentStatus.WAITLISTED
        enrollment.waitlisted_at = now
        db.add(enrollment)
        db.flush()
        notices.waitlist_joined(db, enrollment)
        return enrollment
    price = bundle.price_cents if bundle is not None else session.price_cents
    if rules.needs_payment(db, enrollment, price, session.starts_on):
        rules.mark_held(enrollment, now)
        db.add(enrollment)
        db.flush()
        notices.enrollment_held(db, enrollment)
    else:
        rules.mark_confirmed(db, enrollment, session.course_id, now)
        db.add(enrollment)
        db.flush()
        notices.enrollment_confirmed(db, enrollment)
        if price > 0 and source == "self":  # an invoice customer: bill the seat
            hooks.invoice_booking(db, [enrollment])
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
