"""Checkout without Stripe keys: a learner books, pays by invoice, and the seat is confirmed."""

from __future__ import annotations

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.enrollment.models import Enrollment
from app.payments import numbering
from app.payments.models import DocumentSequence, Order, OrderLine
from tests.enrollment import helpers as h
from tests.factories import log_in, post_form, read_outbox


def _book(client: TestClient, session_id: int) -> str:
    response = post_form(
        client, f"/sessions/{session_id}/book", {}, token_from=f"/sessions/{session_id}"
    )
    assert response.status_code == 307  # the POST goes on to the payment step
    return response.headers["location"]


def _start_paying(client: TestClient, pay_url: str) -> Response:
    """Press "Pay now": the POST that makes the order and goes on to its checkout."""
    return post_form(client, pay_url, {}, token_from="/bookings")


def test_learner_books_and_pays_by_invoice_offline(db: Session, client: TestClient, outbox) -> None:
    target = h.session(db, capacity=5, price_cents=49500)
    person = h.learner(db)
    db.commit()
    log_in(client, person.email)

    pay_url = _book(client, target.id)
    enrollment = db.scalars(select(Enrollment).where(Enrollment.user_id == person.id)).one()
    assert pay_url == f"/bookings/{enrollment.id}/pay"
    assert enrollment.status == "held"

    to_checkout = post_form(client, pay_url, {}, token_from="/bookings")
    assert to_checkout.status_code == 303
    checkout_url = to_checkout.headers["location"]
    order = db.scalars(select(Order).where(Order.user_id == person.id)).one()
    assert checkout_url == f"/orders/{order.id}/checkout"
    assert (order.status, order.total_cents, order.currency) == ("open", 49500, "USD")
    line = db.scalars(select(OrderLine).where(OrderLine.order_id == order.id)).one()
    assert line.enrollment_id == enrollment.id and line.amount_cents == 49500

    page = client.get(checkout_url)
    assert page.status_code == 200
    assert "USD 495.00" in page.text and "Invoice" in page.text
    assert 'value="card"' not in page.text  # no Stripe keys: no card option

    # Visiting the pay link again reuses the same order.
    assert _start_paying(client, pay_url).headers["location"] == checkout_url
    assert len(db.scalars(select(Order).where(Order.user_id == person.id)).all()) == 1

    paid = post_form(
        client, f"/orders/{order.id}/pay", {"method": "invoice"}, token_from=checkout_url
    )
    assert paid.status_code == 303 and paid.headers["location"] == f"/orders/{order.id}"
    db.expire_all()
    assert db.get(Enrollment, enrollment.id).status == "confirmed"
    order = db.get(Order, order.id)
    assert order.status == "awaiting_payment" and order.provider == "invoice"
    # The next number of the year's gapless series (not the order's id).
    year = order.created_at.year
    counter = db.get(DocumentSequence, (numbering.INVOICE, year))
    assert counter is not None
    assert order.invoice_number == numbering.format_number("INV", year, counter.last_number)
    receipt = client.get(f"/orders/{order.id}")
    assert order.invoice_number in receipt.text and "Awaiting payment" in receipt.text
    subjects = [m["Subject"] for m in read_outbox(outbox)]
    assert f"Invoice {order.invoice_number} for order {order.reference}" in subjects

    mine = client.get("/orders")
    assert order.reference in mine.text


def test_someone_elses_order_and_pay_link_are_not_found(db: Session, client: TestClient) -> None:
    target = h.session(db, capacity=5, price_cents=49500)
    owner, other = h.learner(db), h.learner(db)
    db.commit()
    log_in(client, owner.email)
    pay_url = _book(client, target.id)
    order_url = _start_paying(client, pay_url).headers["location"]
    client.post("/logout", data={})
    client.cookies.clear()
    log_in(client, other.email)
    assert client.get(pay_url).status_code == 404
    assert _start_paying(client, pay_url).status_code == 404
    assert client.get(order_url).status_code == 404
    assert client.get(order_url.replace("/checkout", "")).status_code == 404


