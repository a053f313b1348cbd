"""Card payments against localstripe: checkout, return page, webhooks, refunds, seat gone."""

from __future__ import annotations

import itertools
import time
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.enrollment import changes, rules
from app.enrollment.models import Enrollment
from app.enrollment.seats import take_seat
from app.payments import gateway, refunds
from app.payments.models import PaymentEvent
from tests.enrollment import helpers as h
from tests.factories import log_in, read_outbox
from tests.payments import conftest as stripe_test
from tests.payments.helpers import (
    book_to_checkout,
    enrollment_status,
    events_stored,
    fresh,
    refunds_of,
    start_card,
)

WEBHOOK = "/payments/stripe/webhook"


def _subjects(outbox) -> list[str]:
    return [m["Subject"] for m in read_outbox(outbox)]


def _deliver(client: TestClient, event: stripe_test.SignedEvent) -> int:
    response = client.post(
        WEBHOOK,
        content=event.body,
        headers={"Stripe-Signature": event.header, "Content-Type": "application/json"},
    )
    return response.status_code


def _paid_order(db, client, stripe_on, *, price: int = 49500, starts_on: date | None = None):
    target = h.session(db, capacity=5, price_cents=price, starts_on=starts_on)
    person = h.learner(db)
    db.commit()
    client.cookies.clear()
    log_in(client, person.email)
    order = book_to_checkout(client, db, target.id, person)
    start_card(client, order)
    order = fresh(db, order)
    stripe_test.pay_with_card(stripe_on, order.payment_intent_id)
    return target, person, order


def test_card_checkout_confirms_the_seat_on_the_return_page(
    db: Session, client: TestClient, stripe_on: str, outbox
) -> None:
    target = h.session(db, capacity=5, price_cents=49500)
    person = h.learner(db)
    db.commit()
    log_in(client, person.email)
    order = book_to_checkout(client, db, target.id, person)
    page = client.get(f"/orders/{order.id}/checkout")
    assert 'value="card"' in page.text
    assert 'value="invoice"' not in page.text  # an individual, with card payments on
    secret = start_card(client, order)
    order = fresh(db, order)
    assert order.status == "awaiting_payment" and order.provider == "stripe"
    assert secret.startswith(order.payment_intent_id)
    at_stripe = stripe_test.intent(stripe_on, order.payment_intent_id)
    assert at_stripe["amount"] == 49500 and at_stripe["currency"] == "usd"
    assert at_stripe["metadata"]["order_id"] == str(order.id)
    card_page = client.get(f"/orders/{order.id}/card")
    assert stripe_on in card_page.headers["content-security-policy"]
    assert f'src="{stripe_on}/js.stripe.com/v3/"' in card_page.text

    # Before paying, the return page says it is still waiting, and nothing is confirmed.
    waiting = client.get(f"/orders/{order.id}/return")
    assert "waiting for Stripe" in waiting.text
    assert enrollment_status(db, person) == ["held"]

    stripe_test.pay_with_card(stripe_on, order.payment_intent_id)
    done = client.get(f"/orders/{order.id}/return")
    assert "your seat is confirmed" in done.text
    assert enrollment_status(db, person) == ["confirmed"]
    order = fresh(db, order)
    assert order.status == "paid" and order.paid_at is not None
    client.get(f"/orders/{order.id}/return")  # again: nothing changes, no second receipt
    assert _subjects(outbox).count(f"Receipt for order {order.reference}") == 1


def test_webhook_and_return_page_confirm_once_in_any_order(
    db: Session, client: TestClient, stripe_on: str, outbox
) -> None:
    _, person, order = _paid_order(db, client, stripe_on)
    obj = stripe_test.intent(stripe_on, order.payment_intent_id)
    event = stripe_test.event_for("evt_once_1", "payment_intent.succeeded", obj)
    assert _deliver(client, event) == 200
    assert _deliver(client, event) == 200
    client.get(f"/orders/{order.id}/return")
    assert _deliver(client, event) == 200
    assert enrollment_status(db, person) == ["confirmed"]
    stored = db.get(PaymentEvent, "evt_once_1")
    assert stored is not None and stored.deliveries == 3 and stored.order_id == order.id
    assert events_stored(db) == 1
    assert _subjects(outbox).count(f"Receipt for order {order.reference}") == 1


def test_an_event_for_an_unknown_order_is_refused_so_stripe_retries(
    db: Session, client: TestClient, stripe_on: str
) -> None:
    stranger = gateway.create_intent(
        order_id=999_999, reference="APX-999999", amount=1000, currency="USD", key="k-unknown"
    )
    obj = stripe_test.intent(stripe_on, stranger.id)
    obj["metadata"] = {}
    event = stripe_test.event_for("evt_unknown_1", "payment_intent.succeeded", obj)
    assert _deliver(client, event) == 404
    assert events_stored(db) == 0


