"""Login throttling per account and per client address.

After a few failures each further failure is answered late (a doubling delay), which
makes guessing slow without locking anyone out over a typo; after many failures in the
window the account or address is refused with 429 until the window has passed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.accounts.models import LoginThrottle
from app.config import get_settings
from app.db import utcnow
from app.errors import TooManyRequests


def throttle_keys(email: str, address: str | None) -> list[str]:
    """The counters a sign-in attempt is charged to."""
    keys = [f"email:{email.strip().lower()}"]
    if address:
        keys.append(f"ip:{address}")
    return keys


def _live_rows(db: Session, keys: Iterable[str]) -> list[LoginThrottle]:
    window = timedelta(seconds=get_settings().login_window_seconds)
    now = utcnow()
    rows = []
    for key in keys:
        row = db.get(LoginThrottle, key, with_for_update=True)
        if row is None:
            continue
        if row.first_failure_at + window <= now:
            db.delete(row)
            continue
        rows.append(row)
    return rows


def check_allowed(db: Session, keys: list[str]) -> None:
    """Raise 429 (with Retry-After) when any key has used up its failures."""
    settings = get_settings()
    window = timedelta(seconds=settings.login_window_seconds)
    for row in _live_rows(db, keys):
        if row.failures >= settings.login_max_failures:
            retry_after = int((row.first_failure_at + window - utcnow()).total_seconds()) + 1
            minutes = max(1, round(retry_after / 60))
            raise TooManyRequests(
                "Too many failed sign-in attempts. "
                f"Try again in about {minutes} minute{'s' if minutes != 1 else ''}, "
                "or reset your password.",
                retry_after=retry_after,
            )


def record_failure(db: Session, keys: list[str]) -> float:
    """Count a failure against every key; returns the delay (seconds) to answer with."""
    settings = get_settings()
    now = utcnow()
    live = {row.key: row for row in _live_rows(db, keys)}
    worst = 0
    for key in keys:
        row = live.get(key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, first_failure_at=now, last_failure_at=now)
            db.add(row)
        row.failures += 1
        row.last_failure_at = now
        worst = max(worst, row.failures)
    db.flush()
    over = worst - settings.login_slowdown_after
    if over < 0:
        return 0.0
    return min(settings.login_delay_base_seconds * (2**over), settings.login_delay_max_seconds)


def clear_failures(db: Session, email: str) -> None:
    """Forget an account's failures after a successful sign-in."""
    db.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(throttle_keys(email, None))))


def slow_down(seconds: float) -> None:
    """Hold the answer to a failed attempt (runs in a worker thread, not the event loop)."""
    if seconds > 0:
        time.sleep(seconds)
