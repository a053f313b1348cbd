"""What scheduling needs to know from enrolment, without importing it.

Enrolment sits above scheduling (it imports scheduling, never the reverse), yet editing a
series must leave sessions that have participants alone. ``app.main`` wires the real
function in at start-up; until then asking is an error, never a silent "nobody".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from sqlalchemy.orm import Session

SessionsInUse = Callable[[Session, Iterable[int]], set[int]]

_sessions_in_use: SessionsInUse | None = None


def register_sessions_in_use(function: SessionsInUse) -> None:
    """Install the function that says which sessions have enrolments (any status but cancelled)."""
    global _sessions_in_use
    _sessions_in_use = function


def sessions_in_use(db: Session, session_ids: Iterable[int]) -> set[int]:
    """The ids among ``session_ids`` that have participants or a waitlist."""
    if _sessions_in_use is None:
        raise RuntimeError("scheduling.hooks: enrolment has not registered sessions_in_use")
    return _sessions_in_use(db, session_ids)


SeatCounts = Callable[[Session, Iterable[int]], Mapping[int, int]]

_seat_counts: SeatCounts | None = None


def register_seat_counts(function: SeatCounts) -> None:
    """Install the function giving seats taken per session id (e.g. enrolment's seats_taken)."""
    global _seat_counts
    _seat_counts = function


def seat_counts(db: Session, session_ids: Iterable[int]) -> Mapping[int, int] | None:
    """Seats taken per session id, or None while enrolment has not registered a function.

    Unlike ``sessions_in_use`` a missing function is not an error: pages then show
    capacity only.
    """
    if _seat_counts is None:
        return None
    return _seat_counts(db, session_ids)
