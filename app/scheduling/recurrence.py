"""Recurrence rules, holidays and time zones: pure date arithmetic, no database.

A series stores an RFC 5545 RRULE; its dates are *local calendar dates* in the series'
time zone, so "the last Friday" stays a Friday whatever the UTC offset. Holidays come
from the ``holidays`` package; a holiday policy drops the date or moves it to the
previous/next business day (Mon–Fri and not a holiday).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import MAXYEAR, date, datetime, time, timedelta
from time import monotonic
from types import FrameType
from typing import Protocol

from dateutil.rrule import DAILY, rrule, rrulestr

from app.errors import Invalid
from app.scheduling.workdays import (
    add_months,
    check_date,
    holiday_calendar,
    holiday_name,
    is_business_day,
    validate_timezone,
)

POLICIES = ("skip", "previous", "next")
WEEKDAYS = {
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_ORDINAL_NAMES = {value: key for key, value in _ORDINALS.items()}
_DAY_NAMES = {code: name.capitalize() for name, code in WEEKDAYS.items()}
# The presets the series form offers; any "<ordinal>-<weekday>" or "weekly-<weekday>" works too.
PRESETS: dict[str, str] = {
    "last-friday": "Last Friday of each month",
    "first-tuesday": "First Tuesday of each month",
    "weekly": "Every week on a chosen weekday",
}
# No rule looks further than this ahead for its dates.
MAX_YEARS = 30
_MAX_COUNT = 1000
# The work one expansion of a rule may do: function calls (the same on every machine)
# and seconds of wall time. Thirty years of a daily rule take about 80,000 calls; a
# series' horizon or a preview of 100 dates far fewer.
MAX_RULE_CALLS = 500_000
RULE_SECONDS = 0.5
# The Gregorian calendar repeats exactly every 400 years: 146097 days, 20871 weeks.
_CALENDAR_CYCLE_YEARS = 400
_TIME_PARTS = {"BYHOUR", "BYMINUTE", "BYSECOND"}
_PRESET_PATTERN = re.compile(r"^(first|second|third|fourth|last|weekly)-([a-z]+)$")

# A field named "date" hides the type inside its class; annotate with this name instead.
Day = date


@dataclass(frozen=True)
class Occurrence:
    """One date of a series: where it lands, what the rule said, and why they differ.

    ``dropped`` occurrences (skipped for a holiday, cancelled by an exception) are kept in
    the list so previews can show them; they produce no session.
    """

    date: Day
    original_date: Day
    note: str = ""
    dropped: bool = False
    added: bool = False


class DateException(Protocol):
    """A manual change to a series' dates (``SeriesException`` rows satisfy this)."""

    kind: str
    original_date: date | None
    new_date: date | None
    note: str


@dataclass(frozen=True)
class ManualException:
    """A plain ``DateException`` for callers without a database row (previews, tests)."""

    kind: str
    original_date: date | None = None
    new_date: date | None = None
    note: str = ""


def resolve_rule(rule: str, *, weekday: str | None = None) -> str:
    """A preset name ("last-friday", "weekly" + weekday, "weekly-monday") or RRULE → RRULE text."""
    text = rule.strip()
    key = text.lower()
    if key == "weekly":
        if not weekday:
            raise Invalid("The 'weekly' preset needs a weekday (e.g. weekly-friday).")
        key = f"weekly-{weekday.strip().lower()}"
    match = _PRESET_PATTERN.match(key)
    if match:
        ordinal, day = match.groups()
        code = WEEKDAYS.get(day)
        if code is None:
            raise Invalid(f"'{day}' is not a weekday; use monday … sunday.")
        if ordinal == "weekly":
            return f"FREQ=WEEKLY;BYDAY={code}"
        return f"FREQ=MONTHLY;BYDAY={_ORDINALS[ordinal]}{code}"
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if not text:
        raise Invalid("Give a recurrence rule, e.g. FREQ=MONTHLY;BYDAY=-1FR or a preset.")
    if "FREQ=" not in text.upper():
        known = ", ".join(sorted(PRESETS))
        raise Invalid(f"'{rule}' is neither a preset ({known}, weekly-<day>) nor an RRULE.")
    return text.upper()


def describe_rule(rrule_text: str) -> str:
    """A person's reading of the common rules ("Last Friday of each month"), else the RRULE."""
    weekly = re.fullmatch(r"FREQ=WEEKLY;BYDAY=([A-Z]{2})", rrule_text)
    if weekly and weekly.group(1) in _DAY_NAMES:
        return f"Every {_DAY_NAMES[weekly.group(1)]}"
    monthly = re.fullmatch(r"FREQ=MONTHLY;BYDAY=(-?\d)([A-Z]{2})", rrule_text)
    if monthly and int(monthly.group(1)) in _ORDINAL_NAMES and monthly.group(2) in _DAY_NAMES:
        ordinal = _ORDINAL_NAMES[int(monthly.group(1))].capitalize()
        return f"{ordinal} {_DAY_NAMES[monthly.group(2)]} of each month"
    return rrule_text


