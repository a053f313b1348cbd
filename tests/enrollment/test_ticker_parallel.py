"""Several tickers at once (PostgreSQL): each session is decided once, each reminder sent once.

Needs committed data and truly parallel transactions, so it runs on a scratch database.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.db import make_engine
from app.enrollment.models import Reminder
from app.enrollment.ticker import run_due_work
from app.scheduling.models import CourseSession
from tests.factories import make_user, read_outbox
from tests.pg import scratch_database
from tests.scheduling.calendars.helpers import enrol
from tests.scheduling.factories import make_session

pytestmark = pytest.mark.postgres_only

WORKERS = 4
NOW = datetime(2026, 12, 15, 15, 0, tzinfo=UTC)  # 10:00 in New York


def test_parallel_tickers_do_each_thing_once(outbox: Path) -> None:
    with scratch_database("apex_ticker") as url:
        migrate.upgrade(url=url)
        engine = make_engine(url)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        try:
            with factory() as db:
                doomed = make_session(
                    db, starts_on=date(2026, 12, 22), min_participants=5, go_no_go_on=NOW.date()
                )
                for _ in range(3):
                    enrol(db, doomed, make_user(db))
                running = make_session(db, starts_on=date(2026, 12, 18))
                for _ in range(5):
                    enrol(
                        db, running, make_user(db), confirmed_at=datetime(2026, 12, 1, tzinfo=UTC)
                    )
                db.commit()
                doomed_id = doomed.id

            barrier = threading.Barrier(WORKERS)
            results: list[dict[str, int]] = []
            errors: list[BaseException] = []

            def tick() -> None:
                db: Session = factory()
                try:
                    barrier.wait()
                    results.append(run_due_work(db, NOW))
                    db.commit()
                except BaseException as exc:  # reported below, with the thread's error
                    errors.append(exc)
                    db.rollback()
                finally:
                    db.close()

            threads = [threading.Thread(target=tick) for _ in range(WORKERS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)

            assert errors == []
            assert sum(r["sessions_cancelled"] for r in results) == 1
            assert sum(r["reminders_sent"] for r in results) == 5
            with factory() as db:
                session = db.get(CourseSession, doomed_id)
                assert session is not None and session.status == "cancelled"
                assert session.sequence == 1
                assert db.scalar(select(func.count(Reminder.id))) == 5
            assert (
                len(read_outbox(outbox)) == 3 + 5
            )  # three told of the cancellation, five reminded
        finally:
            engine.dispose()
