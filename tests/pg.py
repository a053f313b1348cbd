"""Scratch PostgreSQL databases for tests that need committed data or their own schema.

The suite's ``db`` fixture rolls everything back, which is right for most tests but not
for migrations or for real parallel transactions; those get a brand-new database on the
test server, dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.db import make_engine
from tests.conftest import TEST_DATABASE_URL, is_postgres, skip_or_fail


@contextmanager
def scratch_database(prefix: str = "apex_scratch") -> Iterator[str]:
    """Create an empty database next to the test database; yield its URL; drop it."""
    if not is_postgres(TEST_DATABASE_URL):
        skip_or_fail("PostgreSQL: set APEX_TEST_DATABASE_URL=postgresql+psycopg://...")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
