"""Orders: invoice customers billed at once, programmes and group bookings as one order,
expired holds refused, reconciliation with Stripe, and the command line."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings
from app.db import utcnow
from app.enrollment import group_bookings, programmes
from app.enrollment.models import Enrollment
from app.enrollment.seats import take_seat
from app.errors import Conflict, NotFound
from app.payments import abandoned, checkout, fulfilment, gateway, orders, reconcile
from app.payments.models import Order, OrderLine
from tests.enrollment import helpers as h
from tests.factories import log_in, read_outbox
from tests.payments import conftest as stripe_test
from tests.payments.helpers import book_to_checkout, fresh


def _lines(db: Session, order: Order) -> list[OrderLine]:
    return list(db.scalars(select(OrderLine).where(OrderLine.order_id == order.id)))


def test_an_invoice_customers_seat_is_confirmed_and_invoiced_to_the_organisation(
    db: Session, client: TestClient, stripe_on: str, outbox
) -> None:
    employee = h.learner(db)
    org = h.organisation(db, members=[employee], pays_by_invoice=True)
    h.seat_pack(db, org, seats=5, course_slug="client-expectations")  # another course
    target = h.session(db, capacity=5, price_cents=49500)
    enrollment = take_seat(db, target, employee)
    assert enrollment.status == "confirmed"
    order = orders.order_for_enrollment(db, enrollment.id)
    assert order is not None
    assert (order.provider, order.status, order.organisation_id) == (
        "invoice",
        "awaiting_payment",
        org.id,
    )
    assert order.invoice_number and order.invoice_due_on == utcnow().date() + timedelta(days=30)
    assert [line.amount_cents for line in _lines(db, order)] == [49500]
    db.commit()  # the invoice mail goes out when the booking is committed
    assert any(order.invoice_number in m["Subject"] for m in read_outbox(outbox))
    # With card payments on, an invoice customer may still choose invoice at checkout.
    assert checkout.invoice_allowed(db, employee)
    assert not checkout.invoice_allowed(db, h.learner(db))


def test_a_programme_is_one_order_split_to_the_cent_over_its_seats(db: Session) -> None:
    # Uneven prices and a price that does not divide evenly: the shares still add up.
    programme, sessions = h.programme_run(db, programme_price_cents=100001)
    sessions[0].price_cents, sessions[1].price_cents = 30000, 45000  # 30,000 + 45,000 + 49,500
    person = h.learner(db)
    _, enrollments = programmes.book_programme(db, person, programme, sessions)
    order = orders.order_for_held_booking(db, person, enrollments[1].id, now=utcnow())
    lines = sorted(_lines(db, order), key=lambda line: line.session_id or 0)
    assert [line.kind for line in lines] == ["programme"] * 3
    assert sum(line.amount_cents for line in lines) == order.total_cents == 100001
    assert [line.list_price_cents for line in lines] == [30000, 45000, 49500]
    assert all(line.amount_cents <= line.list_price_cents for line in lines)
    assert [line.amount_cents for line in lines] == [24097, 36145, 39759]  # in proportion
    assert {line.booking_group_id for line in lines} == {enrollments[0].booking_group_id}
    # Every seat of the programme leads to the same order.
    assert orders.order_for_held_booking(db, person, enrollments[2].id, now=utcnow()) == order


def test_a_programme_dearer_than_its_sessions_costs_their_sum(db: Session) -> None:
    programme, sessions = h.programme_run(db, price_cents=30000, programme_price_cents=119000)
    person = h.learner(db)
    _, enrollments = programmes.book_programme(db, person, programme, sessions)
    order = orders.order_for_held_booking(db, person, enrollments[0].id, now=utcnow())
    assert order.total_cents == 90000  # 3 x 300.00, not the programme's 1,190.00
    assert [line.amount_cents for line in _lines(db, order)] == [30000] * 3


def test_a_group_booking_is_one_order_for_the_booker(db: Session) -> None:
    series, sessions = h.series_day(db, price_cents=49500)
    booker, colleague = h.learner(db), h.learner(db)
    day = group_bookings.group_day(db, booker, series.id, sessions[0].starts_on)
    picks = [(sessions[0].id, booker.email), (sessions[1].id, colleague.email)]
    _, enrollments = group_bookings.book_group(db, booker, day, picks)
    assert [e.user_id for e in enrollments] == [booker.id, colleague.id]
    # The booker pays for the colleague's seat too; the colleague cannot open that order.
    order = orders.order_for_held_booking(db, booker, enrollments[1].id, now=utcnow())
    assert order.user_id == booker.id and order.total_cents == 99000
    assert [line.kind for line in _lines(db, order)] == ["seat", "seat"]
    with pytest.raises(NotFound):
        orders.order_for_held_booking(db, colleague, enrollments[1].id, now=utcnow())


def test_an_order_whose_hold_ran_out_cannot_be_paid(db: Session, client: TestClient) -> None:
    target = h.session(db, capacity=5, price_cents=20000)
    person = h.learner(db)
    db.commit()
    log_in(client, person.email)
    order = book_to_checkout(client, db, target.id, person)
    enrollment = db.scalars(select(Enrollment).where(Enrollment.user_id == person.id)).one()
    enrollment.hold_expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    page = client.get(f"/orders/{order.id}/checkout")
    assert "ran out, so it cannot be paid" in page.text and 'name="method"' not in page.text
    with pytest.raises(Conflict, match="ran out"):
        checkout.start_payment(db, person, order, "invoice", if_seat_gone="refund", now=utcnow())
    assert fresh(db, order).status == "open"


def test_learner_letting_a_held_seat_go_cancels_its_order(
    db: Session, client: TestClient, stripe_on: str
) -> None:
    target = h.session(db, capacity=5, price_cents=20000)
    person = h.learner(db)
    db.commit()
    log_in(client, person.email)
    order = book_to_checkout(client, db, target.id, person)
    checkout.start_payment(db, person, order, "card", if_seat_gone="refund", now=utcnow())
    enrollment = db.scalars(select(Enrollment).where(Enrollment.user_id == person.id)).one()
    from app.enrollment import changes

    changes.cancel_enrollment(db, enrollment, person)
    order = fresh(db, order)
    assert order.status == "cancelled"
    assert stripe_test.intent(stripe_on, order.payment_intent_id)["status"] == "canceled"


def test_reconcile_finds_a_payment_whose_webhook_never_came_and_apply_fixes_it(
    db: Session, client: TestClient, stripe_on: str
) -> None:
    target = h.session(db, capacity=5, price_cents=30000)
    person = h.learner(db)
    enrollment = take_seat(db, target, person)
    order = orders.order_for_held_booking(db, person, enrollment.id, now=utcnow())
    checkout.start_payment(db, person, order, "card", if_seat_gone="refund", now=utcnow())
    stripe_test.pay_with_card(stripe_on, order.payment_intent_id)  # no webhook, no return page
    stray = stripe_test.refund_at_stripe(stripe_on, order.payment_intent_id, 1000)

    # localstripe keeps every earlier test's intents, whose order ids (rolled back) repeat:
    # look only at this order's intent and refund.
    ours = {order.payment_intent_id, stray["id"]}
    report = reconcile.find_mismatches(db, None)
    mine = [m for m in report.mismatches if m.stripe_id in ours]
    assert {m.kind for m in mine} == {"unpaid_order", "unrecorded_refund"}
    assert any(m.stripe_id == stray["id"] for m in mine)
    assert fresh(db, order).status == "awaiting_payment"  # reporting changed nothing

    report.mismatches = mine
    reconcile.apply_fixes(db, report, commit=db.flush, rollback=db.rollback)
    order = fresh(db, order)
    assert (order.status, order.refunded_cents) == ("partially_refunded", 1000)
    assert db.get(Enrollment, enrollment.id).status == "confirmed"
    again = reconcile.find_mismatches(db, None)
    assert not [m for m in again.mismatches if m.stripe_id in ours]


def test_settle_is_idempotent_when_called_directly(db: Session, stripe_on: str, outbox) -> None:
    target = h.session(db, capacity=5, price_cents=30000)
    person = h.learner(db)
    enrollment = take_seat(db, target, person)
    order = orders.order_for_held_booking(db, person, enrollment.id, now=utcnow())
    checkout.start_payment(db, person, order, "card", if_seat_gone="refund", now=utcnow())
    stripe_test.pay_with_card(stripe_on, order.payment_intent_id)
    for _ in range(3):
        fulfilment.settle_order(db, order.id)
        db.commit()
    assert fresh(db, order).status == "paid"
    receipts = [m for m in read_outbox(outbox) if m["Subject"].startswith("Receipt for order")]
    assert len(receipts) == 1


def test_cli_reconcile_refuses_a_bad_date_and_reports_without_stripe(engine: object) -> None:
    runner = CliRunner()
    bad = runner.invoke(cli, ["payments", "reconcile", "--since", "yesterday"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in str(bad.exception or bad.output)
    no_stripe = runner.invoke(cli, ["payments", "reconcile"])
    assert no_stripe.exit_code != 0
    assert isinstance(no_stripe.exception, gateway.PaymentServiceError)
    assert "no Stripe secret key" in str(no_stripe.exception)


def test_cli_policy_refuses_bad_rules_and_unknown_targets(engine: object) -> None:
    runner = CliRunner()
    wrong = runner.invoke(cli, ["payments", "policy", "14:100,7", "--course", "x"])
    assert wrong.exit_code != 0 and "days:percent" in str(wrong.exception)
    neither = runner.invoke(cli, ["payments", "policy", "14:100"])
    assert neither.exit_code != 0 and "--course" in str(neither.exception)
    missing = runner.invoke(cli, ["payments", "policy", "14:100", "--course", "no-such-course"])
    assert missing.exit_code != 0 and "no course" in str(missing.exception)
    session = runner.invoke(cli, ["payments", "policy", "14:100", "--session", "999999"])
    assert session.exit_code != 0 and "no session 999999" in str(session.exception)


def test_test_card_pays_an_intent_and_refuses_live_keys(
    db: Session, stripe_on: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = gateway.create_intent(
        order_id=1, reference="APX-000001", amount=2500, currency="USD", key="k-test-card"
    )
    assert gateway.pay_with_test_card(made.id, "4242424242424242") == "succeeded"
    assert gateway.retrieve_intent(made.id).status == "succeeded"
    monkeypatch.setattr(get_settings(), "stripe_secret_key", "sk_live_not_really")
    refused = CliRunner().invoke(cli, ["payments", "test-card", "APX-000001"])
    assert refused.exit_code != 0 and "live Stripe keys" in str(refused.exception)


def test_orders_abandoned_a_day_after_their_holds_ran_out_are_cancelled(
    db: Session, stripe_on: str
) -> None:
    now = utcnow()
    target = h.session(db, capacity=5, price_cents=30000)
    stale, fresh_one, paid_late = h.learner(db), h.learner(db), h.learner(db)
    made = {}
    for person in (stale, fresh_one, paid_late):
        enrollment = take_seat(db, target, person)
        order = orders.order_for_held_booking(db, person, enrollment.id, now=now)
        checkout.start_payment(db, person, order, "card", if_seat_gone="refund", now=now)
        order.created_at = now - timedelta(hours=30)
        made[person.id] = (order, enrollment)
    for person in (stale, paid_late):  # held 25 hours ago, long expired
        made[person.id][1].hold_expires_at = now - timedelta(hours=25)
        made[person.id][1].status = "expired"
    db.flush()
    stripe_test.pay_with_card(stripe_on, made[paid_late.id][0].payment_intent_id)

    assert abandoned.cancel_abandoned_orders(db, now) == 1
    stale_order = fresh(db, made[stale.id][0])
    assert stale_order.status == "cancelled"
    assert stripe_test.intent(stripe_on, stale_order.payment_intent_id)["status"] == "canceled"
    assert fresh(db, made[fresh_one.id][0]).status == "awaiting_payment"  # hold still live
    late = fresh(db, made[paid_late.id][0])
    # Paid while expired: a seat was still free, so the payment confirmed it.
    assert late.status == "paid"
    assert db.get(Enrollment, made[paid_late.id][1].id).status == "confirmed"
    assert abandoned.cancel_abandoned_orders(db, now) == 0  # nothing left to do
