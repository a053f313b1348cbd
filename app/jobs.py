"""Background work: the ticker for time-driven work, and the document job workers.

Every worker process runs its own ticker; the work it calls is idempotent and takes row
locks, so several tickers at once do each thing once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session

from app.accounts.sessions import prune_expired_sessions
from app.config import get_settings
from app.db import transaction, utcnow
from app.documents.certificates.issuing import issue_due_certificates
from app.documents.session_docs import jobs as document_jobs
from app.enrollment.ticker import run_due_work
from app.payments.abandoned import cancel_abandoned_orders

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
    """Run due work, certificates, abandoned orders and expired sessions, each in its own
    transaction.

    Errors are logged and retried on the next tick, never raised to the thread; a failure
    in one part does not hold back the other.
    """
    done: dict[str, int] = {}
    parts: tuple[tuple[str, Callable[[Session], dict[str, int]]], ...] = (
        ("enrolment", lambda db: run_due_work(db, utcnow())),
        ("certificates", lambda db: {"certificates_issued": issue_due_certificates(db)}),
        ("payments", lambda db: {"orders_abandoned": cancel_abandoned_orders(db, utcnow())}),
        # Expired sign-ins and anonymous rows would otherwise stay in web_sessions forever.
        ("sessions", lambda db: {"sessions_pruned": prune_expired_sessions(db)}),
    )
    for name, work in parts:
        try:
            with transaction() as session:
                done.update(work(session))
        except Exception:
            log.exception("ticker: %s work failed; it will be retried on the next tick", name)
    if any(done.values()):
        log.info("ticker: %s", ", ".join(f"{k}={v}" for k, v in done.items() if v))
    return done


def start_ticker() -> Ticker | None:
    """Start the ticker unless APEX_RUN_TICKER=false (tests drive the work directly)."""
    settings = get_settings()
    if not settings.run_ticker:
        return None
    ticker = Ticker(settings.ticker_seconds)
    ticker.start()
    return ticker


def start_document_workers() -> document_jobs.Workers:
    """Start the document workers: a Dramatiq worker when APEX_REDIS_URL is set."""
    return document_jobs.start_workers()
