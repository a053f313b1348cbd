"""How much a seat may cost before the coordinator must say the price is meant.

A price of 99,999 for a one-day course is a typo far more often than a decision, and
once seats are sold at it the mistake reaches learners' cards. Above the bound a price
is refused unless the form's "Yes, this price is right" box (API: ``confirm_high_price``)
is ticked.
"""

from __future__ import annotations

from app.currencies import decimals
from app.errors import Invalid
from app.formatting import money, parse_money

# In major units of the session's currency (USD 20,000.00, EUR 20,000.00; JPY 2,000,000).
HIGH_PRICE_UNITS = 20_000
CONFIRM_LABEL = "Yes, this price is right"


def high_price_bound(currency: str) -> int:
    """The bound in minor units (cents), by the one money rule of ``formatting``.

    Currencies without decimals (JPY, KRW) count in much smaller units, so their bound is
    a hundred times higher: a rough scale, not an exchange rate.
    """
    scale = 100 if decimals(currency) == 0 else 1
    return parse_money(str(HIGH_PRICE_UNITS * scale), "Price", currency)


def check_price(
    cents: int, currency: str, *, label: str, confirmed: bool, courses: int | None = None
) -> None:
    """``Invalid`` for a seat's price above the bound, or a programme's above the bound per
    course it holds (``courses``), unless the coordinator confirmed it."""
    bound = high_price_bound(currency) * (courses or 1)
    if confirmed or cents <= bound:
        return
    per = " per seat" if courses is None else f" for {courses} course{'s' * (courses != 1)}"
    raise Invalid(
        f"{label}: {money(cents, currency)} is more than {money(bound, currency)}{per}. "
        f"If that is right, tick “{CONFIRM_LABEL}” and save again."
    )
