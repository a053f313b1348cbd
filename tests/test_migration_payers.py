"""The seat-payers migration fills in every existing seat's payer from what already exists,
and marks organisations holding seat packs as paying by invoice — on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, inspect, select

from app import migrate
from app.db import make_engine
from tests.pg import scratch_database

BEFORE = "3f9c2a7d41b6"  # the revision before seat payers
PAYERS = "6a1d0c9e5b21"
T1 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _seed(engine: Engine) -> None:
    meta = MetaData()
    meta.reflect(engine)
    t = meta.tables
    session = {
        "sequence": 0, "format_id": "one-day", "starts_on": date(2027, 1, 29),
        "ends_on": date(2027, 1, 29), "start_time": time(9), "end_time": time(16, 30),
        "timezone": "UTC", "capacity": 10, "currency": "USD", "min_participants": 0,
        "status": "scheduled", "cancel_reason": "", "created_at": T1, "updated_at": T1,
        "course_id": 1,
    }  # fmt: skip
    order = {
        "currency": "USD", "subtotal_cents": 49500, "discount_cents": 0, "total_cents": 49500,
        "refunded_cents": 0, "if_seat_gone": "refund", "credit_cents": 0, "note": "",
        "created_at": T1, "updated_at": T1, "user_id": 2,
    }  # fmt: skip
    line = {"kind": "seat", "description": "Seat", "list_price_cents": 49500,
            "amount_cents": 49500, "refunded_cents": 0, "session_id": 10}  # fmt: skip

    def seat(id_: int, user: int, status: str, session_id: int = 10, **more: object) -> dict:
        return {"id": id_, "session_id": session_id, "user_id": user, "status": status,
                "source": "self", "seat_pack_id": None, "created_at": T1, "updated_at": T1,
                **more}  # fmt: skip

    with engine.begin() as conn:
        conn.execute(t["users"].insert(), [
            {"id": i, "email": f"u{i}@example.com", "display_name": "U", "password_hash": "x",
             "is_active": True, "created_at": T1} for i in range(1, 8)
        ])  # fmt: skip
        conn.execute(t["courses"].insert(), {"id": 1, "slug": "a", "created_at": T1})
        conn.execute(t["course_sessions"].insert(), [
            {**session, "id": 10, "uid": "s10", "price_cents": 49500},
            {**session, "id": 11, "uid": "s11", "price_cents": 0},
        ])  # fmt: skip
        conn.execute(t["organisations"].insert(), [
            {"id": 1, "name": "Northwind", "slug": "northwind", "created_at": T1},
            {"id": 2, "name": "Contoso", "slug": "contoso", "created_at": T1},
        ])  # fmt: skip
        conn.execute(t["seat_packs"].insert(), {
            "id": 1, "organisation_id": 1, "seats": 5, "valid_from": date(2026, 1, 1),
            "valid_until": date(2026, 6, 30), "created_at": T1,  # long expired: still invoiced
        })  # fmt: skip
        conn.execute(t["enrollments"].insert(), [
            seat(1, 1, "confirmed", seat_pack_id=1),
            seat(2, 2, "confirmed"),  # paid by order 1
            seat(3, 3, "confirmed", source="coordinator"),  # no order: the old bug
            seat(4, 4, "confirmed", session_id=11),  # a free session
            seat(5, 5, "held"),  # its order is made on the payment page
            seat(6, 6, "waitlisted"),
            seat(7, 7, "confirmed"),  # its only order was cancelled
        ])  # fmt: skip
        conn.execute(t["orders"].insert(), [
            {**order, "id": 1, "reference": "APX-000001", "status": "paid", "provider": "stripe"},
            {**order, "id": 2, "reference": "APX-000002", "status": "cancelled",
             "provider": None, "user_id": 7},
        ])  # fmt: skip
        conn.execute(t["order_lines"].insert(), [
            {**line, "id": 1, "order_id": 1, "enrollment_id": 2},
            {**line, "id": 2, "order_id": 2, "enrollment_id": 7},
        ])  # fmt: skip


def _round_trip(url: str) -> None:
    migrate.upgrade(BEFORE, url=url)
    engine = make_engine(url)
    try:
        _seed(engine)
        migrate.upgrade(PAYERS, url=url)
        meta = MetaData()
        meta.reflect(engine)
        enrollments, orgs = meta.tables["enrollments"], meta.tables["organisations"]
        with engine.connect() as conn:
            payers = {
                r.id: (r.payer, r.payer_note)
                for r in conn.execute(
                    select(enrollments.c.id, enrollments.c.payer, enrollments.c.payer_note)
                )
            }
            invoiced = dict(conn.execute(select(orgs.c.id, orgs.c.pays_by_invoice)).all())
        unrecorded = ("complimentary", "Enrolled by a coordinator before payers were recorded")
        assert payers == {
            1: ("seat_pack", ""),
            2: ("order", ""),
            3: unrecorded,
            4: ("complimentary", "Free session"),
            5: ("order", ""),
            6: (None, ""),
            7: unrecorded,
        }
        assert {k: bool(v) for k, v in invoiced.items()} == {1: True, 2: False}

        migrate.downgrade(BEFORE, url=url)
        columns = {c["name"] for c in inspect(engine).get_columns("enrollments")}
        assert "payer" not in columns and "payer_note" not in columns
        with engine.connect() as conn:  # the seats themselves are untouched
            rows = conn.execute(select(meta.tables["enrollments"].c.id)).all()
        assert len(rows) == 7
        migrate.upgrade(url=url)
        migrate.check(url=url)
    finally:
        engine.dispose()


def test_sqlite_payers_are_filled_in(tmp_path: Path) -> None:
    _round_trip(f"sqlite:///{tmp_path / 'payers.db'}")


@pytest.fixture
def scratch_postgres_url() -> Iterator[str]:
    """A brand-new PostgreSQL database on the test server, dropped afterwards."""
    with scratch_database("apex_payers") as url:
        yield url


def test_postgres_payers_are_filled_in(scratch_postgres_url: str) -> None:
    _round_trip(scratch_postgres_url)
