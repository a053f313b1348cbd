"""In a browser: a learner books a seat, reaches the card page, pays (the card step done
against localstripe's API, as Stripe.js would), localstripe delivers the signed webhook,
and the learner's page shows the seat confirmed."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.accounts.service import create_user
from app.enrollment.models import Enrollment
from app.payments.models import Order, OrderLine, PaymentEvent
from tests.e2e.conftest import serving
from tests.e2e.learning_fixtures import (
    PASSWORD,
    learning_db,  # noqa: F401  (fixture used by name)
    log_in,
    no_serious_axe,
)
from tests.payments import conftest as stripe_test
from tests.payments.conftest import localstripe, stripe_on  # noqa: F401  (fixtures)
from tests.scheduling.factories import make_session

pytestmark = [pytest.mark.e2e]


@pytest.fixture(scope="module")
def card_server(
    live_database_url: str,
    localstripe: str,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """`apex serve` on the live database with card payments on, against localstripe.

    Its own process reads Stripe's settings from its environment, as a deployment does.
    """
    stripe = {
        "APEX_STRIPE_SECRET_KEY": stripe_test.SECRET_KEY,
        "APEX_STRIPE_PUBLISHABLE_KEY": stripe_test.PUBLISHABLE_KEY,
        "APEX_STRIPE_WEBHOOK_SECRET": stripe_test.WEBHOOK_SECRET,
        "APEX_STRIPE_API_BASE": localstripe,
        "APEX_STRIPE_JS_URL": f"{localstripe}/js.stripe.com/v3/",
    }
    with serving(live_database_url, tmp_path_factory.mktemp("card-logs"), **stripe) as url:
        yield url


def test_learner_pays_by_card_and_the_webhook_confirms_the_seat(
    browser: Browser,
    card_server: str,
    learning_db: Callable[[], Session],  # noqa: F811
    stripe_on: str,  # noqa: F811
) -> None:
    live_server = card_server
    stripe_test.register_webhook(stripe_on, f"{live_server}/payments/stripe/webhook")
    tag = uuid.uuid4().hex[:8]
    email = f"card-{tag}@example.com"
    with learning_db() as db:
        target = make_session(
            db, course_slug="client-expectations", starts_on=date(2029, 9, 3), price_cents=45000
        )
        create_user(
            db, email=email, display_name="Łukasz Żółć", password=PASSWORD, roles={Role.LEARNER}
        )
        db.commit()
        session_id = target.id

    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in(page, email)
        page.goto(f"/sessions/{session_id}")
        page.get_by_role("button", name="Book a seat").click()
        expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
        expect(page.get_by_text("USD 450.00").first).to_be_visible()
        expect(page.get_by_label("Card (processed by Stripe)")).to_be_checked()
        no_serious_axe(page)
        page.get_by_role("button", name="Pay USD 450.00").click()
        expect(page.get_by_role("heading", name="Pay USD 450.00 by card")).to_be_visible()
        # localstripe's Stripe.js loaded (CSP allowed it) but offers no Payment Element.
        assert page.evaluate("typeof window.Stripe") == "function"

        with learning_db() as db:
            order = db.scalars(
                select(Order)
                .join(OrderLine, OrderLine.order_id == Order.id)
                .where(OrderLine.session_id == session_id)
            ).one()
            assert order is not None and order.payment_intent_id
            order_id, intent_id = order.id, order.payment_intent_id
        # The card step, as the Payment Element would do it (see pay_with_card's docstring).
        stripe_test.pay_with_card(stripe_on, intent_id)

        # localstripe delivers payment_intent.succeeded to the live server (about 1 s on).
        deadline = time.monotonic() + 20
        while True:
            with learning_db() as db:
                event = db.scalar(
                    select(PaymentEvent).where(PaymentEvent.payment_intent_id == intent_id)
                )
                if event is not None and event.processed_at is not None:
                    break
            assert time.monotonic() < deadline, "localstripe's webhook did not arrive in 20 s"
            time.sleep(0.2)
        assert event.type == "payment_intent.succeeded"
        page.goto("/bookings")
        expect(page.get_by_text("Confirmed").first).to_be_visible()
        with learning_db() as db:
            statuses = list(
                db.scalars(select(Enrollment.status).where(Enrollment.session_id == session_id))
            )
        assert statuses == ["confirmed"]
        page.goto(f"/orders/{order_id}/return")
        expect(page.locator("#payment-state")).to_contain_text("your seat is confirmed")
        page.goto("/orders")
        expect(page.get_by_role("cell", name="Paid")).to_be_visible()
        no_serious_axe(page)
        page.get_by_role("link", name=re.compile(r"APX-\d+")).click()
        expect(page.get_by_role("heading", name=re.compile("Receipt APX-"))).to_be_visible()
        no_serious_axe(page)
    finally:
        context.close()
