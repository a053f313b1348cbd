"""Engine, session factory, declarative base, the per-request session dependency, and the
database primitives everyone shares: row locks, insert-or-ignore, one ``transaction()``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, TypeVar

from fastapi import Depends
from sqlalchemy import (
    CursorResult,
    DateTime,
    Engine,
    Enum,
    MetaData,
    Select,
    create_engine,
    event,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from app.config import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose constraint names are stable across databases."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


M = TypeVar("M", bound="Base")
S = TypeVar("S", bound=Select[Any])


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite has no time zone support, so without this a value read back would be naive
    and comparisons with ``utcnow()`` would raise.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def status_type(enum: type[StrEnum], length: int) -> Enum:
    """A status column's type: ``enum``'s values in a plain VARCHAR(``length``).

    Not a database enum and no CHECK constraint, so adding a value needs no migration;
    an unknown value is still refused on write (``validate_strings``) and rows read
    back as ``enum`` members, which compare and serialise as their strings.
    """
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and real SAVEPOINT support."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    settings = get_settings()
    kwargs.setdefault("pool_size", settings.db_pool_size)
    kwargs.setdefault("max_overflow", settings.db_max_overflow)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT (used by tests and nested
    # work); take over BEGIN ourselves, as the SQLAlchemy docs recommend.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    # IMMEDIATE takes the write lock at the start: a request that reads and then writes
    # cannot fail half-way with "database is locked" because a background thread
    # committed in between (SQLite cannot upgrade a read transaction that is out of date).
    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def dialect_insert(db: Session, model: type[Base]) -> Any:
    """``INSERT`` for ``model`` in the session's own dialect, so ``ON CONFLICT`` is
    available (PostgreSQL and SQLite both have it; SQLAlchemy's generic insert does not)."""
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def insert_ignore(db: Session, model: type[Base], values: dict[str, Any], keys: list[str]) -> bool:
    """Insert a row unless one with the same unique ``keys`` exists; True when inserted.

    Done in the database (ON CONFLICT DO NOTHING) rather than check-then-insert, so two
    requests racing (a double click, a redelivered webhook) cannot fail on the constraint.
    """
    statement = (
        dialect_insert(db, model).values(**values).on_conflict_do_nothing(index_elements=keys)
    )
    result: CursorResult[Any] = db.execute(statement)  # type: ignore[assignment]
    return bool(result.rowcount)


def for_update(query: S) -> S:
    """Add the row lock (SELECT ... FOR UPDATE); SQLite ignores it and serialises writers.

    The one place a lock is added, so the concurrency tests can replace it with a no-op
    and show the oversell that happens without it.
    """
    return query.with_for_update()


def lock_rows(db: Session, model: type[M], ids: Iterable[int]) -> dict[int, M]:
    """Lock ``model`` rows by primary key, in ascending id order, and return them fresh.

    Sorting the ids is what keeps two transactions that lock overlapping sets from
    deadlocking; the order between tables is in docs/locking.md.
    """
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    key = model.__mapper__.primary_key[0]
    query = select(model).where(key.in_(wanted)).order_by(key)
    rows = db.scalars(for_update(query).execution_options(populate_existing=True)).all()
    return {getattr(row, key.name): row for row in rows}


def lock_one(db: Session, query: Select[M]) -> M | None:
    """Lock the one row ``query`` selects (e.g. a promo code by its code) and read it fresh."""
    return db.scalar(for_update(query).execution_options(populate_existing=True))


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    settings = get_settings()
    if settings.database_url.startswith("sqlite:///"):
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.database_url)


@lru_cache
def get_session_factory() -> sessionmaker[Session]:
    """Session factory bound to the process-wide engine."""
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session] | None = None) -> Iterator[Session]:
    """A session committed once on success, rolled back on any error, always closed."""
    session = (factory or get_session_factory())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_db() -> Iterator[Session]:
    """Request dependency: one session, committed once at the edge or rolled back."""
    with transaction() as session:
        yield session


# scope="function" makes FastAPI run the commit before the response is sent, so a
# redirect never reaches the browser ahead of the data it points at.
DbSession = Annotated[Session, Depends(get_db, scope="function")]
