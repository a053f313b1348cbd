"""Scheduling's hook points: what it asks enrolment, which sits above it.

Enrolment imports scheduling, never the reverse, yet editing a series must leave sessions
that have participants alone, and the month view shows seats taken. ``app.wiring``
connects enrolment's functions at start-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy.orm import Session

from app.hooks import Hook
from app.scheduling.models import CourseSession

# Which of these session ids have participants or a waitlist. Required: answering
# "nobody" by mistake would let a series edit delete booked sessions.
SESSIONS_IN_USE: Hook[[Session, Iterable[int]], set[int]] = Hook(
    "scheduling.sessions_in_use", required=True
)
# A booked session's date, times or place changed (``update_session``): enrolment tells
# its participants and facilitators, with an updated invitation. The str is how the
# session was described before ("when" and "where" lines), for the message.
SESSION_RESCHEDULED: Hook[[Session, CourseSession, str, str], None] = Hook(
    "scheduling.session_rescheduled"
)
# Seats taken per session id. Optional: without it pages show capacity only.
SEAT_COUNTS: Hook[[Session, Iterable[int]], Mapping[int, int]] = Hook("scheduling.seat_counts")


def sessions_in_use(db: Session, session_ids: Iterable[int]) -> set[int]:
    """The ids among ``session_ids`` that have participants or a waitlist."""
    ids = list(session_ids)
    found: set[int] = set()
    for answer in SESSIONS_IN_USE.send(db, ids):
        found |= answer
    return found


def seat_counts(db: Session, session_ids: Iterable[int]) -> Mapping[int, int] | None:
    """Seats taken per session id, or None while nothing is connected (capacity only)."""
    if not SEAT_COUNTS.receivers:
        return None
    ids = list(session_ids)
    counts: dict[int, int] = {}
    for answer in SEAT_COUNTS.send(db, ids):
        counts.update(answer)
    return counts


def session_rescheduled(db: Session, session: CourseSession, was_when: str, was_where: str) -> None:
    """Tell whoever is connected that ``session`` moved (after its rows are updated)."""
    SESSION_RESCHEDULED.send(db, session, was_when, was_where)
