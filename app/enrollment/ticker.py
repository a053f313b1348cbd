"""Time-driven work: expire holds and offers, promote the waitlist, go/no-go, reminders.

``run_due_work`` is idempotent: several workers may run it at once. Each piece takes a
row lock or a unique row before acting, so a second run (or a second worker) does nothing.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.config import get_settings
from app.db import lock_rows
from app.enrollment import changes, notices
from app.enrollment.models import Enrollment, EnrollmentStatus, Reminder
from app.enrollment.waitlist import expire_due
from app.scheduling.models import CourseSession, SessionStatus

log = logging.getLogger(__name__)


def run_due_work(db: Session, now: datetime) -> dict[str, int]:
    """Do everything that is due at ``now``; returns counts per kind of work."""
    # Go/no-go first: a session about to be cancelled should not offer freed seats first.
    cancelled = run_go_no_go(db, now)
    counts: dict[str, int] = dict(expire_due(db, now))
    counts["sessions_cancelled"] = cancelled
    counts["reminders_sent"] = send_reminders(db, now)
    return counts


def local_today(now: datetime, timezone: str) -> date:
    """The calendar date at ``now`` in a zone."""
    return now.astimezone(ZoneInfo(timezone)).date()


def run_go_no_go(db: Session, now: datetime) -> int:
    """Cancel sessions whose go/no-go date is today (their zone) and are under their minimum.

    The decision belongs to the go/no-go date itself: a session that went ahead is not
    cancelled later because someone dropped out, and a session created after its date
    (a late booking window) is not cancelled on sight.
    """
    utc_today = now.date()
    # Local dates are at most a day either side of the UTC date.
    rows = db.execute(
        select(CourseSession.id, CourseSession.go_no_go_on, CourseSession.timezone)
        .where(
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.min_participants > 0,
            CourseSession.go_no_go_on.between(
                utc_today - timedelta(days=1), utc_today + timedelta(days=1)
            ),
        )
        .order_by(CourseSession.id)
    ).all()
    cancelled = 0
    for session_id, decide_on, timezone in rows:
        if decide_on == local_today(now, timezone) and _decide(db, session_id, now):
            cancelled += 1
    return cancelled


def _confirmed_count(db: Session, session_id: int) -> int:
    query = select(func.count(Enrollment.id)).where(
        Enrollment.session_id == session_id,
        Enrollment.status == EnrollmentStatus.CONFIRMED,
    )
    return int(db.scalar(query) or 0)


def _decide(db: Session, session_id: int, now: datetime) -> bool:
    """Lock one session and cancel it if still scheduled and under its minimum."""
    session = lock_rows(db, CourseSession, [session_id])[session_id]
    if session.status != SessionStatus.SCHEDULED or session.min_participants <= 0:
        return False  # another worker decided first
    confirmed = _confirmed_count(db, session.id)
    if confirmed >= session.min_participants:
        return False
    reason = (
        f"Cancelled at go/no-go: {confirmed} of {session.min_participants} minimum participants"
    )
    changes.cancel_whole_session(db, session, reason, now=now)
    log.info("go/no-go: session %s cancelled (%s)", session.id, reason)
    return True


def send_reminders(db: Session, now: datetime) -> int:
    """Remind confirmed learners of sessions starting within the reminder window, once each.

    The window is the last ``reminder_days_before`` local days before the start, so a
    missed tick catches up; a learner who confirmed inside the window already has a fresh
    confirmation and gets no reminder.
    """
    days_before = get_settings().reminder_days_before
    kind = f"{days_before}-days"
    utc_today = now.date()
    already = exists().where(and_(Reminder.enrollment_id == Enrollment.id, Reminder.kind == kind))
    query = (
        select(Enrollment, CourseSession.starts_on, CourseSession.timezone)
        .join(CourseSession, CourseSession.id == Enrollment.session_id)
        .where(
            Enrollment.status == EnrollmentStatus.CONFIRMED,
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.starts_on.between(utc_today, utc_today + timedelta(days=days_before + 1)),
            ~already,
        )
        .order_by(Enrollment.id)
    )
    sent = 0
    for enrollment, starts_on, timezone in db.execute(query).all():
        today = local_today(now, timezone)
        due_from = starts_on - timedelta(days=days_before)
        if not due_from <= today < starts_on:
            continue
        if (
            enrollment.confirmed_at is not None
            and local_today(enrollment.confirmed_at, timezone) >= due_from
        ):
            continue
        if not _claim(db, enrollment.id, kind, now):
            continue  # another worker got there first
        if notices.session_reminder(db, enrollment):
            sent += 1
    return sent


def _claim(db: Session, enrollment_id: int, kind: str, now: datetime) -> bool:
    """Insert the reminder's unique row first, so it goes out at most once."""
    try:
        with db.begin_nested():
            db.add(Reminder(enrollment_id=enrollment_id, kind=kind, sent_at=now))
    except IntegrityError:
        return False
    return True
