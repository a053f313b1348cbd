"""Test set-up: isolated settings, a migrated database, one rolled-back transaction per test.

The suite runs on SQLite by default and on PostgreSQL when ``APEX_TEST_DATABASE_URL`` is
set. Services that are missing make their tests skip, unless ``APEX_REQUIRE_SERVICES=1``
(CI), where a missing service is a failure.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

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
from sqlalchemy import Engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app import migrate  # noqa: E402
from app.db import get_db, get_engine, make_engine  # noqa: E402
from app.main import create_app  # noqa: E402


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


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    ``commit()`` inside the app only releases a SAVEPOINT, so nothing a test does
    survives it.
    """
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        if transaction.is_active:
            transaction.rollback()
        connection.close()


@pytest.fixture
def app(db: Session) -> FastAPI:
    """The application, with every request using the test's session."""
    application = create_app()

    def _test_db() -> Iterator[Session]:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise

    application.dependency_overrides[get_db] = _test_db
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client for the app that keeps cookies like a browser."""
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def outbox() -> Path:
    """The folder where mail lands when no SMTP host is set (emptied for the test)."""
    folder = get_settings().outbox_dir
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.eml"):
        old.unlink()
    return folder
