"""How dates, times and money are written for people (and for machines), in one place.

Every page, e-mail and PDF writes a date, a time or a sum of money through this module:
the functions below, or the same functions as Jinja filters (``register_filters``). It is
a leaf: it imports nothing from the features (only ``app.currencies``, the leaf that
knows each currency's decimals), so any of them may call it.

One house style per locale, built on Babel. The platform speaks British English today
(``LOCALE``; there is no setting for it yet), so a date reads "Friday 25 December 2026"
and money "USD 495.00": the ISO code, not a symbol, because "$" names several currencies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import (
    NumberFormatError,
    format_currency,
    format_decimal,
    parse_decimal,
)
from jinja2 import Environment

from app.currencies import decimals

LOCALE = "en_GB"

# How each locale writes money: ``¤¤`` is the ISO code. Babel adapts the decimals to the
# currency (``currency_digits``), so JPY shows none.
MONEY_PATTERNS = {"en_GB": "¤¤ #,##0.00"}

# The most minor units a money column (a 32-bit INTEGER) holds: app.bounds.DB_INT_MAX,
# written out because this module imports nothing from the app (a test ties the two).
MAX_MINOR_UNITS = 2**31 - 1
# Longer text than this is no amount anyone typed; it is refused before Babel reads it.
_MAX_MONEY_TEXT = 40
_DECIMALS = {0: "no decimals", 2: "at most two decimals", 3: "at most three decimals"}


# --- dates ------------------------------------------------------------------------


def long_date(value: date) -> str:
    """The date with its weekday: 'Friday 25 December 2026'."""
    return format_date(value, "EEEE d MMMM y", locale=LOCALE)


def short_date(value: date) -> str:
    """The date abbreviated, where room is short: 'Fri 25 Dec 2026'."""
    return format_date(value, "EEE d MMM y", locale=LOCALE)


def plain_date(value: date) -> str:
    """The date without its weekday, for records (certificates): '25 December 2026'."""
    return format_date(value, "d MMMM y", locale=LOCALE)


def month_year(value: date) -> str:
    """A month heading: 'December 2026'."""
    return format_date(value, "MMMM y", locale=LOCALE)


def date_range(first: date, last: date) -> str:
    """'14 March 2026'; '24–26 February 2027'; '30 March – 1 April 2026'; across years in full.

    Written by hand rather than with ``babel.dates.format_interval``: CLDR's en_GB
    interval patterns abbreviate the months and put thin spaces round the dash, which
    is not what certificates and pages have printed so far.
    """
    if first == last:
        return plain_date(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{plain_date(last)}"
    if first.year == last.year:
        return f"{format_date(first, 'd MMMM', locale=LOCALE)} – {plain_date(last)}"
    return f"{plain_date(first)} – {plain_date(last)}"


def day_span(days: Sequence[date]) -> str:
    """Session days with their weekdays: one day in full, else first to last.

    'Friday 9 – Sunday 11 March 2026' within a month; 'Mon 30 Mar 2026 – Wed 1 Apr 2026'
    across months, where the long form would not fit a printed line.
    """
    if not days:
        return ""
    first, last = days[0], days[-1]
    if len(days) == 1:
        return long_date(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{format_date(first, 'EEEE d', locale=LOCALE)} – {long_date(last)}"
    return f"{short_date(first)} – {short_date(last)}"


# --- times ------------------------------------------------------------------------


def clock(value: time | datetime) -> str:
    """A 24-hour wall-clock time, unambiguous on paper and on screen: '09:05'."""
    return f"{value:%H:%M}"


def time_range(start: time | datetime, end: time | datetime) -> str:
    """'09:00–17:00'."""
    return f"{clock(start)}–{clock(end)}"


def hours(value: float) -> str:
    """A number of hours (credit or teaching) to two places, no trailing zeros: '6.25', '18'."""
    return f"{round(value, 2):g}"


def in_zone(moment: datetime, timezone: str) -> datetime:
    """A stored (UTC) instant as wall-clock time in an IANA zone; a naive one is read as UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(timezone))


def local_time(moment: datetime, timezone: str) -> str:
    """An instant shown in a zone: 'Friday 18 December 2026, 14:30 EST'.

    The abbreviation is the zone database's (EST, EDT, GMT, BST), as pages have always
    shown it; CLDR's en_GB names would write American zones as 'GMT-5'.
    """
    local = in_zone(moment, timezone)
    return f"{long_date(local.date())}, {clock(local)} {local:%Z}"


