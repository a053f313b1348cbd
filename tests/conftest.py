"""Test set-up: isolated settings, a migrated database, one rolled-back transaction per test.

The suite runs on SQLite by default and on PostgreSQL when ``APEX_TEST_DATABASE_URL`` is
set. Services that are missing make their tests skip, unless ``APEX_REQUIRE_SERVICES=1``
(CI), where a missing service is a failure.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from app.config import Settings, get_settings

# Settings are read once from the environment, so the test environment is fixed here,
# before any app module asks for them.
_TMP = Path(tempfile.mkdtemp(prefix="apex-tests-"))
_OUTER = Settings()
TEST_DATABASE_URL = _OUTER.test_database_url or f"sqlite:///{_TMP / 'test.db'}"
REQUIRE_SERVICES = _OUTER.require_services
REDIS_URL = _OUTER.test_redis_url
os.environ.update(
    {
        "APEX_ENV": "test",
        # Tests drive time-driven work and document jobs themselves.
        "APEX_RUN_TICKER": "false",
        "APEX_RUN_DOCUMENT_WORKER": "false",
        "APEX_VAR_DIR": str(_TMP / "var"),
        "APEX_DATABASE_URL": TEST_DATABASE_URL,
        "APEX_SECRET_KEY": "test-secret-key-not-for-production",
        "APEX_SMTP_HOST": "",
        "APEX_BASE_URL": "http://testserver",
        "APEX_LOGIN_DELAY_BASE_SECONDS": "0.01",
        "APEX_LOGIN_DELAY_MAX_SECONDS": "0.05",
        "APEX_LOAD_DEMO_DATA": "false",
    }
)
get_settings.cache_clear()

from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import Connection, Engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app import migrate, wiring  # noqa: E402
from app.db import get_engine, get_session_factory, make_engine  # noqa: E402
from app.main import create_app  # noqa: E402

# The features' hooks are connected as in every production process (web, CLI, worker),
# so a service test sees the same receivers whether or not a test built the app first.
wiring.wire()


def skip_or_fail(reason: str) -> None:
    """Skip a test for a missing service, or fail when CI requires every service."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing (APEX_REQUIRE_SERVICES=1): {reason}")
    pytest.skip(reason)


def is_postgres(url: str) -> bool:
    """True for a PostgreSQL URL."""
    return url.startswith("postgresql")


def _reset_database(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    """The suite's database, emptied and migrated to head once per run."""
    probe = make_engine(TEST_DATABASE_URL)
    try:
        with probe.connect():
            pass
    except Exception as exc:
        probe.dispose()
        pytest.exit(f"test database {TEST_DATABASE_URL} is not reachable: {exc}", returncode=3)
    _reset_database(probe)
    probe.dispose()
    migrate.upgrade(url=TEST_DATABASE_URL)
    engine = get_engine()
    yield engine
    engine.dispose()


@contextmanager
def production_sessions_on(bind: Engine | Connection, **options: Any) -> Iterator[None]:
    """Bind the app's own session factory (what ``get_db`` uses) to ``bind`` for a while.

    Tests reach a scratch database or a rolled-back connection this way instead of
    overriding ``get_db``, so requests keep production's session lifecycle.
    """
    factory = get_session_factory()
    saved = dict(factory.kw)
    factory.configure(bind=bind, **options)
    try:
        yield
    finally:
        factory.kw.clear()
        factory.kw.update(saved)


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """The test's session, inside one connection-level transaction rolled back afterwards.

    The production session factory is bound to that same connection for the test, so
    every request opens, commits and closes its own session exactly as under
    ``apex serve``; a ``commit()`` then releases a SAVEPOINT instead of the transaction,
    and nothing a test does survives it.
    """
    connection = engine.connect()
    transaction = connection.begin()
    with production_sessions_on(connection, join_transaction_mode="create_savepoint"):
        session = get_session_factory()()
        try:
            yield session
        finally:
            session.close()
            if transaction.is_active:
                transaction.rollback()
            connection.close()


class PersonClient(TestClient):
    """A browser-like client for the real app, in step with the test's own session.

    Both sessions share one connection, so before each request it flushes what the test
    arranged (the request's own session then sees it); after each it expires the test's
    objects, so the test reads what the request stored rather than stale copies. The
    app and its sessions are untouched.
    """

    def __init__(self, app: FastAPI, db: Session, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._db = db

    def request(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self._db.flush()
        try:
            return super().request(*args, **kwargs)
        finally:
            self._db.expire_all()


@pytest.fixture
def app(db: Session) -> FastAPI:
    """The production application; its requests share the test's rolled-back connection."""
    return create_app()


@pytest.fixture
def client(app: FastAPI, db: Session) -> Iterator[TestClient]:
    """An HTTP client for the app that keeps cookies like a browser."""
    with PersonClient(app, db, base_url="http://testserver", follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def outbox() -> Path:
    """The folder where mail lands when no SMTP host is set (emptied for the test)."""
    folder = get_settings().outbox_dir
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.eml"):
        old.unlink()
    return folder
