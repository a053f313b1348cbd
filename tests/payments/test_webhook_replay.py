"""Webhooks against the real server: localstripe delivers them, and one event replayed 1,000
times (100 at once) while the learner's return page races it confirms one seat, once.

The app runs under uvicorn on a scratch PostgreSQL database (these tests need real
parallel transactions), with card payments pointed at the session's localstripe.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.config import get_settings
from app.db import make_engine, utcnow
from app.enrollment.models import Enrollment
from app.enrollment.seats import take_seat
from app.main import create_app
from app.payments import checkout, orders
from app.payments.models import Order, PaymentEvent
from tests.conftest import production_sessions_on
from tests.enrollment import helpers as h
from tests.enrollment.test_concurrency import EnoughThreads
from tests.factories import DEFAULT_PASSWORD, read_outbox
from tests.network import uvicorn_in_thread
from tests.payments import conftest as stripe_test
from tests.pg import scratch_database

DELIVERIES = 1000
AT_ONCE = 100


@dataclass
class Live:
    base_url: str
    factory: sessionmaker[Session]


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    """The app on a scratch PostgreSQL database, served by uvicorn on a loopback port."""
    with scratch_database("apex_payments") as url:
        migrate.upgrade(url=url)
        engine = make_engine(url, pool_size=40, max_overflow=20, pool_timeout=60)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        # Requests use the app's own get_db, with its session factory on this database.
        app = EnoughThreads(create_app(), threads=AT_ONCE + 50)
        try:
            with production_sessions_on(engine), uvicorn_in_thread(app, backlog=1024) as url:
                yield Live(url, factory)
        finally:
            engine.dispose()


def _order_awaiting_card(live: Live, *, price: int = 49500) -> tuple[int, int, str, str]:
    """A learner with a held seat and a PaymentIntent: (order id, user id, intent, email)."""
    with live.factory() as db:
        target = h.session(db, capacity=3, price_cents=price)
        person = h.learner(db)
        enrollment = take_seat(db, target, person)
        order = orders.order_for_held_booking(db, person, enrollment.id, now=utcnow())
        checkout.start_payment(db, person, order, "card", if_seat_gone="refund", now=utcnow())
        db.commit()
        assert order.payment_intent_id is not None
        return order.id, person.id, order.payment_intent_id, person.email


def _log_in(client: httpx.Client, email: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF token on /login"
    answer = client.post(
        "/login", data={"email": email, "password": DEFAULT_PASSWORD, "csrf_token": token[1]}
    )
    assert answer.status_code == 303, answer.text


async def _burst(
    base: str, event: stripe_test.SignedEvent, cookies: httpx.Cookies, order_id: int
) -> tuple[Counter[int], Counter[int], float]:
    """Deliver the event DELIVERIES times, AT_ONCE at a time, a return page in each round."""
    hooks: Counter[int] = Counter()
    pages: Counter[int] = Counter()
    headers = {"Stripe-Signature": event.header, "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=AT_ONCE + 2)
    timeout = httpx.Timeout(60.0, connect=20.0)
    start = time.perf_counter()
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=timeout, cookies=cookies
    ) as client:
        for _ in range(DELIVERIES // AT_ONCE):
            posts = [
                client.post("/payments/stripe/webhook", content=event.body, headers=headers)
                for _ in range(AT_ONCE)
            ]
            page = client.get(f"/orders/{order_id}/return")  # the learner, signed in
            answers = await asyncio.gather(*posts, page)
            for answer in answers[:-1]:
                hooks[answer.status_code] += 1
            pages[answers[-1].status_code] += 1
    return hooks, pages, time.perf_counter() - start


def test_one_event_replayed_1000_times_with_the_return_page_racing_confirms_once(
    live: Live, stripe_on: str, outbox
) -> None:
    order_id, user_id, intent_id, email = _order_awaiting_card(live)
    stripe_test.pay_with_card(stripe_on, intent_id)
    event = stripe_test.event_for(
        "evt_replay_1", "payment_intent.succeeded", stripe_test.intent(stripe_on, intent_id)
    )
    with httpx.Client(base_url=live.base_url) as browser:
        _log_in(browser, email)
        cookies = browser.cookies
    # A thread of its own: the browser tests may leave an event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as runner:
        hooks, pages, seconds = runner.submit(
            asyncio.run, _burst(live.base_url, event, cookies, order_id)
        ).result()
    print(
        f"\nwebhook replay: {DELIVERIES} deliveries ({AT_ONCE} at once) + {sum(pages.values())} "
        f"return pages in {seconds:.1f} s ({DELIVERIES / seconds:.0f}/s); answers {dict(hooks)}"
    )
    assert hooks == Counter({200: DELIVERIES})
    assert pages == Counter({200: DELIVERIES // AT_ONCE})
    with live.factory() as db:
        statuses = list(db.scalars(select(Enrollment.status).where(Enrollment.user_id == user_id)))
        assert statuses == ["confirmed"]
        order = db.get(Order, order_id)
        assert order is not None and order.status == "paid"
        stored = db.get(PaymentEvent, "evt_replay_1")
        assert stored is not None and stored.deliveries == DELIVERIES
        assert stored.processed_at is not None
        reference = order.reference
    receipts = [m for m in read_outbox(outbox) if m["Subject"] == f"Receipt for order {reference}"]
    assert len(receipts) == 1


def test_localstripe_delivers_the_signed_webhook_and_the_seat_is_confirmed(
    live: Live, stripe_on: str
) -> None:
    stripe_test.register_webhook(stripe_on, f"{live.base_url}/payments/stripe/webhook")
    order_id, user_id, intent_id, _ = _order_awaiting_card(live, price=12000)
    stripe_test.pay_with_card(stripe_on, intent_id)  # localstripe sends the event ~1 s later
    deadline = time.monotonic() + 20
    while True:
        with live.factory() as db:
            event = db.scalar(
                select(PaymentEvent).where(PaymentEvent.payment_intent_id == intent_id)
            )
            order = db.get(Order, order_id)
            assert order is not None
            if event is not None and event.processed_at is not None:
                break
        if time.monotonic() > deadline:
            pytest.fail("localstripe's webhook did not arrive within 20 s")
        time.sleep(0.2)
    assert event.type == "payment_intent.succeeded" and order.status == "paid"
    with live.factory() as db:
        statuses = list(db.scalars(select(Enrollment.status).where(Enrollment.user_id == user_id)))
    assert statuses == ["confirmed"]
    assert get_settings().stripe_webhook_secret == stripe_test.WEBHOOK_SECRET
