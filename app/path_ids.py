"""The ``id`` path convertor: a database id in a URL, or no match (404).

Every id column is a 32-bit integer on PostgreSQL, and SQLite overflows past 2^63, so an
id out of that range can never name a row: it should read as "nothing here", not reach
the database and fail there. Routes write ``/sessions/{session_id:id}``.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

MAX_ID = 2**31 - 1


def _up_to_max_id() -> str:
    """A regex for the decimal numbers 1 to MAX_ID, written digit by digit from MAX_ID."""
    digits = str(MAX_ID)
    shorter = f"[1-9][0-9]{{0,{len(digits) - 2}}}"  # every number with fewer digits
    same_length = []
    for i, digit in enumerate(digits):
        # Equal to MAX_ID up to position i, smaller at i, anything after it.
        low = "1" if i == 0 else "0"
        if int(digit) > int(low):
            rest = len(digits) - i - 1
            tail = f"[0-9]{{{rest}}}" if rest else ""
            same_length.append(f"{digits[:i]}[{low}-{int(digit) - 1}]{tail}")
    same_length.append(digits)
    return "|".join([shorter, *same_length])


class IdConvertor(Convertor[int]):
    # Out-of-range ids fail to match, so routing answers 404 before any query runs.
    regex = _up_to_max_id()

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


def register() -> None:
    """Make ``{name:id}`` available in route paths (idempotent)."""
    register_url_convertor("id", IdConvertor())