def utc_stamp(moment: datetime) -> str:
    """A stored instant for staff records, in UTC: '2026-12-04 14:30 UTC'."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return f"{aware.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def datetime_attr(value: date | datetime) -> str:
    """A valid ``<time datetime>`` value: ``2031-01-31`` or ``2031-01-31T09:00:00+00:00``.

    HTML accepts seconds with at most three decimals, and nobody reading a page needs
    the microseconds ``datetime.isoformat()`` would write; a time carries its offset so
    it names one instant. Stored times are UTC, so a naive one is read as UTC.
    """
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.isoformat(timespec="seconds")
    return value.isoformat()


# --- money ------------------------------------------------------------------------


def _units(cents: int, currency: str) -> Decimal:
    """Minor units (cents; yen for JPY) as an exact amount of the currency."""
    return Decimal(cents).scaleb(-decimals(currency))


def money(cents: int, currency: str) -> str:
    """An amount in integer minor units: 'USD 495.00', 'USD 0.00', 'JPY 495', 'BHD 1.250'."""
    pattern = MONEY_PATTERNS[LOCALE]
    code = currency.strip().upper()
    return format_currency(_units(cents, code), code, pattern, locale=LOCALE, currency_digits=True)


def price(cents: int, currency: str) -> str:
    """A price as a buyer reads it: 'Free' for nothing, else the amount ('USD 495.00')."""
    return "Free" if cents <= 0 else money(cents, currency)


def money_field(cents: int | None, currency: str = "USD") -> str:
    """An amount as a form field shows it to be edited ('495.00'), empty for none."""
    if cents is None:
        return ""
    digits = decimals(currency)
    pattern = "0." + "0" * digits if digits else "0"
    return format_decimal(_units(cents, currency), pattern, locale=LOCALE)


def _read_amount(cleaned: str, label: str, example: str) -> Decimal:
    """The finite number ``cleaned`` spells in the house locale, or a ``ValueError``."""
    unreadable = ValueError(f"{label}: give an amount such as {example}.")
    if not cleaned or "\0" in cleaned or len(cleaned) > _MAX_MONEY_TEXT:
        raise unreadable
    try:
        amount = parse_decimal(cleaned, locale=LOCALE, strict=True)
    except NumberFormatError as exc:
        # Babel suggests readings when a comma is misplaced: '12,50' is 1,250 or 12.5.
        if "," in cleaned and exc.suggestions:
            raise ValueError(
                f"{label}: use a point for decimals and a comma only between thousands, "
                f"e.g. 1,234.50."
            ) from None
        raise unreadable from None
    if not amount.is_finite():  # Decimal reads "NaN" and "inf"; no sum of money is one
        raise unreadable
    return amount


def parse_money(text: str, label: str = "Amount", currency: str = "USD") -> int:
    """A typed amount ('495', '495.5', '1,234.50') in minor units; ``ValueError`` if unclear.

    The rule in English: a point marks the decimals and a comma only groups thousands,
    so '1234,50' and '12,50' are refused as ambiguous rather than guessed. Negative
    amounts, more decimals than the currency has and amounts a money column cannot hold are
    refused; each message starts with ``label`` and says what to type instead.
    """
    digits = decimals(currency)
    example = "495" if digits == 0 else "495." + "0" * digits
    amount = _read_amount(text.strip(), label, example)
    # Size first, exactly: abs(), quantize() and scaleb() overflow on "1e999999999".
    largest = Decimal(MAX_MINOR_UNITS).scaleb(-digits)
    if amount.copy_abs() > largest:
        raise ValueError(f"{label}: give an amount of at most {largest}.")
    if amount < 0:
        raise ValueError(f"{label}: give an amount of zero or more, such as {example}.")
    if amount != amount.quantize(Decimal(1).scaleb(-digits)):
        allowed = _DECIMALS.get(digits, f"at most {digits} decimals")
        raise ValueError(f"{label}: give an amount with {allowed}, e.g. {example}.")
    return int(amount.scaleb(digits))


# --- templates --------------------------------------------------------------------

FILTERS: dict[str, Callable[..., str]] = {
    "long_date": long_date,
    "short_date": short_date,
    "plain_date": plain_date,
    "month_year": month_year,
    "date_range": date_range,
    "day_span": day_span,
    "clock": clock,
    "time_range": time_range,
    "local_time": local_time,
    "utc_stamp": utc_stamp,
    "datetime_attr": datetime_attr,
    "money": money,
    "money_field": money_field,
    "price": price,
    "hours": hours,
}


def register_filters(env: Environment) -> None:
    """Give a Jinja environment (pages, e-mails or PDFs) the same formatting filters."""
    env.filters.update(FILTERS)
