"""Background work: the in-process ticker that runs time-driven enrolment work.

Every worker process runs its own ticker; the work it calls is idempotent and takes row
locks, so several tickers at once do each thing once.
"""

from __future__ import annotations

import logging
import threading

from app.config import get_settings
from app.db import get_session_factory, utcnow
from app.enrollment.ticker import run_due_work

log = logging.getLogger(__name__)


class Ticker:
    """A daemon thread calling ``run_due_work`` every ``APEX_TICKER_SECONDS``."""

    def __init__(self, interval_seconds: float) -> None:
        self.interval = interval_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="apex-ticker", daemon=True)

    def start(self) -> None:
        """Start ticking in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to finish and wait briefly for it."""
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            tick_once()


def tick_once() -> dict[str, int]:
    """Run due work in its own transaction; errors are logged, never raised to the thread."""
    session = get_session_factory()()
    try:
        done = run_due_work(session, utcnow())
        session.commit()
        if any(done.values()):
            log.info("ticker: %s", ", ".join(f"{k}={v}" for k, v in done.items() if v))
        return done
    except Exception:
        session.rollback()
        log.exception("ticker: due work failed; it will be retried on the next tick")
        return {}
    finally:
        session.close()


def start_ticker() -> Ticker | None:
    """Start the ticker unless settings switch it off (tests drive the work directly)."""
    settings = get_settings()
    if not settings.run_ticker or settings.env == "test":
        return None
    ticker = Ticker(settings.ticker_seconds)
    ticker.start()
    return ticker