def parse_rule(rule: str, start: date) -> rrule:
    """The dateutil rule for an RRULE text starting on ``start``; ``Invalid`` when it is bad."""
    # UNTIL in UTC ("...Z") meets a floating DTSTART: dates here are local, so drop the Z.
    text = re.sub(r"(UNTIL=\d{8}(?:T\d{6})?)Z", r"\1", resolve_rule(rule))
    if "\n" in text or "DTSTART" in text:
        raise Invalid("Give only the RRULE part (FREQ=...); the start date is a separate field.")
    _refuse_parts(text)
    try:
        parsed = rrulestr(text, dtstart=datetime.combine(start, time()))
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise Invalid(f"The rule '{text}' is not a valid RRULE: {exc}.") from None
    if not isinstance(parsed, rrule):
        raise Invalid(f"The rule '{text}' must be a single RRULE.")
    # HOURLY, MINUTELY, SECONDLY: sessions are whole days (dateutil keeps _freq private).
    if parsed._freq > DAILY:  # type: ignore[attr-defined]
        raise Invalid(f"The rule '{text}' repeats within a day; use DAILY or longer.")
    return parsed


def _refuse_parts(text: str) -> None:
    parts = {part.partition("=")[0].strip() for part in text.split(";")}
    if parts & _TIME_PARTS:
        # Times of day would turn one date into many (up to 86400 a day), all of them work.
        raise Invalid(
            f"The rule '{text}' sets times of day (BYHOUR, BYMINUTE, BYSECOND); a rule gives "
            "dates only, the start and end times are separate fields."
        )
    if "BYEASTER" in parts:
        # A dateutil extension, not RFC 5545 (calendars cannot read it), and Easter does
        # not repeat with the 400-year cycle the scan in _rule_dates relies on.
        raise Invalid(
            f"The rule '{text}' uses BYEASTER, which calendars do not understand; "
            "add Easter dates as exceptions of the series instead."
        )


def _move(day: date, step: int, country: str) -> date:
    current = day + timedelta(days=step)
    while not is_business_day(current, country):
        current += timedelta(days=step)
    return current


def no_dates(start: date, until: date | None = None) -> Invalid:
    """The refusal of a rule that gives no date from ``start`` (to ``until``, or MAX_YEARS on)."""
    within = (
        f"between {start.isoformat()} and {until.isoformat()}"
        if until
        else f"within {MAX_YEARS} years of {start.isoformat()}"
    )
    return Invalid(
        f"This rule produces no dates {within}: check that its parts can meet "
        "(BYMONTH=2 with BYMONTHDAY=30 never does)."
    )


def require_dates(rule: str, start: date, until: date | None = None) -> None:
    """``Invalid`` when a rule gives no date from ``start`` (to ``until``, or MAX_YEARS on)."""
    if not _rule_dates(parse_rule(rule, start), start, until, count=1):
        raise no_dates(start, until)


class _OutOfBudget(Exception):
    """Raised inside dateutil's scan once an expansion has used up its work budget."""


@contextmanager
def _work_budget() -> Iterator[None]:
    """Stop the code inside after MAX_RULE_CALLS function calls or RULE_SECONDS.

    dateutil looks for a rule's next date in one loop that never pauses, so a rule that
    never matches (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30) scans day by day up to year 9999:
    seconds of CPU that no check between two dates can stop. A profile hook (this
    thread only) sees every function call inside that loop and ends it from within.
    """
    deadline = monotonic() + RULE_SECONDS
    calls = 0

    def spend(_frame: FrameType, event: str, _arg: object) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1
            # The clock is read every 256 calls: cheap, and still within a millisecond.
            if calls > MAX_RULE_CALLS or (calls % 256 == 0 and monotonic() > deadline):
                raise _OutOfBudget

    previous = sys.getprofile()
    sys.setprofile(spend)
    try:
        yield
    finally:
        sys.setprofile(previous)  # a profiler that was running carries on


def _too_much_work() -> Invalid:
    return Invalid(
        "This rule takes too much work to list its dates: it may never match (BYMONTH=2 "
        "with BYMONTHDAY=30 never does) or ask for too many. Check that its parts can meet, "
        "or choose a simpler rule."
    )