@pytest.mark.parametrize(
    "problem",
    ["stale", "wrong secret", "altered body", "missing header", "not json"],
)
def test_bad_signatures_are_refused_and_change_nothing(
    db: Session, client: TestClient, stripe_on: str, problem: str
) -> None:
    _, person, order = _paid_order(db, client, stripe_on)
    obj = stripe_test.intent(stripe_on, order.payment_intent_id)
    good = stripe_test.event_for("evt_sig_1", "payment_intent.succeeded", obj)
    body, header = good.body, good.header
    if problem == "stale":
        header = stripe_test.sign(body, timestamp=int(time.time()) - 301)
    elif problem == "wrong secret":
        header = stripe_test.sign(body, secret="whsec_someone_else")
    elif problem == "altered body":
        body = body.replace(b'"amount": 49500', b'"amount": 1')
        assert body != good.body
    elif problem == "not json":
        body = b"not json at all"
        header = stripe_test.sign(body)
    headers = {"Content-Type": "application/json"}
    if problem != "missing header":
        headers["Stripe-Signature"] = header
    response = client.post(WEBHOOK, content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert "error" in response.json()
    assert events_stored(db) == 0
    assert fresh(db, order).status == "awaiting_payment"
    assert enrollment_status(db, person) == ["held"]


def test_every_order_of_succeeded_failed_and_refund_events_ends_the_same(
    db: Session, client: TestClient, stripe_on: str, outbox
) -> None:
    finals = set()
    names = ["payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded"]
    for run, permutation in enumerate(itertools.permutations(names)):
        _, person, order = _paid_order(db, client, stripe_on)
        paid = stripe_test.intent(stripe_on, order.payment_intent_id)
        refund = stripe_test.refund_at_stripe(stripe_on, order.payment_intent_id, 5000)
        failed = {**paid, "status": "requires_payment_method"}  # a stale hint
        objects = {
            "payment_intent.succeeded": paid,
            "payment_intent.payment_failed": failed,
            "charge.refunded": {**refund, "object": "refund"},
        }
        for index, name in enumerate(permutation):
            event = stripe_test.event_for(f"evt_order_{run}_{index}", name, objects[name])
            assert _deliver(client, event) == 200
        order = fresh(db, order)
        finals.add(
            (
                order.status,
                order.refunded_cents,
                tuple(enrollment_status(db, person)),
                len(refunds_of(db, order)),
                _subjects(outbox).count(f"Receipt for order {order.reference}"),
            )
        )
    assert finals == {("partially_refunded", 5000, ("confirmed",), 1, 1)}


def test_paid_after_the_seat_is_gone_is_refunded_exactly_once(
    db: Session, client: TestClient, stripe_on: str, outbox
) -> None:
    target = h.session(db, capacity=1, price_cents=30000)
    late, quick = h.learner(db), h.learner(db)
    db.commit()
    log_in(client, late.email)
    order = book_to_checkout(client, db, target.id, late)
    start_card(client, order)
    order = fresh(db, order)
    # The hold runs out; someone else takes the only seat.
    held = db.scalars(select(Enrollment).where(Enrollment.user_id == late.id)).one()
    held.hold_expires_at = utcnow() - timedelta(minutes=1)
    db.commit()
    take_seat(db, target, quick, source="coordinator")
    db.commit()

    stripe_test.pay_with_card(stripe_on, order.payment_intent_id)
    obj = stripe_test.intent(stripe_on, order.payment_intent_id)
    event = stripe_test.event_for("evt_gone_1", "payment_intent.succeeded", obj)
    assert _deliver(client, event) == 200
    client.get(f"/orders/{order.id}/return")
    retry = stripe_test.event_for("evt_gone_2", "payment_intent.succeeded", obj)
    assert _deliver(client, retry) == 200

    order = fresh(db, order)
    assert order.status == "refunded" and order.refunded_cents == 30000
    assert len(refunds_of(db, order)) == 1
    # The refund call retried with the same key (a lost answer) does not refund again.
    again = gateway.create_refund(
        intent_id=order.payment_intent_id,
        amount=30000,
        key=refunds_of(db, order)[0].key,
        order_id=order.id,
    )
    assert again.id == refunds_of(db, order)[0].provider_refund_id
    at_stripe = gateway.refunds_for(order.payment_intent_id)
    assert [r.amount for r in at_stripe] == [30000]
    assert enrollment_status(db, late) == ["expired"]
    assert rules.count_seats(db, target.id, utcnow()) == 1
    subjects = _subjects(outbox)
    assert (
        subjects.count(f"Your payment for order {order.reference}: the seat was no longer free")
        == 1
    )


def test_paid_after_the_seat_is_gone_can_keep_credit_on_the_waitlist(
    db: Session, client: TestClient, stripe_on: str
) -> None:
    target = h.session(db, capacity=1, price_cents=30000)
    late, quick = h.learner(db), h.learner(db)
    db.commit()
    log_in(client, late.email)
    order = book_to_checkout(client, db, target.id, late)
    start_card(client, order, if_seat_gone="waitlist")
    order = fresh(db, order)
    held = db.scalars(select(Enrollment).where(Enrollment.user_id == late.id)).one()
    held.hold_expires_at = utcnow() - timedelta(minutes=1)
    db.commit()
    quick_enrollment = take_seat(db, target, quick, source="coordinator")
    db.commit()
    stripe_test.pay_with_card(stripe_on, order.payment_intent_id)
    client.get(f"/orders/{order.id}/return")
    order = fresh(db, order)
    assert order.status == "paid" and order.credit_cents == 30000 and order.refunded_cents == 0
    assert enrollment_status(db, late) == ["waitlisted"]

    # The seat frees up; the offer is accepted and the credit pays for it.
    changes.coordinator_cancel(db, quick_enrollment, h.coordinator(db))
    db.commit()
    assert enrollment_status(db, late) == ["offered"]
    offered = db.scalars(select(Enrollment).where(Enrollment.user_id == late.id)).one()
    accept = client.post(
        f"/bookings/{offered.id}/accept",
        data={"csrf_token": _token(client)},
    )
    assert (accept.status_code, accept.headers["location"]) == (307, f"/bookings/{offered.id}/pay")
    paid = client.post(accept.headers["location"], data={"csrf_token": _token(client)})
    assert paid.headers["location"] == f"/orders/{order.id}"
    assert enrollment_status(db, late) == ["confirmed"]
    assert fresh(db, order).credit_cents == 0


def _token(client: TestClient) -> str:
    from tests.factories import csrf_from

    return csrf_from(client, "/bookings")


def test_learner_cancellation_refunds_by_the_policy(
    db: Session, client: TestClient, stripe_on: str, outbox
) -> None:
    # Starts in 10 days: past the 14-day full refund, within the 7-day half refund.
    target, person, order = _paid_order(
        db, client, stripe_on, starts_on=date.today() + timedelta(days=10)
    )
    client.get(f"/orders/{order.id}/return")
    enrollment = db.scalars(select(Enrollment).where(Enrollment.user_id == person.id)).one()
    refunds.set_policy(db, rules_text="14:100,7:50", course_id=target.course_id, session_id=None)
    db.commit()
    changes.cancel_enrollment(db, enrollment, person)
    db.commit()
    order = fresh(db, order)
    assert order.status == "partially_refunded" and order.refunded_cents == 24750
    assert [r.amount for r in gateway.refunds_for(order.payment_intent_id)] == [24750]
    receipt = client.get(f"/orders/{order.id}")
    assert "USD 247.50" in receipt.text and "you cancelled your seat" in receipt.text


def test_a_cancelled_session_refunds_everyone_in_full(
    db: Session, client: TestClient, stripe_on: str
) -> None:
    target, _, order = _paid_order(db, client, stripe_on)
    client.get(f"/orders/{order.id}/return")
    target.status = "cancelled"
    changes.cancel_session_enrollments(db, target)
    changes.cancel_session_enrollments(db, target)  # run twice (a retried ticker): once
    db.commit()
    order = fresh(db, order)
    assert order.status == "refunded" and order.refunded_cents == 49500
    assert len(gateway.refunds_for(order.payment_intent_id)) == 1


def test_policy_text_parsing_and_percentages() -> None:
    steps = refunds.parse_policy("7:50, 14:100")
    assert [(s.days, s.percent) for s in steps] == [(14, 100), (7, 50)]
    start = utcnow() + timedelta(days=20)
    assert refunds.policy_percent(steps, start, utcnow()) == 100
    assert refunds.policy_percent(steps, start, start - timedelta(days=10)) == 50
    assert refunds.policy_percent(steps, start, start - timedelta(days=2)) == 0
    for bad in ("14", "x:50", "14:150"):
        with pytest.raises(refunds.Invalid):
            refunds.parse_policy(bad)
