"""Migrations go up, down and up again, and leave no drift (alembic check) — on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, func, inspect, select

from app import migrate
from app.db import make_engine
from app.registry import Base
from tests.pg import scratch_database


def _round_trip(url: str) -> None:
    migrate.upgrade(url=url)
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        migrate.check(url=url)  # raises on drift
        migrate.downgrade("base", url=url)
        remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        migrate.upgrade(url=url)
        migrate.check(url=url)
    finally:
        engine.dispose()


def test_sqlite_round_trip(tmp_path: Path) -> None:
    _round_trip(f"sqlite:///{tmp_path / 'migrations.db'}")


@pytest.fixture
def scratch_postgres_url() -> Iterator[str]:
    """A brand-new PostgreSQL database on the test server, dropped afterwards."""
    with scratch_database("apex_migrations") as url:
        yield url


def test_postgres_round_trip(scratch_postgres_url: str) -> None:
    _round_trip(scratch_postgres_url)


BEFORE_PINS = "6190a720fc81"  # the revision before sessions pinned their course version
T1 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
T2 = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)


def _seed_before_pins(engine: Engine) -> None:
    meta = MetaData()
    meta.reflect(engine)
    t = meta.tables
    version = {
        "content_hash": "h", "title": "T", "summary": "", "credit_hours": 7.0,
        "free_online": False, "spec": {}, "archive": b"", "source": "s", "created_at": T1,
    }  # fmt: skip
    session = {
        "sequence": 0, "format_id": "one-day", "starts_on": date(2026, 3, 2),
        "ends_on": date(2026, 3, 2), "start_time": time(9), "end_time": time(17),
        "timezone": "UTC", "capacity": 10, "price_cents": 0, "currency": "USD",
        "min_participants": 0, "status": "scheduled", "cancel_reason": "",
        "created_at": T1, "updated_at": T1,
    }  # fmt: skip

    def cert(id_: int, user: int, version_id: int, session_id: int | None, **more: object):
        return {
            "id": id_, "serial": f"S{id_}", "token": f"t{id_}", "user_id": user,
            "course_id": 1, "course_version_id": version_id, "session_id": session_id,
            "holder_name": "H", "course_title": "T", "course_version": "1",
            "credit_hours": 7.0, "first_date": date(2026, 3, 2), "last_date": date(2026, 3, 2),
            "facilitator_names": "", "issued_at": T1, "revoked_at": None,
            "revoke_reason": "", "replaced_by_id": None, **more,
        }  # fmt: skip

    with engine.begin() as conn:
        for id_ in (1, 2):
            conn.execute(t["users"].insert(), {"id": id_, "email": f"u{id_}@example.com",
                         "display_name": "U", "password_hash": "x", "is_active": True,
                         "created_at": T1})  # fmt: skip
        conn.execute(t["courses"].insert(), [{"id": 1, "slug": "a", "created_at": T1},
                                             {"id": 2, "slug": "b", "created_at": T1}])  # fmt: skip
        conn.execute(t["course_versions"].insert(), [
            {**version, "id": 1, "course_id": 1, "version": "1", "is_current": False},
            {**version, "id": 2, "course_id": 1, "version": "2", "content_hash": "h2",
             "is_current": True},
        ])  # fmt: skip
        conn.execute(t["course_sessions"].insert(), [
            {**session, "id": 10, "uid": "s10", "course_id": 1},  # has certificates (v1)
            {**session, "id": 11, "uid": "s11", "course_id": 1},  # none: the current (v2)
            {**session, "id": 12, "uid": "s12", "course_id": 2},  # course without versions
        ])  # fmt: skip
        conn.execute(t["session_days"].insert(), [
            {"session_id": 10, "day_index": 1, "date": date(2026, 3, 2)},
            {"session_id": 11, "day_index": 1, "date": date(2026, 3, 2)},
        ])  # fmt: skip
        conn.execute(t["certificates"].insert(), [
            cert(1, 1, 1, None),  # online, then the same version in session 10: two in force
            cert(2, 1, 1, 10, issued_at=T2),
            cert(3, 2, 1, 10),
            cert(4, 1, 2, None, revoked_at=T1, revoke_reason="mistake"),
            cert(5, 1, 2, None),
        ])  # fmt: skip


def _backfill_round_trip(url: str) -> None:
    migrate.upgrade(BEFORE_PINS, url=url)
    engine = make_engine(url)
    try:
        _seed_before_pins(engine)
        migrate.upgrade(url=url)
        meta = MetaData()
        meta.reflect(engine)
        sessions, certs = meta.tables["course_sessions"], meta.tables["certificates"]
        with engine.connect() as conn:
            pins = dict(conn.execute(select(sessions.c.id, sessions.c.course_version_id)).all())
            rows = {r.id: r for r in conn.execute(select(certs))}
            days = conn.execute(select(func.count()).select_from(meta.tables["session_days"]))
            assert days.scalar() == 2  # rebuilding course_sessions deleted nothing
        assert pins == {10: 1, 11: 2, 12: None}
        assert (rows[1].replaced_by_id, rows[1].revoke_reason) == (2, "Replaced by S2")
        assert rows[1].revoked_at == rows[2].issued_at  # when the one kept was issued
        for kept in (2, 3, 5):
            assert rows[kept].revoked_at is None and rows[kept].replaced_by_id is None
        assert (rows[4].revoke_reason, rows[4].replaced_by_id) == ("mistake", None)

        migrate.downgrade(BEFORE_PINS, url=url)  # later revisions undone too
        assert "course_version_id" not in {
            c["name"] for c in inspect(engine).get_columns("course_sessions")
        }
        with engine.connect() as conn:
            days = conn.execute(select(func.count()).select_from(meta.tables["session_days"]))
            assert days.scalar() == 2
        migrate.upgrade(url=url)
        migrate.check(url=url)
    finally:
        engine.dispose()


def test_sqlite_backfill_of_pins_and_certificates_in_force(tmp_path: Path) -> None:
    _backfill_round_trip(f"sqlite:///{tmp_path / 'backfill.db'}")


def test_postgres_backfill_of_pins_and_certificates_in_force(scratch_postgres_url: str) -> None:
    _backfill_round_trip(scratch_postgres_url)


def test_revision_files_are_named_by_date_and_slug() -> None:
    versions = Path(__file__).resolve().parent.parent / "migrations" / "versions"
    files = sorted(p.name for p in versions.glob("*.py"))
    assert files, "no migrations found"
    import re

    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}_[a-z0-9_]+\.py", name) for name in files), files
