"""Migrations go up, down and up again, and leave no drift (alembic check) — on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

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


def test_revision_files_are_named_by_date_and_slug() -> None:
    versions = Path(__file__).resolve().parent.parent / "migrations" / "versions"
    files = sorted(p.name for p in versions.glob("*.py"))
    assert files, "no migrations found"
    import re

    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}_[a-z0-9_]+\.py", name) for name in files), files
