"""Time-driven work: expire holds and offers, promote the waitlist, go/no-go, reminders.

(being written) ``run_due_work`` must be idempotent: several workers may run it at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session


def run_due_work(db: Session, now: datetime) -> dict[str, int]:
    """Do everything that is due at ``now``; returns counts per kind of work."""
    return {}
