"""Alembic environment: the app's metadata, its settings' database, batch mode on SQLite."""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from app.config import get_settings
from app.db import UtcDateTime, make_engine
from app.registry import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    # Migrations must not import app code that may change later: write the app's
    # UTC timestamp type as the plain SQLAlchemy type it stores.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_item=_render_item,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(conn, on=False)
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _refuse_dangling_references(conn)
        if sqlite:
            _sqlite_foreign_keys(conn, on=True)
    engine.dispose()


def _sqlite_foreign_keys(conn: Connection, *, on: bool) -> None:
    # Batch mode rebuilds a table (copy, DROP, rename). With foreign keys enforced, that
    # DROP deletes the rows of every table referencing it through ON DELETE CASCADE
    # (e.g. session_days and enrolments when course_sessions is rebuilt). The pragma is
    # ignored inside a transaction, so it is set on the driver connection before BEGIN.
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _refuse_dangling_references(conn: Connection) -> None:
    # With enforcement off, check once at the end, so a migration cannot leave rows that
    # point at nothing (raising here rolls the whole upgrade back).
    problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise RuntimeError(f"migration left rows with broken foreign keys: {problems[:10]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