def _cycle_shift(limit: date) -> int:
    """Whole 400-year cycles that move ``limit`` as close below year 9999 as they can."""
    return _CALENDAR_CYCLE_YEARS * ((MAXYEAR - limit.year) // _CALENDAR_CYCLE_YEARS)


def _moved_rule(parsed: rrule, start: date, limit: date, shift: int) -> rrule:
    """The same rule starting ``shift`` years later (a multiple of 400: the same calendar)."""
    # The rule's own UNTIL moves with it; one beyond the window is not needed at all.
    until = parsed._until  # type: ignore[attr-defined]  # dateutil keeps _until private
    if until is not None and until.date() < limit:
        until = until.replace(year=until.year + shift)
    else:
        until = None
    moved_start = datetime.combine(start.replace(year=start.year + shift), time())
    return parsed.replace(dtstart=moved_start, until=until)


def _rule_dates(
    parsed: rrule, start: date, until: date | None, count: int | None = None
) -> list[date]:
    """The rule's dates from ``start`` to ``until`` (else MAX_YEARS on), at most ``count``."""
    limit = until or add_months(start, 12 * MAX_YEARS)
    # A rule that stops matching keeps dateutil scanning up to year 9999, its only stop.
    # Run the scan on the same dates moved by whole 400-year cycles to just below 9999
    # (weekdays and leap years are identical), so it ends at most 400 years past the
    # window: a rule that never meets is then mostly answered "no dates", not "too much".
    shift = _cycle_shift(limit)
    found: list[date] = []
    try:
        with _work_budget():
            for moment in _moved_rule(parsed, start, limit, shift):
                day = moment.date()
                day = day.replace(year=day.year - shift)
                if day > limit:
                    break
                found.append(day)
                if len(found) == count:
                    break
    except _OutOfBudget:
        raise _too_much_work() from None
    return found


def _apply_policy(day: date, country: str | None, policy: str) -> Occurrence:
    name = holiday_name(day, country)
    if name is None:
        return Occurrence(day, day)
    if policy == "skip":
        return Occurrence(day, day, f"skipped: {name}", dropped=True)
    assert country is not None
    moved = _move(day, -1 if policy == "previous" else 1, country)
    return Occurrence(moved, day, f"moved from {day.isoformat()}: {name}")


def _apply_exceptions(
    found: list[Occurrence], exceptions: Iterable[DateException], until: date | None
) -> list[Occurrence]:
    result = list(found)
    for exception in exceptions:
        note = exception.note.strip()
        if exception.kind == "add":
            if exception.new_date is None or (until is not None and exception.new_date > until):
                continue
            label = f"added: {note}" if note else "added"
            result.append(Occurrence(exception.new_date, exception.new_date, label, added=True))
            continue
        for index, occurrence in enumerate(result):
            if occurrence.dropped or exception.original_date not in (
                occurrence.original_date,
                occurrence.date,
            ):
                continue
            if exception.kind == "cancel":
                label = f"cancelled: {note}" if note else "cancelled"
                result[index] = Occurrence(
                    occurrence.date, occurrence.original_date, label, dropped=True
                )
            elif exception.kind == "move" and exception.new_date is not None:
                label = f"moved from {occurrence.date.isoformat()}" + (f": {note}" if note else "")
                result[index] = Occurrence(exception.new_date, occurrence.original_date, label)
    return result


def occurrences(
    rule: str,
    start: date,
    tz: str,
    *,
    count: int | None = None,
    until: date | None = None,
    holiday_country: str | None = None,
    policy: str = "skip",
    exceptions: Iterable[DateException] = (),
) -> list[Occurrence]:
    """The dates of a rule from ``start``: up to ``count`` rule dates and/or until ``until``.

    ``count`` counts the rule's own dates (as RRULE COUNT does), dropped ones included.
    Holiday policy applies first, then the manual exceptions (cancel, move, add).
    """
    check_date(start, "Start date")
    validate_timezone(tz)
    if policy not in POLICIES:
        raise Invalid(f"Holiday policy must be one of {', '.join(POLICIES)}, not '{policy}'.")
    country = holiday_country.strip().upper() if holiday_country else None
    if country:
        holiday_calendar(country)
    if count is not None and not 1 <= count <= _MAX_COUNT:
        raise Invalid(f"Count must be between 1 and {_MAX_COUNT}.")
    if count is None and until is None:
        raise Invalid("Give a count or an end date for the occurrences.")
    parsed = parse_rule(rule, start)
    found: list[Occurrence] = []
    taken: set[date] = set()
    for day in _rule_dates(parsed, start, until, count):
        occurrence = _apply_policy(day, country, policy)
        if not occurrence.dropped and occurrence.date in taken:
            # A moved date landing on another occurrence (daily rules) would double-book it.
            occurrence = Occurrence(
                day,
                day,
                f"skipped: {holiday_name(day, country)} (the moved date is already taken)",
                dropped=True,
            )
        if not occurrence.dropped:
            taken.add(occurrence.date)
        found.append(occurrence)
    result = _apply_exceptions(found, exceptions, until)
    return sorted(result, key=lambda o: (o.date, o.original_date))


def format_line(occurrence: Occurrence) -> str:
    """One preview line: the ISO date, then two spaces and the note when there is one."""
    if occurrence.note:
        return f"{occurrence.date.isoformat()}  {occurrence.note}"
    return occurrence.date.isoformat()
