"""Changing an enrolment: cancel or transfer (learners, until the cut-off), and the
coordinators' enrol, move and cancel (anyone they manage, any time, never overbooking).

Every cancel frees a seat, which is offered to the first in line at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.service import find_user_by_email
from app.db import utcnow
from app.enrollment import clashes, hooks, notices, payers, rules
from app.enrollment.models import Enrollment, EnrollmentStatus, Reminder, SeatPack, SeatPayer
from app.enrollment.seats import check_bookable, refuse_if_enrolled, take_seat
from app.enrollment.waitlist import settle_session
from app.errors import Conflict, Invalid, NotFound
from app.formatting import local_time
from app.scheduling import service as scheduling_service
from app.scheduling import visibility
from app.scheduling.models import CourseSession, SessionStatus

SEAT_STATUSES = (EnrollmentStatus.CONFIRMED, EnrollmentStatus.HELD, EnrollmentStatus.OFFERED)


def get_enrollment(db: Session, enrollment_id: int) -> Enrollment:
    """An enrolment by id (fresh from the database), or ``NotFound``."""
    enrollment = db.get(Enrollment, enrollment_id, populate_existing=True)
    if enrollment is None:
        raise NotFound("There is no such booking.")
    return enrollment


def _refuse_after_cutoff(session: CourseSession, label: str, now: datetime) -> None:
    cutoff = rules.change_cutoff(session)
    if now > cutoff:
        raise Conflict(
            f"Changes to {label} closed on {local_time(cutoff, session.timezone)}; ask a "
            "coordinator if you need to cancel or move."
        )


def _live_hold(enrollment: Enrollment, now: datetime) -> bool:
    return (
        enrollment.status == EnrollmentStatus.HELD
        and enrollment.hold_expires_at is not None
        and enrollment.hold_expires_at > now
    )


def cancel_locked(
    db: Session, enrollment: Enrollment, session: CourseSession, now: datetime
) -> None:
    """Cancel a live enrolment (session already locked) and offer its seat to the line."""
    if enrollment.status not in rules.LIVE_STATUSES:
        raise Conflict(
            f"This booking on {rules.session_label(db, session)} is already {enrollment.status}."
        )
    had_seat = enrollment.status in SEAT_STATUSES
    enrollment.status = EnrollmentStatus.CANCELLED
    enrollment.cancelled_at = now
    enrollment.hold_expires_at = None
    enrollment.offer_expires_at = None
    db.flush()
    settle_session(db, session, now)
    if had_seat:
        notices.enrollment_cancelled(db, enrollment)


def cancel_enrollment(
    db: Session, enrollment: Enrollment, user: User, *, now: datetime | None = None
) -> Enrollment:
    """A learner cancels their own booking; a confirmed seat only until the cut-off.

    Holds, offers and waitlist places cost nothing, so they can be let go at any time.
    """
    now = now or utcnow()
    if enrollment.user_id != user.id:
        raise NotFound("There is no such booking.")
    session = rules.lock_session(db, enrollment.session_id)
    enrollment = get_enrollment(db, enrollment.id)
    if enrollment.status == EnrollmentStatus.CONFIRMED:
        _refuse_after_cutoff(session, rules.session_label(db, session), now)
    cancel_locked(db, enrollment, session, now)
    hooks.seats_released(db, [enrollment], hooks.Release.LEARNER)
    return enrollment


def _move_locked(
    db: Session,
    enrollment: Enrollment,
    person: User,
    old: CourseSession,
    target: CourseSession,
    *,
    by_someone_else: bool,
    now: datetime,
) -> None:
    label = rules.session_label(db, target)
    if target.id == old.id:
        raise Invalid("Choose a different session to move to.")
    if target.course_id != old.course_id:
        raise Conflict(f"{label} is a different course; a move stays within the same course.")
    check_bookable(db, target, person, by_someone_else=by_someone_else, now=now)
    settle_session(db, target, now)
    refuse_if_enrolled(db, target, person, by_someone_else=by_someone_else, now=now)
    clashes.refuse_seat_clash(
        db, target, person, by_someone_else=by_someone_else, now=now, ignore=[enrollment.id]
    )
    if rules.count_seats(db, target.id, now) >= target.capacity:
        raise Conflict(f"{label} is full; choose a session with a free seat.")
    if enrollment.seat_pack_id is not None:
        pack = db.get(SeatPack, enrollment.seat_pack_id)
        if pack is not None and not pack.valid_from <= target.starts_on <= pack.valid_until:
            raise Conflict(
                f"{label} is outside the seat pack's validity ({pack.valid_from.isoformat()} "
                f"to {pack.valid_until.isoformat()})."
            )
    enrollment.session_id = target.id
    # Reminders already sent were for the old dates; the new session gets its own.
    db.execute(delete(Reminder).where(Reminder.enrollment_id == enrollment.id))
    db.flush()
    settle_session(db, old, now)  # the seat left behind goes to the old session's line
    notices.enrollment_moved(db, enrollment, old)


def transfer_enrollment(
    db: Session,
    enrollment: Enrollment,
    user: User,
    target: CourseSession,
    *,
    now: datetime | None = None,
) -> Enrollment:
    """A learner moves their seat to another session of the same course with a free seat."""
    now = now or utcnow()
    if enrollment.user_id != user.id:
        raise NotFound("There is no such booking.")
    locked = rules.lock_sessions(db, [enrollment.session_id, target.id])
    old, new = locked[enrollment.session_id], locked.get(target.id)
    if new is None:
        raise NotFound("There is no such session.")
    enrollment = get_enrollment(db, enrollment.id)
    label = rules.session_label(db, old)
    if enrollment.status != EnrollmentStatus.CONFIRMED and not _live_hold(enrollment, now):
        raise Conflict(f"Only a confirmed or held seat can be transferred; {label} has none.")
    if enrollment.status == EnrollmentStatus.CONFIRMED:
        _refuse_after_cutoff(old, label, now)
    if enrollment.payer == SeatPayer.ORDER and new.price_cents > old.price_cents:
        raise Conflict(
            f"{rules.session_label(db, new)} costs more than the seat you paid for; ask a "
            "coordinator to move you (the difference is then invoiced)."
        )
    old_price = old.price_cents
    _move_locked(db, enrollment, user, old, new, by_someone_else=False, now=now)
    hooks.seat_moved(db, enrollment, old_price)
    return enrollment


def coordinator_enrol(
    db: Session,
    session: CourseSession,
    email: str,
    acting: User,
    *,
    payer: payers.PayerChoice = payers.PayerChoice.AUTO,
    reason: str = "",
    now: datetime | None = None,
) -> Enrollment:
    """A coordinator enrols someone by e-mail: confirmed and paid by the payer chosen
    (a seat pack, an invoice to the organisation or the person, or complimentary), or
    waitlisted when full."""
    person = find_user_by_email(db, email)
    if person is None:
        raise NotFound(
            f"There is no account with the e-mail address '{email.strip()}'. "
            "Ask the person to sign up first."
        )
    if not rules.can_manage_person(db, acting, session, person.id):
        raise NotFound(f"You cannot enrol {person.display_name} on this session.")
    return take_seat(
        db,
        session,
        person,
        source="coordinator",
        created_by=acting,
        payer=payer,
        reason=reason,
        now=now,
    )


def managed_enrollment(db: Session, enrollment_id: int, acting: User) -> Enrollment:
    """A booking of someone ``acting`` manages on its session; anyone else's is ``NotFound``."""
    enrollment = get_enrollment(db, enrollment_id)
    session = db.get(CourseSession, enrollment.session_id)
    if session is None or not rules.can_manage_person(db, acting, session, enrollment.user_id):
        raise NotFound("There is no such booking.")
    return enrollment