def test_coordinator_marks_invoice_paid_and_refunds_part(
    db: Session, client: TestClient, outbox
) -> None:
    target = h.session(db, capacity=5, price_cents=49500)
    person = h.learner(db)
    coordinator = h.person(db, roles={Role.COORDINATOR})
    db.commit()
    log_in(client, person.email)
    order_url = _start_paying(client, _book(client, target.id)).headers["location"]
    post_form(
        client, order_url.replace("/checkout", "/pay"), {"method": "invoice"}, token_from=order_url
    )
    order = db.scalars(select(Order).where(Order.user_id == person.id)).one()
    client.cookies.clear()
    log_in(client, coordinator.email)
    listing = client.get("/coordinator/orders?provider=invoice&status=awaiting_payment")
    assert order.reference in listing.text
    admin_url = f"/coordinator/orders/{order.id}"
    marked = post_form(client, f"{admin_url}/mark-paid", {}, token_from=admin_url)
    assert marked.status_code == 303
    too_much = post_form(
        client, f"{admin_url}/refund", {"amount": "600", "reason": "goodwill"}, token_from=admin_url
    )
    assert too_much.status_code == 422 and "At most USD 495.00" in too_much.text
    refunded = post_form(
        client,
        f"{admin_url}/refund",
        {"amount": "100.50", "reason": "goodwill"},
        token_from=admin_url,
    )
    assert refunded.status_code == 303
    db.expire_all()
    order = db.get(Order, order.id)
    assert (order.status, order.refunded_cents) == ("partially_refunded", 10050)
    assert any("Refund of USD 100.50" in m["Subject"] for m in read_outbox(outbox))


def test_coordinator_invoices_a_seat_pack_once(db: Session, client: TestClient, outbox) -> None:
    org_coordinator = h.learner(db)
    org = h.organisation(db, coordinators=[org_coordinator])
    pack = h.seat_pack(db, org, seats=10)
    coordinator = h.coordinator(db)
    db.commit()
    log_in(client, coordinator.email)
    page = "/coordinator/orders"
    assert f'value="{pack.id}"' in client.get(page).text
    bad = post_form(
        client, f"{page}/seat-pack", {"seat_pack_id": str(pack.id), "price": "abc"}, token_from=page
    )
    assert bad.status_code == 422 and "Price: give an amount such as 495.00." in bad.text
    made = post_form(
        client,
        f"{page}/seat-pack",
        {"seat_pack_id": str(pack.id), "price": "4,500.00".replace(",", "")},
        token_from=page,
    )
    assert made.status_code == 303
    order = db.scalars(select(Order).where(Order.organisation_id == org.id)).one()
    assert (order.provider, order.status, order.total_cents) == (
        "invoice",
        "awaiting_payment",
        450000,
    )
    assert order.user_id == org_coordinator.id
    line = db.scalars(select(OrderLine).where(OrderLine.order_id == order.id)).one()
    assert (
        line.kind == "seat_pack" and line.seat_pack_id == pack.id and "10 seats" in line.description
    )
    again = post_form(
        client, f"{page}/seat-pack", {"seat_pack_id": str(pack.id), "price": "10"}, token_from=page
    )
    assert again.status_code == 409 and "already invoiced on order" in again.text
    assert f'value="{pack.id}"' not in client.get(page).text  # no longer offered
    subjects = [m["Subject"] for m in read_outbox(outbox)]
    assert f"Invoice {order.invoice_number} for order {order.reference}" in subjects


def test_the_payment_step_link_writes_nothing_until_the_learner_posts(
    db: Session, client: TestClient
) -> None:
    # Bug: GET /bookings/{id}/pay used to create the order (and could spend credit), so a
    # link prefetched or followed twice wrote. Now the GET only shows the step.
    target = h.session(db, capacity=5, price_cents=49500)
    person = h.learner(db)
    db.commit()
    log_in(client, person.email)
    pay_url = _book(client, target.id)

    shown = client.get(pay_url)
    assert shown.status_code == 200
    assert "Continue to payment" in shown.text
    assert db.scalars(select(Order).where(Order.user_id == person.id)).all() == []

    started = post_form(client, pay_url, {}, token_from="/bookings")
    order = db.scalars(select(Order).where(Order.user_id == person.id)).one()
    assert started.headers["location"] == f"/orders/{order.id}/checkout"
    # Once the order exists, the link goes straight to its checkout, still writing nothing.
    again = client.get(pay_url)
    assert again.headers["location"] == f"/orders/{order.id}/checkout"
    assert len(db.scalars(select(Order).where(Order.user_id == person.id)).all()) == 1
