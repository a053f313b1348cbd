"""Promo codes: the checkout form, what they take off, validity, and the usage limit."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import app.db
from app import migrate
from app.db import make_engine, utcnow
from app.enrollment.seats import take_seat
from app.errors import AppError, Conflict, Invalid, NotFound
from app.payments import orders, promos, refunds
from app.payments.models import Order, PromoCode
from tests.enrollment import helpers as h
from tests.factories import log_in, post_form
from tests.payments.helpers import book_to_checkout, fresh
from tests.pg import scratch_database

TODAY = date.today()


def _code(db: Session, code: str = "SPRING", **kwargs: object) -> PromoCode:
    values: dict[str, object] = {
        "percent_off": 20,
        "amount_off_cents": None,
        "valid_from": TODAY - timedelta(days=1),
        "valid_until": TODAY + timedelta(days=30),
    }
    values.update(kwargs)
    return promos.create_promo_code(db, code=code, **values)  # type: ignore[arg-type]


def _open_order(db: Session, *, price: int = 50000, course: str = "client-expectations") -> Order:
    target = h.session(db, capacity=50, price_cents=price, course_slug=course)
    person = h.learner(db)
    enrollment = take_seat(db, target, person)
    return orders.order_for_held_booking(db, person, enrollment.id, now=utcnow())


def test_checkout_applies_a_code_and_the_total_drops(db: Session, client: TestClient) -> None:
    _code(db, "TWENTY")
    target = h.session(db, capacity=5, price_cents=50000)
    person = h.learner(db)
    db.commit()
    log_in(client, person.email)
    order = book_to_checkout(client, db, target.id, person)
    checkout_url = f"/orders/{order.id}/checkout"
    applied = post_form(
        client, f"/orders/{order.id}/promo", {"code": " twenty "}, token_from=checkout_url
    )
    assert applied.status_code == 303
    page = client.get(checkout_url)
    assert "Promo code applied: the total is now USD 400.00" in page.text
    assert "Promo code TWENTY" in page.text and "USD 400.00" in page.text
    order = fresh(db, order)
    assert (order.subtotal_cents, order.discount_cents, order.total_cents) == (50000, 10000, 40000)
    unknown = post_form(
        client, f"/orders/{order.id}/promo", {"code": "NOPE"}, token_from=checkout_url
    )
    # A mistyped code is told on the checkout page (not a 404 page); the good code stays.
    assert unknown.status_code == 303 and unknown.headers["location"] == checkout_url
    page = client.get(checkout_url)
    assert "There is no promo code NOPE." in page.text and "Promo code TWENTY" in page.text


def test_amount_off_course_codes_and_validity(db: Session) -> None:
    h.fast_courses(db)
    _code(db, "FIFTY", percent_off=None, amount_off_cents=5000, currency="USD")
    _code(db, "ONLYTRUST", course_slug="trust-and-confidence")
    _code(db, "LATER", valid_from=TODAY + timedelta(days=5))
    order = _open_order(db)
    promos.apply_promo_code(db, order, "fifty", now=utcnow())
    assert order.total_cents == 45000
    with pytest.raises(Conflict, match="not for the course"):
        promos.apply_promo_code(db, order, "ONLYTRUST", now=utcnow())
    with pytest.raises(Conflict, match="valid from"):
        promos.apply_promo_code(db, order, "LATER", now=utcnow())
    with pytest.raises(NotFound):
        promos.apply_promo_code(db, order, "MISSING", now=utcnow())
    # Replacing a code gives the first one's use back.
    _code(db, "HALF", percent_off=50)
    promos.apply_promo_code(db, order, "HALF", now=utcnow())
    assert order.total_cents == 25000
    fifty = db.scalar(select(PromoCode).where(PromoCode.code == "FIFTY"))
    assert fifty is not None and fifty.times_used == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"code": "x"}, "3–40 letters"),
        ({"percent_off": 120}, "between 1 and 100"),
        ({"percent_off": 10, "amount_off_cents": 100}, "not both"),
        ({"valid_until": TODAY - timedelta(days=30)}, "before its first day"),
        ({"usage_limit": 0}, "at least 1"),
        ({"course_slug": "no-such-course"}, "no course"),
    ],
)
def test_bad_promo_codes_are_refused_with_the_reason(
    db: Session, fields: dict[str, object], message: str
) -> None:
    h.fast_courses(db)
    values = {"code": "GOOD-CODE", **fields}
    code = str(values.pop("code"))
    with pytest.raises(AppError, match=message):
        _code(db, code, **values)


def test_the_usage_limit_is_kept_and_cancelled_orders_give_their_use_back(db: Session) -> None:
    _code(db, "ONCE", usage_limit=1)
    first, second = _open_order(db), _open_order(db)
    promos.apply_promo_code(db, first, "ONCE", now=utcnow())
    with pytest.raises(Conflict, match="used as often"):
        promos.apply_promo_code(db, second, "ONCE", now=utcnow())
    promos.release_promo(db, first)
    promos.apply_promo_code(db, second, "ONCE", now=utcnow())
    assert second.total_cents == 40000 and first.total_cents == 50000


def test_coordinator_creates_a_code_on_the_page(db: Session, client: TestClient) -> None:
    coordinator = h.coordinator(db)
    h.fast_courses(db)
    db.commit()
    log_in(client, coordinator.email)
    page = "/coordinator/promo-codes"
    bad = post_form(
        client,
        page,
        {"code": "AUTUMN", "percent_off": "abc", "valid_from": "2026-01-01", "valid_until": "x"},
        token_from=page,
    )
    assert bad.status_code == 422 and "whole number" in bad.text
    made = post_form(
        client,
        page,
        {
            "code": "autumn",
            "amount_off": "25.50",
            "valid_from": TODAY.isoformat(),
            "valid_until": (TODAY + timedelta(days=9)).isoformat(),
            "usage_limit": "10",
        },
        token_from=page,
    )
    assert made.status_code == 303
    listing = client.get(page)
    assert "AUTUMN" in listing.text and "USD 25.50" in listing.text and "0 of 10" in listing.text


def _race_for_the_code(url: str, order_ids: list[int], code: str) -> int:
    """Every order applies the code at once, each in its own transaction; returns successes."""
    engine = make_engine(url, pool_size=len(order_ids) + 5)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    barrier = threading.Barrier(len(order_ids))
    wins: list[int] = []

    def attempt(order_id: int) -> None:
        with factory() as db:
            order = db.get(Order, order_id)
            assert order is not None
            barrier.wait()
            try:
                promos.apply_promo_code(db, order, code, now=utcnow())
                db.commit()
                wins.append(order_id)
            except (Conflict, Invalid):
                db.rollback()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in order_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    engine.dispose()
    return len(wins)


@pytest.fixture(scope="module")
def promo_database() -> object:
    with scratch_database("apex_promos") as url:
        migrate.upgrade(url=url)
        yield url


def _setup_race(url: str, code: str, limit: int, orders_count: int) -> list[int]:
    engine = make_engine(url)
    with sessionmaker(bind=engine, expire_on_commit=False)() as db:
        _code(db, code, usage_limit=limit)
        ids = [_open_order(db).id for _ in range(orders_count)]
        db.commit()
    engine.dispose()
    return ids


def _times_used(url: str, code: str) -> int:
    engine = make_engine(url)
    with sessionmaker(bind=engine)() as db:
        used = db.scalar(select(PromoCode.times_used).where(PromoCode.code == code))
    engine.dispose()
    return int(used or 0)


def test_30_checkouts_racing_for_a_5_use_code_get_exactly_5(promo_database: str) -> None:
    ids = _setup_race(promo_database, "RACE-ON", 5, 30)
    wins = _race_for_the_code(promo_database, ids, "RACE-ON")
    print(f"\npromo race with the lock: {wins} of 30 orders got a 5-use code")
    assert wins == 5 and _times_used(promo_database, "RACE-ON") == 5


def test_without_the_lock_the_same_race_overuses_the_code(
    promo_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.db, "for_update", lambda query: query)
    ids = _setup_race(promo_database, "RACE-OFF", 5, 30)
    wins = _race_for_the_code(promo_database, ids, "RACE-OFF")
    print(f"\npromo race without the lock: {wins} of 30 orders got a 5-use code")
    assert wins > 5


def test_coordinator_sets_a_course_refund_policy_on_the_page(
    db: Session, client: TestClient
) -> None:
    courses = h.fast_courses(db)
    coordinator = h.coordinator(db)
    db.commit()
    log_in(client, coordinator.email)
    page = "/coordinator/refund-policies"
    assert "a full refund if you cancel at least 14 days before" in client.get(page).text
    course_id = str(courses["trust-and-confidence"].id)
    bad = post_form(
        client, page, {"rules_text": "14:100,7", "course_id": course_id}, token_from=page
    )
    assert bad.status_code == 422 and "days:percent" in bad.text
    both = post_form(
        client,
        page,
        {"rules_text": "30:100", "course_id": course_id, "session_id": "1"},
        token_from=page,
    )
    assert both.status_code == 422 and "not both" in both.text
    saved = post_form(
        client, page, {"rules_text": "30:100,10:25", "course_id": course_id}, token_from=page
    )
    assert saved.status_code == 303
    listing = client.get(page).text
    assert "30:100,10:25" in listing and "25% back if you cancel at least 10 days before" in listing
    target = h.session(db, course_slug="trust-and-confidence")
    assert [(s.days, s.percent) for s in refunds.policy_for(db, target)] == [(30, 100), (10, 25)]
