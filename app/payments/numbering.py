"""Gapless document numbers: invoices (INV-2026-000001) and credit notes (CN-2026-000001).

Each series counts from 1 in each calendar year (UTC, the date the document is issued),
in one ``document_sequences`` row per series and year. ``issue`` locks that row and adds
one in the transaction that issues the document, so a number is given once, in order,
and a transaction that rolls back gives its number back with everything else: no gaps,
no duplicates, under any number of concurrent checkouts. It is the last lock a
transaction takes (docs/locking.md), so it is held only from numbering to commit.

The row of a year is made on first use (race-safely, with ``insert_ignore``) and starts
after the highest number of that series and year already on record, so numbers given
before this module existed (``INV-2026-<order id>``) are never given again and are left
as they are.

APEX has one seller (the ``invoice_seller_*`` settings), so a series is keyed by a fixed
code, ``INV`` or ``CN``, not by the seller's name: correcting the name in the settings
must not restart the numbering. A second seller would get series keys of its own.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.db import insert_ignore, lock_one
from app.payments.models import DocumentSequence, Order, Refund

INVOICE = "INV"
CREDIT_NOTE = "CN"

# Where each series' numbers are kept, to find the highest one given before a year's row.
_ISSUED: dict[str, InstrumentedAttribute[str | None]] = {
    INVOICE: Order.invoice_number,
    CREDIT_NOTE: Refund.credit_note_number,
}
_DIGITS = re.compile(r"[0-9]+")


def format_number(series: str, year: int, number: int) -> str:
    """'INV-2026-000042': series, year, and the number in six digits (more past 999,999)."""
    return f"{series}-{year}-{number:06d}"


def highest_issued(db: Session, series: str, year: int) -> int:
    """The highest number of ``series`` and ``year`` on record (0 for none)."""
    column = _ISSUED[series]
    prefix = f"{series}-{year}-"
    highest = 0
    for value in db.scalars(select(column).where(column.like(f"{prefix}%"))):
        suffix = (value or "")[len(prefix) :]
        if _DIGITS.fullmatch(suffix):
            highest = max(highest, int(suffix))
    return highest


def next_number(db: Session, series: str, year: int) -> int:
    """The next number of ``series`` in ``year``, under the row lock (kept until commit)."""
    if series not in _ISSUED:
        raise ValueError(f"unknown document series {series!r}")
    row_query = select(DocumentSequence).where(
        DocumentSequence.series == series, DocumentSequence.year == year
    )
    exists = select(DocumentSequence.last_number).where(
        DocumentSequence.series == series, DocumentSequence.year == year
    )
    if db.scalar(exists) is None:
        # First use this year: two transactions may both get here; one row is made.
        start = highest_issued(db, series, year)
        insert_ignore(
            db,
            DocumentSequence,
            {"series": series, "year": year, "last_number": start},
            ["series", "year"],
        )
    row = lock_one(db, row_query)
    assert row is not None  # made above, by this transaction or a committed one
    row.last_number += 1
    db.flush()
    return row.last_number


def issue(db: Session, series: str, on: date) -> str:
    """Give the next number of ``series`` for a document issued on ``on``: 'CN-2026-000007'."""
    return format_number(series, on.year, next_number(db, series, on.year))
