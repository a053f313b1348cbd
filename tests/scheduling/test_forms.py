"""The series form round-trips presets, weekly rules and custom rules, and reads money."""

from __future__ import annotations

from datetime import date, time

import pytest

from app.bounds import form_money
from app.errors import Invalid
from app.formatting import money_field
from app.scheduling.forms import SeriesForm
from app.scheduling.schemas import SeriesCreate

SAVED = SeriesCreate(
    title="Weekly clinic",
    rrule="FREQ=WEEKLY;BYDAY=TH",
    timezone="Europe/London",
    starts_on=date(2027, 1, 7),
    start_time=time(9, 30),
    end_time=time(12),
    courses=["trust-and-confidence"],
    capacity=12,
    price_cents=9950,
)


@pytest.mark.parametrize(
    ("rrule", "preset", "weekday", "custom"),
    [
        ("FREQ=WEEKLY;BYDAY=TH", "weekly", "thursday", ""),
        ("FREQ=MONTHLY;BYDAY=-1FR", "last-friday", "friday", ""),
        ("FREQ=MONTHLY;BYDAY=1TU", "first-tuesday", "friday", ""),
        ("FREQ=MONTHLY;BYDAY=2WE", "custom", "friday", "FREQ=MONTHLY;BYDAY=2WE"),
    ],
)
def test_a_saved_rule_comes_back_as_the_preset_it_was(
    rrule: str, preset: str, weekday: str, custom: str
) -> None:
    form = SeriesForm.from_series(SAVED.model_copy(update={"rrule": rrule}))
    assert (form.preset, form.weekday, form.rrule) == (preset, weekday, custom)
    assert form.rule() == rrule
    back = form.to_create()
    assert (back.start_time, back.price_cents, back.courses) == (
        time(9, 30),
        9950,
        ["trust-and-confidence"],
    )


@pytest.mark.parametrize(
    ("text", "cents"), [("495", 49500), ("495.5", 49550), ("1,190.00", 119000), ("0", 0)]
)
def test_money_is_read_in_cents(text: str, cents: int) -> None:
    assert form_money(text, "Price", "USD") == cents


@pytest.mark.parametrize("text", ["4.999", "abc", "NaN", ""])
def test_unreadable_money_is_refused(text: str) -> None:
    with pytest.raises(Invalid, match=r"^Price: give an amount"):
        form_money(text, "Price", "USD")


def test_a_decimal_comma_is_refused_as_on_the_payments_forms() -> None:
    """The payments parser read '12,50' as 12.50, this form as 1250: one rule now, a comma
    only groups thousands (tests/payments/test_bad_input.py checks the refund form)."""
    form = SeriesForm.from_series(SAVED)
    assert form.model_copy(update={"price": "1,250.00"}).to_create().price_cents == 125000
    with pytest.raises(Invalid, match=r"^Price: use a point for decimals"):
        form.model_copy(update={"price": "12,50"}).to_create()


def test_money_is_shown_with_two_decimals() -> None:
    assert (money_field(49500), money_field(5), money_field(None)) == ("495.00", "0.05", "")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("starts_on", "01/12/2026", "Start date: give a date as YYYY-MM-DD."),
        ("start_time", "9am", "Start time: give a time as HH:MM"),
        ("capacity", "twenty", "Capacity: give a whole number."),
    ],
)
def test_unreadable_fields_are_named(field: str, value: str, message: str) -> None:
    form = SeriesForm.from_series(SAVED).model_copy(update={field: value})
    with pytest.raises(Invalid) as caught:
        form.to_create()
    assert caught.value.message.startswith(message)
