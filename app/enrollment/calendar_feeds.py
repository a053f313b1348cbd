"""A person's private calendar feed: the sessions they attend and the ones they facilitate.

Subscribed calendars replace their copy with each fetch, so a session that leaves the
feed disappears; cancelled places stay in as STATUS:CANCELLED for a while anyway, which
also removes them from clients that keep events they have seen.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.enrollment.models import Enrollment, EnrollmentStatus
from app.errors import NotFound
from app.scheduling import calendar, feeds
from app.scheduling.feeds import FeedEntry
from app.scheduling.models import CourseSession, SessionStatus

# Which enrolment wins when one person has several rows on one session (re-bookings).
_RANK = {
    EnrollmentStatus.CONFIRMED: 3,
    EnrollmentStatus.HELD: 2,
    EnrollmentStatus.OFFERED: 2,
    EnrollmentStatus.CANCELLED: 1,
    EnrollmentStatus.EXPIRED: 1,
}


def _event_status(enrollment: Enrollment, session: CourseSession, now: datetime) -> str | None:
    """What the learner's calendar should say, or None to leave the session out."""
    status = enrollment.status
    if status in (EnrollmentStatus.CANCELLED, EnrollmentStatus.EXPIRED):
        return calendar.CANCELLED
    if session.status == SessionStatus.CANCELLED:
        return calendar.CANCELLED
    if status == EnrollmentStatus.CONFIRMED:
        return calendar.CONFIRMED
    # A hold or offer past its time is gone even before the ticker marks it expired.
    if status == EnrollmentStatus.HELD:
        live = enrollment.hold_expires_at is None or enrollment.hold_expires_at > now
        return calendar.TENTATIVE if live else calendar.CANCELLED
    if status == EnrollmentStatus.OFFERED:
        live = enrollment.offer_expires_at is None or enrollment.offer_expires_at > now
        return calendar.TENTATIVE if live else calendar.CANCELLED
    return None  # waitlisted: no seat, nothing in the calendar yet


def learner_entries(db: Session, user_id: int, *, today: date, now: datetime) -> list[FeedEntry]:
    """The sessions a learner holds, is offered, attends, or recently cancelled."""
    query = (
        select(Enrollment, CourseSession)
        .join(CourseSession, CourseSession.id == Enrollment.session_id)
        .where(
            Enrollment.user_id == user_id,
            Enrollment.status.in_(list(_RANK)),
            CourseSession.ends_on >= today - feeds.FEED_HISTORY,
        )
        .order_by(CourseSession.starts_on, Enrollment.id)
        .options(selectinload(CourseSession.days))
    )
    best: dict[int, tuple[int, FeedEntry]] = {}
    for enrollment, session in db.execute(query).all():
        status = _event_status(enrollment, session, now)
        if status is None:
            continue
        rank = _RANK[enrollment.status]
        if session.id not in best or rank > best[session.id][0]:
            best[session.id] = (rank, FeedEntry(session, status=status))
    return [entry for _, entry in best.values()]


def personal_feed(db: Session, token: str, *, now: datetime) -> bytes:
    """The private feed behind ``token``: attended and facilitated sessions in one calendar."""
    user_id = feeds.feed_owner(db, token)
    if user_id is None:
        raise NotFound("This calendar link is not valid (it may have been reset).")
    today = now.date()
    entries = {
        entry.session.id: entry for entry in learner_entries(db, user_id, today=today, now=now)
    }
    for entry in feeds.facilitated_entries(db, user_id, today=today):
        entries[entry.session.id] = entry  # facilitating is what matters on the day
    ordered = sorted(entries.values(), key=lambda e: (e.session.starts_on, e.session.id))
    return feeds.entries_calendar(db, ordered, "APEX: my sessions")
