"""Currencies: the one list of ISO 4217 codes a price may be in, and their decimals.

A leaf (it imports nothing from the app), so the formatting of money, the reading of
form fields and every feature that accepts a currency (series, sessions, promo codes)
ask the same list. Money is stored in integer minor units of its currency, and how many
decimals a currency has (JPY 0, USD 2, BHD 3) comes from here too.

The list is the currencies that are legal tender somewhere today, from the CLDR data that
Babel ships: ISO 4217 codes, without historic ones (DEM, FRF), funds and metals (XAU).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from babel.core import get_global
from babel.numbers import get_currency_precision, get_territory_currencies

EXAMPLES = "USD, EUR, GBP or JPY"


@lru_cache(maxsize=1)
def codes() -> frozenset[str]:
    """Every accepted currency code (about 150)."""
    today = date.today()
    found: set[str] = set()
    for territory in get_global("territory_currencies"):
        found.update(get_territory_currencies(territory, today, tender=True))
    return frozenset(found)


def decimals(code: str) -> int:
    """How many decimals the currency has (its minor units): JPY 0, USD 2, BHD 3."""
    return int(get_currency_precision(code.strip().upper()))


def clean_currency(text: str, label: str = "Currency") -> str:
    """The ISO 4217 code ``text`` names ('usd ' → 'USD'); ``ValueError`` saying why not."""
    code = text.strip().upper()
    if not code:
        raise ValueError(f"{label}: give a three-letter ISO 4217 code such as {EXAMPLES}.")
    if code not in codes():
        shown = code if len(code) <= 12 else f"{code[:12]}…"
        raise ValueError(
            f"{label}: {shown} is not an ISO 4217 currency code; give a three-letter code "
            f"such as {EXAMPLES}."
        )
    return code
