"""Sign-in throttling that slows a guesser down without locking the owner out.

Attempts are counted per (account, client address) and per address alone, never per
account alone: a stranger's wrong passwords use up only what *their* address may try,
so the owner signing in from anywhere else is not refused. A browser that signed in to
the account before carries a known-device cookie (``accounts.devices``); its attempts
are counted against that cookie instead, so the owner also gets in from an address a
stranger has used up. A password reset link is never throttled, and it marks the
browser as known.

In each window of ``login_window_seconds`` (15 minutes):

- one account from one address: ``login_max_failures`` (10) attempts, then 429;
- one address, over all accounts: ``ADDRESS_FACTOR`` times that (50), then 429;
- one known-device cookie: ``login_max_failures`` (10), then 429.

From the ``login_slowdown_after``-th (3rd) failure of an account at one address or
device, each failed attempt is answered late: ``login_delay_base_seconds`` doubling up
to ``login_delay_max_seconds``.

Every attempt is counted *before* its password is checked, by one atomic upsert that
returns the new count: parallel guesses each draw their own number, so a burst cannot
slip past the limit, and two first failures cannot both try to insert the row (that
race answered 500 on PostgreSQL and lost the failures). A successful attempt is then
taken back.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import anyio
from sqlalchemy import case, delete, update
from sqlalchemy.orm import Session

from app.accounts.models import LoginThrottle
from app.config import get_settings
from app.db import dialect_insert, utcnow
from app.errors import TooManyRequests

# An office or a campus shares one address; it may fail this many times more than one
# person at one account before it is refused.
ADDRESS_FACTOR = 5

# Keys fit ``login_throttle.key`` (400): an e-mail column holds 320 characters, so longer
# input names no account and may share a counter; addresses are at most 45 (IPv6).
_EMAIL_CHARS = 320
_ADDRESS_CHARS = 64


class Kind(enum.Enum):
    """What a counter stands for, which decides how a success treats it."""

    ACCOUNT = "account"  # one account from one address or device: ends on success
    ADDRESS = "address"  # everything from one address: a success is not a failure


@dataclass(frozen=True)
class Limit:
    """A counter key and the attempts it allows per window."""

    key: str
    most: int
    kind: Kind


def _account_prefix(email: str) -> str:
    return f"account:{email.strip().lower()[:_EMAIL_CHARS]}|"


def limits_for(email: str, address: str | None, *, device: str | None = None) -> list[Limit]:
    """The counters a sign-in attempt is charged to (``device``: a known-device id)."""
    most = get_settings().login_max_failures
    if device is not None:
        return [Limit(f"device:{device}", most, Kind.ACCOUNT)]
    where = (address or "unknown")[:_ADDRESS_CHARS]
    return [
        Limit(f"{_account_prefix(email)}{where}", most, Kind.ACCOUNT),
        Limit(f"ip:{where}", most * ADDRESS_FACTOR, Kind.ADDRESS),
    ]


@dataclass(frozen=True)
class Count:
    """A counter's value after counting one more event."""

    value: int
    window_started: datetime

    def retry_after(self, window: timedelta, now: datetime) -> int:
        """Whole seconds until this count's window ends (a Retry-After never says 0)."""
        return int((self.window_started + window - now).total_seconds()) + 1


def count_event(db: Session, key: str, *, window: timedelta, now: datetime) -> Count:
    """Add one to ``key``'s counter (a new window once the old one ended); race-free.

    One ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``: concurrent callers queue on
    the row and each gets its own count, on PostgreSQL and on SQLite alike.
    """
    insert = dialect_insert(db, LoginThrottle).values(
        key=key, failures=1, first_failure_at=now, last_failure_at=now
    )
    ended = LoginThrottle.first_failure_at <= now - window
    upsert = insert.on_conflict_do_update(
        index_elements=[LoginThrottle.key],
        set_={
            "failures": case((ended, 1), else_=LoginThrottle.failures + 1),
            "first_failure_at": case(
                (ended, insert.excluded.first_failure_at), else_=LoginThrottle.first_failure_at
            ),
            "last_failure_at": now,
        },
    ).returning(LoginThrottle.failures, LoginThrottle.first_failure_at)
    value, started = db.execute(upsert).one()
    return Count(value=value, window_started=started)


def count_or_refuse(
    db: Session,
    key: str,
    *,
    window: timedelta,
    most: int,
    now: datetime,
    refusal: Callable[[int], str],
) -> None:
    """Count one event for ``key``; past ``most`` in its window, 429 with Retry-After.

    ``refusal(seconds)`` words the refusal for the seconds the caller must wait.
    """
    count = count_event(db, key, window=window, now=now)
    if count.value > most:
        retry_after = count.retry_after(window, now)
        raise TooManyRequests(refusal(retry_after), retry_after=retry_after)


@dataclass
class Attempt:
    """One sign-in attempt, counted against its limits."""

    limits: list[Limit]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def delay(self) -> float:
        """How late to answer if this attempt fails (seconds)."""
        settings = get_settings()
        worst = max(
            (self.counts[lim.key] for lim in self.limits if lim.kind is Kind.ACCOUNT), default=0
        )
        over = worst - settings.login_slowdown_after
        if over < 0:
            return 0.0
        delay = settings.login_delay_base_seconds * (2**over)
        return float(min(delay, settings.login_delay_max_seconds))


def start_attempt(db: Session, limits: list[Limit], *, now: datetime | None = None) -> Attempt:
    """Count a sign-in attempt; 429 with Retry-After when a limit is used up in its window."""
    window = timedelta(seconds=get_settings().login_window_seconds)
    now = now or utcnow()
    attempt = Attempt(limits)
    retry_after = 0
    # One key order for everyone, so two attempts never wait on each other's rows crosswise.
    for limit in sorted(limits, key=lambda lim: lim.key):
        count = count_event(db, limit.key, window=window, now=now)
        attempt.counts[limit.key] = count.value
        if count.value > limit.most:
            retry_after = max(retry_after, count.retry_after(window, now))
    if retry_after:
        minutes = max(1, round(retry_after / 60))
        raise TooManyRequests(
            "Too many failed sign-in attempts. "
            f"Try again in about {minutes} minute{'s' if minutes != 1 else ''}, "
            "or reset your password.",
            retry_after=retry_after,
        )
    return attempt


def attempt_succeeded(db: Session, attempt: Attempt) -> None:
    """Take a successful attempt back: its account counter ends, its address's drops one."""
    for limit in attempt.limits:
        if limit.kind is Kind.ACCOUNT:
            db.execute(delete(LoginThrottle).where(LoginThrottle.key == limit.key))
        else:
            db.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == limit.key, LoginThrottle.failures > 0)
                .values(failures=LoginThrottle.failures - 1)
            )


def forget_account(db: Session, email: str) -> None:
    """Forget an account's counters at every address (its owner proved themselves)."""
    prefix = _account_prefix(email)
    db.execute(delete(LoginThrottle).where(LoginThrottle.key.startswith(prefix, autoescape=True)))


async def answer_late(seconds: float) -> None:
    """Hold the answer to a failed attempt, in the event loop (no thread, no transaction)."""
    if seconds > 0:
        await anyio.sleep(seconds)
