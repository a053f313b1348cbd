"""Ending a series from a date, and removing one of its date exceptions; each previewed.

Both are series edits applied to the future sessions as every series edit is
(``materialise.sync_sessions`` with changes applied): sessions without participants are
created, moved or removed; those with participants are left alone and listed, for the
coordinator to cancel (from the session's roster) or keep.

A preview runs the very change in a savepoint and rolls it back, so the confirmation
page lists exactly what the confirm button will do, by the same code, and leaves the
database as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import Session

from app.errors import Conflict, Invalid, NotFound
from app.formatting import long_date
from app.scheduling import hooks, workdays
from app.scheduling.courses import course_titles
from app.scheduling.materialise import horizon, series_today, sync_sessions
from app.scheduling.models import CourseSession, Series, SeriesException
from app.scheduling.series import SeriesResult


@dataclass(frozen=True)
class SessionLine:
    """A session named in a preview or a result (plain values: they outlive a rollback)."""

    id: int
    starts_on: date
    title: str
    seats_taken: int | None  # None: seat counts are not connected

    @property
    def url(self) -> str:
        """The session's roster, where it can be cancelled."""
        return f"/coordinator/sessions/{self.id}"


@dataclass
class SeriesPlan:
    """What a series change does to its sessions."""

    created: list[SessionLine] = field(default_factory=list)
    changed: list[SessionLine] = field(default_factory=list)
    removed: list[SessionLine] = field(default_factory=list)
    kept: list[SessionLine] = field(default_factory=list)  # with participants: left alone


def plan_of(db: Session, result: SeriesResult) -> SeriesPlan:
    """The result's sessions as plain lines (titles and seats taken)."""
    everyone = [*result.created, *result.changed, *result.cancelled, *result.not_changed]
    titles = course_titles(db, {s.course_id for s in everyone})
    taken = hooks.seat_counts(db, [s.id for s in result.not_changed]) or None

    def lines(sessions: list[CourseSession], counted: bool = False) -> list[SessionLine]:
        return [
            SessionLine(
                s.id,
                s.starts_on,
                titles.get(s.course_id, "Session"),
                (taken or {}).get(s.id, 0) if counted and taken is not None else None,
            )
            for s in sorted(sessions, key=lambda s: (s.starts_on, s.track_position or 0))
        ]

    return SeriesPlan(
        lines(result.created),
        lines(result.changed),
        lines(result.cancelled),
        lines(result.not_changed, counted=True),
    )


def preview(db: Session, change: Callable[[], SeriesResult]) -> SeriesPlan:
    """What ``change`` would do, with the change itself rolled back."""
    nested = db.begin_nested()
    try:
        plan = plan_of(db, change())
    finally:
        nested.rollback()
        db.expire_all()  # loaded rows (the series' exceptions) return to what is stored
    return plan


def _until(series: Series, today: date) -> date:
    return max(series.materialised_until or today, horizon(series, today))


def check_end(series: Series, from_day: date, today: date) -> None:
    """``Invalid`` or ``Conflict`` unless the series can end from ``from_day``."""
    workdays.check_date(from_day, "End from")
    if from_day < today:
        raise Invalid(f"{long_date(from_day)} is in the past; end the series from today or later.")
    if from_day <= series.starts_on:
        raise Invalid(
            f"The series starts on {long_date(series.starts_on)}; end it from a later date "
            "(a series needs at least its first date)."
        )
    if series.ends_on is not None and series.ends_on < from_day:
        raise Conflict(
            f"The series already ends on {long_date(series.ends_on)}; nothing is generated "
            f"from {long_date(from_day)} anyway."
        )


def end_series(
    db: Session, series: Series, from_day: date, *, today: date | None = None
) -> SeriesResult:
    """End the series the day before ``from_day``: no session is generated from then on;
    those from then on without participants are removed, the others are kept and listed."""
    day = today or series_today(series)
    check_end(series, from_day, day)
    series.ends_on = from_day - timedelta(days=1)
    db.flush()
    outcome = sync_sessions(db, series, today=day, until=_until(series, day), apply_changes=True)
    return SeriesResult.of(series, outcome)


def find_exception(series: Series, exception_id: int) -> SeriesException:
    """One of the series' exceptions; another series' (or none) is ``NotFound``."""
    for exception in series.exceptions:
        if exception.id == exception_id:
            return exception
    raise NotFound("This series has no such date exception.")


def describe_exception(exception: SeriesException) -> str:
    """'Cancel 24 December 2027', 'Move 3 March 2028 to 10 March 2028', 'Add ...'."""
    if exception.kind == "move" and exception.original_date and exception.new_date:
        return f"Move {long_date(exception.original_date)} to {long_date(exception.new_date)}"
    day = exception.original_date or exception.new_date
    return f"{exception.kind.capitalize()} {long_date(day) if day else '(no date)'}"


def remove_exception(
    db: Session, series: Series, exception_id: int, *, today: date | None = None
) -> SeriesResult:
    """Remove one exception and apply the rule again at once: a cancelled date comes back,
    a moved one returns to its rule date, an added one goes (unless it has participants)."""
    day = today or series_today(series)
    exception = find_exception(series, exception_id)
    series.exceptions.remove(exception)  # delete-orphan: the row goes at the flush
    db.flush()
    outcome = sync_sessions(db, series, today=day, until=_until(series, day), apply_changes=True)
    return SeriesResult.of(series, outcome)