def coordinator_move(
    db: Session,
    enrollment: Enrollment,
    target: CourseSession,
    acting: User,
    *,
    now: datetime | None = None,
) -> Enrollment:
    """Move anyone to another session of the same course, ignoring the cut-off.

    The target must have a free seat: a move never overbooks. A waitlisted or offered
    person moved this way gets a confirmed seat on the target.
    """
    now = now or utcnow()
    enrollment = managed_enrollment(db, enrollment.id, acting)
    person = db.get(User, enrollment.user_id)
    assert person is not None
    # Someone without a seat yet (in line, or a hold that ran out) is placed by the
    # coordinator: confirmed, and paid as a coordinator's enrolment is (pack or invoice).
    # Who pays is decided before the session locks, as a seat pack is locked first.
    plan = None
    if enrollment.status != EnrollmentStatus.CONFIRMED and not _live_hold(enrollment, now):
        plan = payers.plan_seat(db, target, person, price_cents=target.price_cents, acting=acting)
    locked = rules.lock_sessions(db, [enrollment.session_id, target.id])
    old, new = locked[enrollment.session_id], locked.get(target.id)
    if new is None or not rules.can_manage_person(db, acting, new, enrollment.user_id):
        raise NotFound("There is no such session.")
    enrollment = get_enrollment(db, enrollment.id)
    if enrollment.status not in rules.LIVE_STATUSES:
        raise Conflict(f"This booking is {enrollment.status}; there is nothing to move.")
    place = enrollment.status != EnrollmentStatus.CONFIRMED and not _live_hold(enrollment, now)
    old_price = old.price_cents
    _move_locked(db, enrollment, person, old, new, by_someone_else=True, now=now)
    if place:
        plan = plan or payers.plan_seat(db, new, person, price_cents=new.price_cents, acting=acting)
        payers.give_seat(db, enrollment, new, plan, now)
    else:
        hooks.seat_moved(db, enrollment, old_price)
    return enrollment


