"""The programmes migration keeps a database's day bundles, their enrolments and their
orders intact (as booking groups), turns bundle prices into programmes, and goes back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, inspect, text

from app import migrate
from app.db import make_engine
from tests.pg import scratch_database

BEFORE = "6a1d0c9e5b21"  # the revision before programmes (seat payers)
T1 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
FRIDAY = date(2027, 1, 29)


def _seed(engine: Engine) -> None:
    """Three series (a 3-track one with a bundle price, one without a price, a 1-track one
    with a price), a day bundle of two seats on the first, its order, and a single seat."""
    meta = MetaData()
    meta.reflect(engine)
    t = meta.tables
    series = {
        "rrule": "FREQ=MONTHLY;BYDAY=-1FR", "timezone": "America/New_York",
        "starts_on": FRIDAY, "start_time": time(9), "end_time": time(16, 30),
        "format_id": "one-day", "default_capacity": 10, "default_price_cents": 49500,
        "currency": "USD", "min_participants": 0, "go_no_go_days": 7,
        "holiday_policy": "skip", "horizon_months": 12, "is_active": True,
        "created_at": T1, "updated_at": T1,
    }  # fmt: skip
    session = {
        "sequence": 0, "format_id": "one-day", "starts_on": FRIDAY, "ends_on": FRIDAY,
        "start_time": time(9), "end_time": time(16, 30), "timezone": "America/New_York",
        "capacity": 10, "price_cents": 49500, "currency": "USD", "min_participants": 0,
        "status": "scheduled", "cancel_reason": "", "created_at": T1, "updated_at": T1,
        "series_id": 1,
    }  # fmt: skip
    seat = {"status": "confirmed", "created_at": T1, "updated_at": T1, "confirmed_at": T1}
    order = {
        "user_id": 1, "status": "paid", "provider": "stripe", "currency": "USD",
        "discount_cents": 0, "refunded_cents": 0, "if_seat_gone": "refund",
        "credit_cents": 0, "note": "", "created_at": T1, "updated_at": T1,
    }  # fmt: skip
    line = {"order_id": 1, "refunded_cents": 0}
    with engine.begin() as conn:
        conn.execute(t["users"].insert(), [
            {"id": i, "email": f"u{i}@example.com", "display_name": "U", "password_hash": "x",
             "is_active": True, "created_at": T1} for i in (1, 2)
        ])  # fmt: skip
        conn.execute(
            t["courses"].insert(), [{"id": i, "slug": f"c{i}", "created_at": T1} for i in (1, 2, 3)]
        )
        conn.execute(t["series"].insert(), [
            {**series, "id": 1, "title": "Last Friday", "bundle_price_cents": 119000},
            {**series, "id": 2, "title": "No bundle", "bundle_price_cents": None},
            {**series, "id": 3, "title": "One track", "bundle_price_cents": 40000},
        ])  # fmt: skip
        conn.execute(t["series_tracks"].insert(), [
            {"series_id": 1, "position": 1, "course_id": 3},
            {"series_id": 1, "position": 2, "course_id": 1},
            {"series_id": 1, "position": 3, "course_id": 2},
            {"series_id": 2, "position": 1, "course_id": 1},
            {"series_id": 2, "position": 2, "course_id": 2},
            {"series_id": 3, "position": 1, "course_id": 1},
        ])  # fmt: skip
        conn.execute(t["course_sessions"].insert(), [
            {**session, "id": 10 + i, "uid": f"s{i}", "course_id": c, "track_position": i}
            for i, c in ((1, 3), (2, 1), (3, 2))
        ])  # fmt: skip
        conn.execute(t["day_bundles"].insert(), [
            {"id": 7, "user_id": 1, "series_id": 1, "on_date": FRIDAY, "price_cents": 119000,
             "currency": "USD", "created_at": T1},
        ])  # fmt: skip
        conn.execute(t["enrollments"].insert(), [
            {**seat, "id": 100, "session_id": 11, "user_id": 1, "source": "bundle", "bundle_id": 7},
            {**seat, "id": 101, "session_id": 12, "user_id": 1, "source": "bundle", "bundle_id": 7},
            {**seat, "id": 102, "session_id": 13, "user_id": 2, "source": "self",
             "bundle_id": None},
        ])  # fmt: skip
        conn.execute(t["orders"].insert(), [
            {**order, "id": 1, "reference": "APX-000001", "subtotal_cents": 119000,
             "total_cents": 119000, "paid_at": T1},
        ])  # fmt: skip
        conn.execute(t["order_lines"].insert(), [
            {**line, "id": 1, "kind": "bundle_seat", "description": "Day bundle seat: A",
             "session_id": 11, "enrollment_id": 100, "bundle_id": 7,
             "list_price_cents": 59500, "amount_cents": 59500},
            {**line, "id": 2, "kind": "bundle_seat", "description": "Day bundle seat: B",
             "session_id": 12, "enrollment_id": 101, "bundle_id": 7,
             "list_price_cents": 59500, "amount_cents": 59500},
        ])  # fmt: skip


def _rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def _columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def _check_upgraded(engine: Engine) -> None:
    assert "day_bundles" not in inspect(engine).get_table_names()
    assert "bundle_price_cents" not in _columns(engine, "series")
    [(programme_id, title, price, currency, active)] = _rows(
        engine, "SELECT id, title, price_cents, currency, is_active FROM programmes"
    )  # one: the 3-track series; no price, or a single track, makes none
    assert (title, price, currency, bool(active)) == ("Last Friday programme", 119000, "USD", True)
    courses = _rows(
        engine,
        "SELECT course_id FROM programme_courses WHERE programme_id = "
        f"{programme_id} ORDER BY position",
    )
    assert courses == [(3,), (1,), (2,)]  # the series' tracks, in track order
    groups = _rows(
        engine,
        "SELECT id, user_id, kind, programme_id, series_id, on_date, price_cents, currency "
        "FROM booking_groups",
    )
    on_date = groups[0][5]
    assert str(on_date) == FRIDAY.isoformat()
    assert [g[:5] + g[6:] for g in groups] == [(7, 1, "programme", programme_id, 1, 119000, "USD")]
    assert _rows(
        engine,
        "SELECT id, session_id, user_id, status, source, booking_group_id "
        "FROM enrollments ORDER BY id",
    ) == [
        (100, 11, 1, "confirmed", "programme", 7),
        (101, 12, 1, "confirmed", "programme", 7),
        (102, 13, 2, "confirmed", "self", None),
    ]
    assert _rows(engine, "SELECT id, status, subtotal_cents, total_cents FROM orders") == [
        (1, "paid", 119000, 119000)
    ]
    assert _rows(
        engine,
        "SELECT id, kind, enrollment_id, booking_group_id, list_price_cents, amount_cents "
        "FROM order_lines ORDER BY id",
    ) == [(1, "programme", 100, 7, 59500, 59500), (2, "programme", 101, 7, 59500, 59500)]


def _check_downgraded(engine: Engine) -> None:
    assert {"programmes", "booking_groups"}.isdisjoint(inspect(engine).get_table_names())
    assert _rows(engine, "SELECT id, bundle_price_cents FROM series ORDER BY id") == [
        (1, 119000),
        (2, None),
        (3, None),  # a single-track series made no programme, so its price is gone
    ]
    bundles = _rows(
        engine, "SELECT id, user_id, series_id, on_date, price_cents, currency FROM day_bundles"
    )
    assert [(b[0], b[1], b[2], str(b[3]), b[4], b[5]) for b in bundles] == [
        (7, 1, 1, FRIDAY.isoformat(), 119000, "USD")
    ]
    assert _rows(engine, "SELECT id, source, bundle_id FROM enrollments ORDER BY id") == [
        (100, "bundle", 7),
        (101, "bundle", 7),
        (102, "self", None),
    ]
    assert _rows(engine, "SELECT id, kind, bundle_id, amount_cents FROM order_lines") == [
        (1, "bundle_seat", 7, 59500),
        (2, "bundle_seat", 7, 59500),
    ]


def _round_trip(url: str) -> None:
    migrate.upgrade(BEFORE, url=url)
    engine = make_engine(url)
    try:
        _seed(engine)
        migrate.upgrade(url=url)
        _check_upgraded(engine)
        migrate.check(url=url)
        with engine.begin() as conn:  # ids copied: the next booking group gets a fresh one
            conn.execute(
                text(
                    "INSERT INTO booking_groups (user_id, kind, price_cents, currency, "
                    "created_at) VALUES (2, 'programme', 1, 'USD', :t)"
                ),
                {"t": T1},
            )
            conn.execute(text("UPDATE enrollments SET booking_group_id = 8 WHERE id = 102"))
        assert _rows(engine, "SELECT MAX(id) FROM booking_groups") == [(8,)]
        migrate.downgrade(BEFORE, url=url)
        # The booking made after the upgrade (no date) took its seat's date and series.
        later = _rows(engine, "SELECT series_id, on_date FROM day_bundles WHERE id = 8")
        assert [(s, str(d)) for s, d in later] == [(1, FRIDAY.isoformat())]
        with engine.begin() as conn:
            conn.execute(text("UPDATE enrollments SET bundle_id = NULL WHERE id = 102"))
            conn.execute(text("DELETE FROM day_bundles WHERE id = 8"))
        _check_downgraded(engine)
        migrate.upgrade(url=url)
        _check_upgraded(engine)
    finally:
        engine.dispose()


def test_sqlite_programmes_migration_keeps_bundles_enrolments_and_orders(
    tmp_path: Path,
) -> None:
    _round_trip(f"sqlite:///{tmp_path / 'programmes.db'}")


@pytest.fixture
def scratch_postgres_url() -> Iterator[str]:
    """A brand-new PostgreSQL database on the test server, dropped afterwards."""
    with scratch_database("apex_migrations") as url:
        yield url


def test_postgres_programmes_migration_keeps_bundles_enrolments_and_orders(
    scratch_postgres_url: str,
) -> None:
    _round_trip(scratch_postgres_url)
