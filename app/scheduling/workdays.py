"""Calendar days, wall-clock times and zones: the plannable date range, business days
(Mon–Fri and not a public holiday), months ahead, and a local time as a UTC instant.

Pure functions, no database; ``recurrence`` builds the series' rules on top of them.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

from app.errors import Invalid

# Sessions are planned in this range: a date outside it is a typo (or a probe), and
# refusing it keeps the date arithmetic below (months and years ahead) from overflowing.
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2100, 12, 31)


def check_date(day: date, label: str) -> date:
    """``day`` when sessions can be planned on it (FIRST_DATE..LAST_DATE); ``Invalid`` naming
    the field otherwise."""
    if not FIRST_DATE <= day <= LAST_DATE:
        raise Invalid(
            f"{label}: give a date between {FIRST_DATE.isoformat()} and "
            f"{LAST_DATE.isoformat()} (not {day.isoformat()})."
        )
    return day


def check_times(start_time: time, end_time: time) -> None:
    """Refuse a time with a UTC offset, then an end that is not after the start."""
    # Session times are wall-clock times in the session's own zone (09:00 in New York
    # stays 09:00 across DST). "10:22Z" or "10:22+02:00" name an instant instead;
    # dropping the offset would silently store another time than was meant, and
    # converting needs a date and a zone the time alone does not have. So refuse it.
    for label, at in (("Start time", start_time), ("End time", end_time)):
        if at.tzinfo is not None:
            raise Invalid(
                f"{label}: give the local time in the session's time zone without a UTC "
                f"offset, e.g. {at.replace(tzinfo=None).strftime('%H:%M')} "
                f"(not {at.isoformat()})."
            )
    if end_time <= start_time:
        raise Invalid("The end time must be after the start time.")


def validate_timezone(tz: str) -> ZoneInfo:
    """The zone for an IANA name such as America/New_York; ``Invalid`` for an unknown one."""
    name = tz.strip()
    if not name or name.startswith(("/", ".")) or ".." in name:
        raise Invalid(f"'{tz}' is not a known time zone (use an IANA name like Europe/London).")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            f"'{tz}' is not a known time zone (use an IANA name like Europe/London)."
        ) from None


@lru_cache(maxsize=64)
def _holiday_calendar(country: str) -> holidays_lib.HolidayBase:
    code, _, subdivision = country.partition("-")
    try:
        return holidays_lib.country_holidays(code, subdiv=subdivision or None)
    except NotImplementedError:
        raise Invalid(
            f"'{country}' is not a country with known holidays (use a code like US or GB)."
        ) from None


def holiday_calendar(country: str) -> holidays_lib.HolidayBase:
    """The holidays of a country code ("US", "GB", or "US-NY"); ``Invalid`` for an unknown one."""
    code = country.strip().upper()
    if not re.fullmatch(r"[A-Z]{2,3}(-[A-Z0-9]{1,4})?", code):
        raise Invalid(f"'{country}' is not a country code (use two letters, e.g. US or GB).")
    return _holiday_calendar(code)


def holiday_name(day: date, country: str | None) -> str | None:
    """The name of the holiday on ``day`` in ``country``, or None."""
    if not country:
        return None
    name = holiday_calendar(country).get(day)
    return str(name) if name else None


def is_business_day(day: date, country: str | None = None) -> bool:
    """Monday to Friday and not a public holiday in ``country``."""
    return day.weekday() < 5 and holiday_name(day, country) is None


def business_days(start: date, n: int, country: str | None = None) -> list[date]:
    """``start`` and the next ``n - 1`` business days: the teaching days of an n-day session."""
    if n < 1:
        raise Invalid("A session has at least one day.")
    days = [start]
    current = start
    while len(days) < n:
        current += timedelta(days=1)
        if is_business_day(current, country):
            days.append(current)
    return days


def local_to_utc(day: date, at: time, tz: str) -> datetime:
    """The UTC instant of a wall-clock time in a zone (09:00 New York is 13:00Z or 14:00Z)."""
    return datetime.combine(day, at, tzinfo=validate_timezone(tz)).astimezone(UTC)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (Jan 31 + 1 → Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")
