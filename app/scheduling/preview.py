"""The rule preview: the next dates a rule or preset gives, and the per-address limit on it.

Public (no account, no database rows read): the series form and ``GET
/api/v1/series/preview`` ask it while a coordinator types a rule.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from app.accounts import throttle
from app.config import get_settings
from app.db import utcnow
from app.scheduling import recurrence


def preview(
    rule: str,
    start: date,
    tz: str,
    *,
    count: int = 12,
    holiday_country: str | None = None,
    policy: str = "skip",
    weekday: str | None = None,
) -> tuple[str, list[recurrence.Occurrence]]:
    """The RRULE a rule or preset stands for and its next ``count`` dates (no database)."""
    resolved = recurrence.resolve_rule(rule, weekday=weekday)
    found = recurrence.occurrences(
        resolved,
        start,
        tz,
        count=count,
        holiday_country=holiday_country or None,
        policy=policy,
    )
    if not found:
        raise recurrence.no_dates(start)
    return resolved, found


def count_preview(db: Session, address: str | None, *, now: datetime | None = None) -> None:
    """Count one public date preview for a client address; 429 once its window's limit is hit.

    The preview needs no account and each one may cost up to ``recurrence.RULE_SECONDS``
    of CPU, so one address may only ask so often (the series form's live preview asks
    once per pause in typing, far below the limit).
    """
    settings = get_settings()
    now = now or utcnow()
    # The sign-in throttle's counter: one race-free upsert per event and key.
    key = f"preview:{(address or 'unknown')[:64]}"  # fits login_throttle.key like the others
    throttle.count_or_refuse(
        db,
        key,
        window=timedelta(seconds=settings.preview_window_seconds),
        most=settings.preview_requests_per_window,
        now=now,
        refusal=lambda wait: (
            "Too many date previews from your address; "
            f"try again in {wait} second{'s' if wait != 1 else ''}."
        ),
    )
