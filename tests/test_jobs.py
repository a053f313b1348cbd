"""The ticker's pass: time-driven work, each part in its own transaction."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import WebSession
from app.db import utcnow
from app.jobs import tick_once


def test_a_tick_deletes_expired_sessions_and_keeps_live_ones(db: Session) -> None:
    now = utcnow()
    db.add_all(
        [
            WebSession(id="expired-" + "0" * 56, csrf_token="a", data={}, expires_at=now),
            WebSession(
                id="live-" + "0" * 59, csrf_token="b", data={}, expires_at=now + timedelta(days=1)
            ),
        ]
    )
    db.flush()
    done = tick_once()
    db.expire_all()
    assert done["sessions_pruned"] == 1
    left = set(db.scalars(select(WebSession.id).where(WebSession.id.like("%-0000%"))))
    assert left == {"live-" + "0" * 59}
