"""The coordinators' month calendar: weeks of days, each with the sessions on it."""

from __future__ import annotations

import calendar as stdlib_calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import Session

from app.errors import Invalid
from app.formatting import month_year
from app.scheduling import hooks
from app.scheduling.courses import course_titles
from app.scheduling.models import CourseSession
from app.scheduling.sessions import sessions_between
from app.scheduling.workdays import check_date


@dataclass
class CalendarEntry:
    """A session as a day cell shows it."""

    session: CourseSession
    title: str
    day_index: int
    day_count: int
    taken: int | None  # None until enrolment registers seat counts
    capacity: int

    @property
    def fill_percent(self) -> int | None:
        """Seats taken as a whole percentage of capacity, when known."""
        if self.taken is None or not self.capacity:
            return None
        return round(100 * self.taken / self.capacity)


@dataclass
class CalendarDay:
    """One cell of the grid."""

    day: date
    in_month: bool
    entries: list[CalendarEntry] = field(default_factory=list)


@dataclass
class MonthView:
    """A month of sessions as weeks (Monday first)."""

    first: date
    weeks: list[list[CalendarDay]]
    session_count: int
    seat_counts_known: bool

    @property
    def title(self) -> str:
        """E.g. "December 2026"."""
        return month_year(self.first)

    @property
    def previous(self) -> str:
        """The previous month as YYYY-MM."""
        return (self.first - timedelta(days=1)).strftime("%Y-%m")

    @property
    def next(self) -> str:
        """The next month as YYYY-MM."""
        days = stdlib_calendar.monthrange(self.first.year, self.first.month)[1]
        return (self.first + timedelta(days=days)).strftime("%Y-%m")


def parse_month(value: str | None, today: date) -> date:
    """The first day of a YYYY-MM month (default: this month); ``Invalid`` otherwise."""
    if not value:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in value.split("-"))
        first = date(year, month, 1)
    except ValueError:
        raise Invalid(f"'{value}' is not a month; use YYYY-MM, e.g. 2026-12.") from None
    return check_date(first, "Month")


def month_view(db: Session, first: date) -> MonthView:
    """Every session with a day in the month, placed on each of its days in the month."""
    weeks_dates = stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(
        first.year, first.month
    )
    last = date(first.year, first.month, stdlib_calendar.monthrange(first.year, first.month)[1])
    found = sessions_between(db, first, last)
    titles = course_titles(db, {s.course_id for s in found})
    counts = hooks.seat_counts(db, [s.id for s in found])
    cells = {
        day: CalendarDay(day, day.month == first.month) for week in weeks_dates for day in week
    }
    in_month: set[int] = set()
    for session in found:
        taken = counts.get(session.id, 0) if counts is not None else None
        for day in session.days:
            cell = cells.get(day.date)
            if cell is None or not cell.in_month:
                continue  # the neighbouring months' days show their dates only
            in_month.add(session.id)
            cell.entries.append(
                CalendarEntry(
                    session=session,
                    title=titles.get(session.course_id, session.format_id),
                    day_index=day.day_index,
                    day_count=len(session.days),
                    taken=taken,
                    capacity=session.capacity,
                )
            )
    weeks = [[cells[day] for day in week] for week in weeks_dates]
    return MonthView(first, weeks, len(in_month), counts is not None)
