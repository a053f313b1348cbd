"""The range of a stored integer, for API bodies and form fields alike; typed text folded
and bounded (``folded_text``, ``reason_text``).

Every integer column (ids, capacities, counts, money in minor units) is a 32-bit
``INTEGER`` on PostgreSQL, and SQLite cannot bind anything past 2**63. A number outside
that range can never be stored nor name a row, so it is refused where it arrives, naming
the field, instead of failing in the database as a 500.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated

from pydantic import Field

from app.currencies import clean_currency
from app.errors import Invalid
from app.formatting import parse_money
from app.path_ids import MAX_ID

# The same bound the ``{x:id}`` path convertor applies to ids in URLs.
DB_INT_MAX = MAX_ID
DB_INT_MIN = -DB_INT_MAX - 1

DbInt = Annotated[int, Field(ge=DB_INT_MIN, le=DB_INT_MAX)]
"""An integer a database column can hold; pydantic answers 422 naming the field otherwise."""

# ASCII digits only: str.isdigit() also accepts "²", which int() then refuses.
_WHOLE = re.compile(r"[+-]?[0-9]+")
_MAX_DIGITS = len(str(DB_INT_MAX))


def _whole(text: str) -> int | None:
    """The whole number ``text`` spells, None when it is none; may be out of range."""
    cleaned = text.strip()
    if not _WHOLE.fullmatch(cleaned):
        return None
    # Count the digits first: a number with thousands of digits never reaches int(),
    # which is slow on them (and refuses them past Python's digit limit).
    if len(cleaned.lstrip("+-").lstrip("0")) > _MAX_DIGITS:
        return DB_INT_MAX + 1 if not cleaned.startswith("-") else DB_INT_MIN - 1
    return int(cleaned)


def form_int(text: str, label: str) -> int:
    """A form field's whole number that a column can hold; ``Invalid`` names the field."""
    value = _whole(text)
    if value is None:
        raise Invalid(f"{label}: give a whole number.")
    if value > DB_INT_MAX:
        raise Invalid(f"{label}: the number is too large (at most {DB_INT_MAX:,}).")
    if value < DB_INT_MIN:
        raise Invalid(f"{label}: the number is too small (at least {DB_INT_MIN:,}).")
    return value


def form_currency(text: str, label: str = "Currency") -> str:
    """A currency code typed in a form or an API body, from ``app.currencies``' one list."""
    try:
        return clean_currency(text, label)
    except ValueError as exc:
        raise Invalid(str(exc)) from None


def form_money(text: str, label: str, currency: str) -> int:
    """A form field's amount in minor units of ``currency`` (its decimals: JPY none, BHD
    three), by the one rule of ``formatting.parse_money``."""
    try:
        return parse_money(text, label, currency)
    except ValueError as exc:
        raise Invalid(str(exc)) from None


def form_date(text: str, label: str) -> date:
    """A form field's date, typed as YYYY-MM-DD (what ``<input type=date>`` sends)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(f"{label}: give a date as YYYY-MM-DD.") from None


def form_time(text: str, label: str) -> time:
    """A form field's time of day, typed as HH:MM (what ``<input type=time>`` sends)."""
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(f"{label}: give a time as HH:MM, e.g. 09:00.") from None


def form_id(text: str) -> int | None:
    """The row id a form field names, or None when it can name none (empty, not a number,
    out of range): the caller answers as for any unknown id."""
    value = _whole(text)
    if value is None or not 1 <= value <= DB_INT_MAX:
        return None
    return value


def folded_text(text: str, *, most: int, missing: str, too_long: str) -> str:
    """Typed text with its white space folded to single spaces; ``Invalid(missing)`` when
    nothing is left, ``Invalid(too_long)`` past ``most`` characters."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise Invalid(missing)
    if len(cleaned) > most:
        raise Invalid(too_long)
    return cleaned


def reason_text(text: str, *, most: int, missing: str) -> str:
    """A reason someone must give (kept with a seat, shown on a revoked certificate):
    folded, present, and at most ``most`` characters."""
    return folded_text(
        text, most=most, missing=missing, too_long=f"Keep the reason under {most} characters."
    )
