"""The one formatting module: dates, ranges, times in a zone, money shown and money read."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest

from app import formatting, web
from app.bounds import DB_INT_MAX, form_money
from app.documents.pdf import engine
from app.errors import Invalid
from app.formatting import (
    clock,
    date_range,
    day_span,
    local_time,
    long_date,
    money,
    money_field,
    month_year,
    parse_money,
    plain_date,
    price,
    short_date,
    time_range,
    utc_stamp,
)
from app.notifications import mail


def test_dates_in_the_house_style() -> None:
    christmas = date(2026, 12, 25)
    assert long_date(christmas) == "Friday 25 December 2026"
    assert short_date(date(2026, 12, 4)) == "Fri 4 Dec 2026"
    assert plain_date(date(2026, 3, 4)) == "4 March 2026"  # no leading zero
    assert month_year(christmas) == "December 2026"
    # A datetime is written as its date.
    assert long_date(datetime(2026, 12, 25, 23, 59)) == "Friday 25 December 2026"


@pytest.mark.parametrize(
    ("first", "last", "text"),
    [
        (date(2027, 2, 24), date(2027, 2, 24), "24 February 2027"),
        (date(2027, 2, 24), date(2027, 2, 26), "24–26 February 2027"),
        (date(2027, 2, 26), date(2027, 3, 1), "26 February – 1 March 2027"),
        (date(2026, 12, 31), date(2027, 1, 1), "31 December 2026 – 1 January 2027"),
    ],
)
def test_date_ranges_within_and_across_months_and_years(first: date, last: date, text: str) -> None:
    assert date_range(first, last) == text


def test_session_days_with_their_weekdays() -> None:
    assert day_span([]) == ""
    assert day_span([date(2026, 3, 9)]) == "Monday 9 March 2026"
    assert day_span([date(2026, 3, 9), date(2026, 3, 11)]) == "Monday 9 – Wednesday 11 March 2026"
    assert day_span([date(2026, 12, 30), date(2027, 1, 1)]) == "Wed 30 Dec 2026 – Fri 1 Jan 2027"


def test_clock_times() -> None:
    assert clock(time(9, 5)) == "09:05"
    assert time_range(time(9), time(17)) == "09:00–17:00"


def test_a_time_in_the_sessions_zone_across_the_march_change() -> None:
    """New York moves its clocks at 02:00 on Sunday 14 March 2027 (07:00 UTC)."""
    zone = "America/New_York"
    before = datetime(2027, 3, 14, 6, 59, tzinfo=UTC)
    after = datetime(2027, 3, 14, 7, 0, tzinfo=UTC)
    assert local_time(before, zone) == "Sunday 14 March 2027, 01:59 EST"
    assert local_time(after, zone) == "Sunday 14 March 2027, 03:00 EDT"
    # Stored times are UTC; a naive one is read as such, not as the machine's zone.
    assert local_time(after.replace(tzinfo=None), zone) == local_time(after, zone)
    # The UTC evening is already the next day in London's summer.
    late = datetime(2027, 6, 30, 23, 30, tzinfo=UTC)
    assert local_time(late, "Europe/London") == "Thursday 1 July 2027, 00:30 BST"


def test_staff_records_stamp_utc() -> None:
    moment = datetime(2026, 12, 4, 14, 30, 59)
    assert utc_stamp(moment) == "2026-12-04 14:30 UTC"
    assert utc_stamp(moment.replace(tzinfo=UTC)) == "2026-12-04 14:30 UTC"


@pytest.mark.parametrize(
    ("cents", "currency", "text"),
    [
        (49500, "USD", "USD 495.00"),
        (0, "USD", "USD 0.00"),
        (5, "USD", "USD 0.05"),
        (123456789, "USD", "USD 1,234,567.89"),
        (123450, "EUR", "EUR 1,234.50"),
        (495, "JPY", "JPY 495"),  # the yen has no minor unit
        (1234567, "JPY", "JPY 1,234,567"),
    ],
)
def test_money_is_shown_one_way_everywhere(cents: int, currency: str, text: str) -> None:
    assert money(cents, currency) == text


def test_a_price_of_nothing_is_free() -> None:
    assert (price(0, "USD"), price(49500, "USD")) == ("Free", "USD 495.00")


def test_a_form_field_shows_an_amount_to_edit() -> None:
    assert (money_field(119000), money_field(5), money_field(None)) == ("1190.00", "0.05", "")
    assert money_field(495, "JPY") == "495"


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("495", 49500),
        ("495.5", 49550),
        ("495.50", 49550),
        (" 495.50 ", 49550),
        ("1,234.50", 123450),
        ("1,234", 123400),  # a comma groups thousands
        ("1,234,567.89", 123456789),
        ("0", 0),
        (".5", 50),
        ("21474836.47", DB_INT_MAX),
    ],
)
def test_money_is_read_in_cents(text: str, cents: int) -> None:
    assert parse_money(text, "Price") == cents


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1234,50", "Price: use a point for decimals and a comma only between thousands"),
        ("12,50", "Price: use a point for decimals and a comma only between thousands"),
        ("1,2345", "Price: use a point for decimals and a comma only between thousands"),
        ("", "Price: give an amount such as 495.00."),
        ("abc", "Price: give an amount such as 495.00."),
        ("$495", "Price: give an amount such as 495.00."),
        ("4\x0095", "Price: give an amount such as 495.00."),
        ("NaN", "Price: give an amount such as 495.00."),
        ("-inf", "Price: give an amount such as 495.00."),
        ("9" * 200, "Price: give an amount such as 495.00."),
        ("-5", "Price: give an amount of zero or more"),
        ("4.999", "Price: give an amount with at most two decimals, e.g. 495.00."),
        ("21474836.48", "Price: give an amount of at most 21474836.47."),
        ("1e999999999", "Price: give an amount of at most 21474836.47."),
    ],
)
def test_unclear_money_is_refused_with_what_to_type(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        parse_money(text, "Price")


def test_yen_are_read_without_decimals() -> None:
    assert parse_money("1,500", "Price", "JPY") == 1500
    with pytest.raises(ValueError, match=r"no decimals, e\.g\. 495\."):
        parse_money("15.5", "Price", "JPY")


def test_the_largest_amount_is_what_a_money_column_holds() -> None:
    assert formatting.MAX_MINOR_UNITS == DB_INT_MAX


@pytest.mark.parametrize(
    ("field", "currency"), [("Price", "USD"), ("Amount", "USD"), ("Amount off", "USD")]
)
def test_both_money_forms_read_commas_the_same_way(field: str, currency: str) -> None:
    """The series/session forms and the payments forms once had opposite comma rules:
    the payments parser read '12,50' as 12.50, the scheduling one as 1250. Both now go
    through ``form_money``: a comma only groups thousands, and '12,50' is refused."""
    assert form_money("1,250.00", field, currency) == 125000
    assert form_money("12.50", field, currency) == 1250
    with pytest.raises(Invalid, match=f"^{field}: use a point for decimals"):
        form_money("12,50", field, currency)


def test_pages_mails_and_pdfs_have_the_same_filters() -> None:
    page_env = web.templates.env
    mail_env = mail._text_env
    pdf_env = engine._environment()
    for env in (page_env, mail_env, pdf_env):
        for name, function in formatting.FILTERS.items():
            assert env.filters[name] is function, name
    rendered = [
        env.from_string("{{ 49500|money('USD') }} · {{ day|long_date }}").render(
            day=date(2026, 12, 25)
        )
        for env in (page_env, mail_env, pdf_env)
    ]
    assert set(rendered) == {"USD 495.00 · Friday 25 December 2026"}
