"""Recurrence rules: presets, holidays and policies, exceptions, DST, and clear refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from app.errors import Invalid
from app.scheduling.recurrence import (
    ManualException,
    describe_rule,
    format_line,
    occurrences,
    parse_rule,
    resolve_rule,
)
from app.scheduling.workdays import add_months, business_days, local_to_utc

NEW_YORK = "America/New_York"
LONDON = "Europe/London"


def _lines(**kwargs: object) -> list[str]:
    found = occurrences(**kwargs)  # type: ignore[arg-type]
    return [format_line(o) for o in found]


# --- presets ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("last-friday", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("first-tuesday", "FREQ=MONTHLY;BYDAY=1TU"),
        ("weekly-monday", "FREQ=WEEKLY;BYDAY=MO"),
        ("Last-Friday", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("third-wednesday", "FREQ=MONTHLY;BYDAY=3WE"),
        ("RRULE:freq=monthly;byday=-1fr", "FREQ=MONTHLY;BYDAY=-1FR"),
    ],
)
def test_presets_and_rules_resolve_to_rrules(given: str, expected: str) -> None:
    assert resolve_rule(given) == expected


def test_weekly_preset_takes_its_weekday_separately() -> None:
    assert resolve_rule("weekly", weekday="Thursday") == "FREQ=WEEKLY;BYDAY=TH"
    with pytest.raises(Invalid, match="needs a weekday"):
        resolve_rule("weekly")


def test_rules_read_out_for_people() -> None:
    assert describe_rule("FREQ=MONTHLY;BYDAY=-1FR") == "Last Friday of each month"
    assert describe_rule("FREQ=MONTHLY;BYDAY=1TU") == "First Tuesday of each month"
    assert describe_rule("FREQ=WEEKLY;BYDAY=MO") == "Every Monday"
    assert describe_rule("FREQ=DAILY;INTERVAL=3") == "FREQ=DAILY;INTERVAL=3"


def test_last_friday_preset_gives_last_fridays() -> None:
    found = occurrences("last-friday", date(2027, 1, 1), NEW_YORK, count=4)
    assert [o.date for o in found] == [
        date(2027, 1, 29),
        date(2027, 2, 26),
        date(2027, 3, 26),
        date(2027, 4, 30),
    ]
    assert all(o.date.weekday() == 4 and not o.note for o in found)


def test_until_bounds_the_dates_and_a_rule_count_is_respected() -> None:
    found = occurrences("FREQ=WEEKLY;BYDAY=TU", date(2027, 1, 1), NEW_YORK, until=date(2027, 1, 31))
    assert [o.date.day for o in found] == [5, 12, 19, 26]
    capped = occurrences("FREQ=WEEKLY;BYDAY=TU;COUNT=2", date(2027, 1, 1), NEW_YORK, count=10)
    assert len(capped) == 2


# --- holidays ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "line"),
    [
        ("skip", "2026-12-25  skipped: Christmas Day"),
        ("previous", "2026-12-24  moved from 2026-12-25: Christmas Day"),
        ("next", "2026-12-28  moved from 2026-12-25: Christmas Day"),
    ],
)
def test_christmas_2026_is_the_last_friday_of_december(policy: str, line: str) -> None:
    lines = _lines(
        rule="FREQ=MONTHLY;BYDAY=-1FR",
        start=date(2026, 11, 1),
        tz=NEW_YORK,
        count=3,
        holiday_country="US",
        policy=policy,
    )
    assert lines == ["2026-11-27", line, "2027-01-29"]


def test_a_skipped_date_is_listed_but_dropped() -> None:
    found = occurrences(
        "last-friday", date(2026, 12, 1), NEW_YORK, count=1, holiday_country="US", policy="skip"
    )
    assert found[0].dropped and found[0].original_date == date(2026, 12, 25)


def test_next_business_day_also_skips_the_following_holidays() -> None:
    # In England 28 December 2026 is the Boxing Day substitute, so "next" lands on the 29th.
    lines = _lines(
        rule="last-friday",
        start=date(2026, 12, 1),
        tz=LONDON,
        count=1,
        holiday_country="GB",
        policy="next",
    )
    assert lines == ["2026-12-29  moved from 2026-12-25: Christmas Day"]


def test_business_days_for_multi_day_sessions_skip_weekends_and_holidays() -> None:
    # Thanksgiving (26 Nov 2026) and the weekend fall inside a three-day session.
    assert business_days(date(2026, 11, 25), 3, "US") == [
        date(2026, 11, 25),
        date(2026, 11, 27),
        date(2026, 11, 30),
    ]
    assert business_days(date(2026, 12, 24), 4, "US") == [
        date(2026, 12, 24),
        date(2026, 12, 28),
        date(2026, 12, 29),
        date(2026, 12, 30),
    ]
    assert business_days(date(2027, 1, 29), 3) == [
        date(2027, 1, 29),
        date(2027, 2, 1),
        date(2027, 2, 2),
    ]


# --- exceptions -------------------------------------------------------------------------


def test_exceptions_cancel_move_and_add_dates_after_the_rule() -> None:
    found = occurrences(
        "last-friday",
        date(2027, 1, 1),
        NEW_YORK,
        count=3,
        exceptions=[
            ManualException("cancel", date(2027, 1, 29), note="venue closed"),
            ManualException("move", date(2027, 2, 26), date(2027, 2, 25), note="team offsite"),
            ManualException("add", new_date=date(2027, 3, 5), note="extra date"),
        ],
    )
    assert [format_line(o) for o in found] == [
        "2027-01-29  cancelled: venue closed",
        "2027-02-25  moved from 2027-02-26: team offsite",
        "2027-03-05  added: extra date",
        "2027-03-26",
    ]
    assert [o.dropped for o in found] == [True, False, False, False]
    assert found[1].original_date == date(2027, 2, 26)


def test_an_exception_can_name_a_date_moved_for_a_holiday() -> None:
    found = occurrences(
        "last-friday",
        date(2026, 12, 1),
        NEW_YORK,
        count=1,
        holiday_country="US",
        policy="previous",
        exceptions=[ManualException("cancel", date(2026, 12, 24))],
    )
    assert found[0].dropped and found[0].original_date == date(2026, 12, 25)


# --- time zones and daylight saving ---------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (date(2027, 3, 12), 14),  # EST, the Friday before DST starts (14 March 2027)
        (date(2027, 3, 19), 13),  # EDT
        (date(2027, 11, 5), 13),  # EDT, the Friday before DST ends (7 November 2027)
        (date(2027, 11, 12), 14),  # EST
    ],
)
def test_new_york_nine_o_clock_across_daylight_saving(day: date, utc_hour: int) -> None:
    dates = [o.date for o in occurrences("weekly-friday", day, NEW_YORK, count=1)]
    assert dates == [day]  # the local date never shifts with the offset
    assert local_to_utc(day, time(9), NEW_YORK) == datetime(
        day.year, day.month, day.day, utc_hour, tzinfo=UTC
    )


def test_london_last_fridays_across_british_summer_time() -> None:
    found = occurrences("last-friday", date(2027, 3, 1), LONDON, count=9)
    instants = {o.date: local_to_utc(o.date, time(9), LONDON).hour for o in found}
    assert instants[date(2027, 3, 26)] == 9  # GMT: BST starts on 28 March 2027
    assert instants[date(2027, 4, 30)] == 8  # BST
    assert instants[date(2027, 10, 29)] == 8  # BST ends on 31 October 2027
    assert instants[date(2027, 11, 26)] == 9  # GMT


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2026, 11, 26), 12) == date(2027, 11, 26)


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rule": "FREQ=SOMETIMES"}, "is not a valid RRULE: invalid 'FREQ'"),
        ({"rule": "FREQ=MONTHLY;BYDAY=9XX"}, "is not a valid RRULE"),
        ({"rule": "FREQ=HOURLY"}, "repeats within a day"),
        ({"rule": "every other day"}, "neither a preset"),
        ({"rule": "last-funday"}, "'funday' is not a weekday"),
        ({"tz": "Mars/Olympus_Mons"}, "'Mars/Olympus_Mons' is not a known time zone"),
        ({"tz": "../../etc/passwd"}, "is not a known time zone"),
        ({"holiday_country": "XX"}, "'XX' is not a country with known holidays"),
        ({"holiday_country": "U5A"}, "is not a country code"),
        ({"policy": "sideways"}, "Holiday policy must be one of skip, previous, next"),
        ({"count": 0}, "Count must be between 1 and"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "rule": "last-friday",
        "start": date(2027, 1, 1),
        "tz": NEW_YORK,
        "count": 3,
        **kwargs,
    }
    with pytest.raises(Invalid) as caught:
        occurrences(**arguments)  # type: ignore[arg-type]
    assert message in caught.value.message


def test_a_utc_until_in_the_rule_is_read_as_a_local_date() -> None:
    parsed = parse_rule("FREQ=WEEKLY;BYDAY=FR;UNTIL=20270115T000000Z", date(2027, 1, 1))
    assert [d.date() for d in parsed] == [
        date(2027, 1, 1),
        date(2027, 1, 8),
        date(2027, 1, 15),
    ]


def test_a_rule_that_never_matches_ends_quickly() -> None:
    assert (
        occurrences("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", date(2027, 1, 1), NEW_YORK, count=3)
        == []
    )