def coordinator_cancel(
    db: Session, enrollment: Enrollment, acting: User, *, now: datetime | None = None
) -> Enrollment:
    """Cancel anyone's booking at any time; the seat goes to the first in line."""
    now = now or utcnow()
    enrollment = managed_enrollment(db, enrollment.id, acting)
    session = rules.lock_session(db, enrollment.session_id)
    enrollment = get_enrollment(db, enrollment.id)
    cancel_locked(db, enrollment, session, now)
    hooks.seats_released(db, [enrollment], hooks.Release.COORDINATOR)
    return enrollment


def cancel_session_enrollments(
    db: Session, session: CourseSession, *, now: datetime | None = None
) -> list[Enrollment]:
    """Cancel everyone on a session that will not run (go/no-go, or a coordinator) and tell them.

    Call after the session's status is set to cancelled; returns the enrolments changed.
    """
    now = now or utcnow()
    session = rules.lock_session(db, session.id)
    live = db.scalars(
        select(Enrollment).where(
            Enrollment.session_id == session.id, Enrollment.status.in_(rules.LIVE_STATUSES)
        )
    ).all()
    for enrollment in live:
        enrollment.status = EnrollmentStatus.CANCELLED
        enrollment.cancelled_at = now
        enrollment.hold_expires_at = None
        enrollment.offer_expires_at = None
    db.flush()
    if live:
        notices.session_cancelled(db, session, list(live))
        hooks.seats_released(db, list(live), hooks.Release.SESSION_CANCELLED)
    return list(live)


def cancel_whole_session(
    db: Session, session: CourseSession, reason: str, *, now: datetime | None = None
) -> list[Enrollment]:
    """Call a session off (go/no-go, or a coordinator): its status, reason and SEQUENCE,
    everyone on it cancelled, refunded in full and e-mailed, the facilitators too."""
    session = rules.lock_session(db, session.id)
    scheduling_service.cancel_session(db, session, reason)  # status, reason, SEQUENCE + 1
    told = cancel_session_enrollments(db, session, now=now)
    if not told:
        notices.session_cancelled(db, session, [])  # nobody enrolled: the facilitators only
    return told


def coordinator_cancel_session(
    db: Session, session: CourseSession, reason: str, *, now: datetime | None = None
) -> list[Enrollment]:
    """A coordinator cancels a session that has not started; a reason is required."""
    now = now or utcnow()
    session = rules.lock_session(db, session.id)
    label = rules.session_label(db, session)
    if session.status == SessionStatus.CANCELLED:
        raise Conflict(f"{label} is already cancelled.")
    if visibility.has_started(session, now):
        raise Conflict(f"{label} has started; a session that has begun cannot be cancelled.")
    if not reason.strip():
        raise Invalid("Give a reason for the cancellation; everyone on the session reads it.")
    return cancel_whole_session(db, session, reason, now=now)
