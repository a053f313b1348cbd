"""The waitlist: expiring holds and offers, offering freed seats in order, answering offers.

Everything here runs with the session row locked, so a freed seat is offered once, to
the first in line (by ``waitlisted_at``, then id), however many workers run at once.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import get_settings
from app.db import utcnow
from app.enrollment import clashes, notices, payers, queries, rules
from app.enrollment.models import Enrollment, EnrollmentStatus
from app.errors import Conflict, NotFound
from app.formatting import local_time
from app.scheduling import visibility
from app.scheduling.models import CourseSession, SessionStatus


def _run_out(now: datetime) -> ColumnElement[bool]:
    """Holds and offers whose time ran out by ``now``."""
    return or_(
        and_(Enrollment.status == EnrollmentStatus.HELD, Enrollment.hold_expires_at <= now),
        and_(Enrollment.status == EnrollmentStatus.OFFERED, Enrollment.offer_expires_at <= now),
    )


def settle_session(db: Session, session: CourseSession, now: datetime) -> Counter[str]:
    """Expire run-out holds and offers, then offer every free seat to the next in line.

    Call with the session locked. Idempotent: a second call at the same ``now`` finds
    nothing left to do.
    """
    done: Counter[str] = Counter()
    stale = db.scalars(
        select(Enrollment).where(Enrollment.session_id == session.id, _run_out(now))
    ).all()
    for enrollment in stale:
        held = enrollment.status == EnrollmentStatus.HELD
        done["holds_expired" if held else "offers_expired"] += 1
        expired_at = enrollment.hold_expires_at if held else enrollment.offer_expires_at
        enrollment.status = EnrollmentStatus.EXPIRED
        # Told after commit: the row changed status once, under the session's lock.
        (notices.hold_expired if held else notices.offer_expired)(db, enrollment, expired_at or now)
    if stale:
        db.flush()
    if session.status != SessionStatus.SCHEDULED or visibility.has_started(session, now):
        return done  # nobody is offered a seat on a session that will not (or did) run
    free = session.capacity - rules.count_seats(db, session.id, now)
    if free <= 0:
        return done
    in_line = db.scalars(
        select(Enrollment)
        .where(
            Enrollment.session_id == session.id, Enrollment.status == EnrollmentStatus.WAITLISTED
        )
        .order_by(Enrollment.waitlisted_at, Enrollment.id)
        .limit(free)
    ).all()
    # An offer never outlives the session's start: after that a seat is worthless.
    until = min(
        now + timedelta(hours=get_settings().waitlist_offer_hours),
        visibility.session_start(session),
    )
    for enrollment in in_line:
        enrollment.status = EnrollmentStatus.OFFERED
        enrollment.offer_expires_at = until
        done["offers_made"] += 1
    if in_line:
        db.flush()
        for enrollment in in_line:
            notices.waitlist_offer(db, enrollment)
    return done


def waitlist_position(db: Session, enrollment: Enrollment) -> int | None:
    """1 for the first in line; None when the enrolment is not waitlisted."""
    if enrollment.status != EnrollmentStatus.WAITLISTED or enrollment.waitlisted_at is None:
        return None
    ahead = db.scalars(
        select(Enrollment.id).where(
            Enrollment.session_id == enrollment.session_id,
            Enrollment.status == EnrollmentStatus.WAITLISTED,
            or_(
                Enrollment.waitlisted_at < enrollment.waitlisted_at,
                and_(
                    Enrollment.waitlisted_at == enrollment.waitlisted_at,
                    Enrollment.id < enrollment.id,
                ),
            ),
        )
    ).all()
    return len(ahead) + 1


def _lock_own(db: Session, enrollment: Enrollment, user: User) -> tuple[CourseSession, Enrollment]:
    """Lock the enrolment's session, then read the enrolment afresh (it must be ``user``'s)."""
    session = rules.lock_session(db, enrollment.session_id)
    fresh = db.get(Enrollment, enrollment.id, populate_existing=True)
    if fresh is None or fresh.user_id != user.id:
        raise NotFound("There is no such booking.")
    return session, fresh


def accept_offer(
    db: Session, enrollment: Enrollment, user: User, *, now: datetime | None = None
) -> Enrollment:
    """Take up a live offer: confirmed (a pack or an invoice pays), or held for a card."""
    now = now or utcnow()
    session = db.get(CourseSession, enrollment.session_id)
    if session is None or enrollment.user_id != user.id:
        raise NotFound("There is no such booking.")
    # Decide who pays before the session lock: a seat pack is always locked first.
    plan = payers.plan_seat(db, session, user, price_cents=session.price_cents)
    session, enrollment = _lock_own(db, enrollment, user)
    label = rules.session_label(db, session)
    if enrollment.status != EnrollmentStatus.OFFERED:
        raise Conflict(f"There is no seat offer to accept for {label}.")
    assert enrollment.offer_expires_at is not None
    if enrollment.offer_expires_at <= now:
        expired_at = local_time(enrollment.offer_expires_at, session.timezone)
        settle_session(db, session, now)
        raise Conflict(
            f"The offer of a seat on {label} ran out at {expired_at} and passed to the next "
            "person in line."
        )
    # A place in line blocked nothing; the seat it becomes must not overlap one they hold.
    clashes.refuse_seat_clash(
        db, session, user, by_someone_else=False, now=now, ignore=[enrollment.id]
    )
    payers.give_seat(db, enrollment, session, plan, now)
    return enrollment


def decline_offer(
    db: Session, enrollment: Enrollment, user: User, *, now: datetime | None = None
) -> Enrollment:
    """Turn down an offer (or leave the waitlist); the seat passes to the next in line."""
    now = now or utcnow()
    session, enrollment = _lock_own(db, enrollment, user)
    if enrollment.status not in (EnrollmentStatus.OFFERED, EnrollmentStatus.WAITLISTED):
        raise Conflict(f"There is no offer to decline for {rules.session_label(db, session)}.")
    enrollment.status = EnrollmentStatus.CANCELLED
    enrollment.cancelled_at = now
    enrollment.offer_expires_at = None
    db.flush()
    settle_session(db, session, now)
    return enrollment


def expire_due(db: Session, now: datetime) -> dict[str, int]:
    """Expire run-out holds and offers and promote the waitlist, for every session due.

    For the ticker (``run_due_work``). Safe to run twice or in several workers at once:
    each session is locked and re-examined before anything changes.
    """
    stale = select(Enrollment.session_id).where(_run_out(now)).distinct()
    session_ids = set(db.scalars(stale))
    # Seats can also free up without an expiry (capacity raised): offer those too.
    waiting = (
        select(Enrollment.session_id)
        .distinct()
        .join(CourseSession, CourseSession.id == Enrollment.session_id)
        .where(
            Enrollment.status == EnrollmentStatus.WAITLISTED,
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.starts_on >= now.date() - timedelta(days=1),
        )
    )
    taken = queries.seats_taken(db, list(db.scalars(waiting)), now=now)
    capacities = dict(
        db.execute(
            select(CourseSession.id, CourseSession.capacity).where(CourseSession.id.in_(taken))
        ).all()
    )
    session_ids |= {sid for sid, count in taken.items() if count < capacities.get(sid, 0)}
    totals: Counter[str] = Counter()
    for session_id in sorted(session_ids):  # one lock order: ascending id
        session = rules.lock_sessions(db, [session_id]).get(session_id)
        if session is not None:
            totals += settle_session(db, session, now)
    return {key: totals[key] for key in ("holds_expired", "offers_expired", "offers_made")}
