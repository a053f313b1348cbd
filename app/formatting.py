"""How pages write dates and times for machines (``<time datetime>``), in one place."""

from __future__ import annotations

from datetime import UTC, date, datetime


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
