"""The ticker's pass: time-driven work, each part in its own transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import WebSession
from app.config import get_settings
from app.db import utcnow
from app.jobs import start_ticker, tick_once


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


def test_the_ticker_follows_its_setting_not_the_environment_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = get_settings()
    assert settings.env == "test"
    monkeypatch.setattr(settings, "run_ticker", False)
    assert start_ticker() is None
    monkeypatch.setattr(settings, "run_ticker", True)
    monkeypatch.setattr(settings, "ticker_seconds", 3600)  # started, never ticks here
    ticker = start_ticker()
    assert ticker is not None
    ticker.stop()
