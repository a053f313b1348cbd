"""Credit notes: a refund on an invoice gets its own numbered PDF, for the invoice's readers."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import utcnow
from app.enrollment.seats import take_seat
from app.formatting import long_date
from app.payments import orders, refunds
from app.payments.models import Order
from tests.documents.cert_helpers import make_coordinator, one_line, pdf_text
from tests.enrollment import helpers as h
from tests.factories import log_in

ADDRESS = "Northwind Engineering Ltd\n1 Harbour Road\nBristol BS1 4AA"


def _text(pdf: bytes) -> str:
    return one_line(" ".join(pdf_text(pdf)))


def _invoiced(db: Session, *, coordinators: list[User] | None = None) -> tuple[Order, User]:
    employee = h.learner(db)
    org = h.organisation(
        db, members=[employee], coordinators=coordinators or [], pays_by_invoice=True
    )
    org.address = ADDRESS
    enrollment = take_seat(db, h.session(db, capacity=5, price_cents=49500), employee)
    order = orders.order_for_enrollment(db, enrollment.id)
    assert order is not None and order.invoice_number
    return order, employee


def test_a_refund_on_an_invoice_gets_a_numbered_credit_note_pdf(
    db: Session, client: TestClient
) -> None:
    boss = h.learner(db)
    order, employee = _invoiced(db, coordinators=[boss])
    refund = refunds.refund_order(
        db, order, amount=10000, reason="Goodwill credit", key="goodwill-1"
    )
    number = refund.credit_note_number
    assert number is not None and number.startswith(f"CN-{utcnow().year}-")
    invoice_number = order.invoice_number
    db.commit()

    log_in(client, employee.email)
    url = f"/orders/{order.id}/credit-notes/{refund.id}.pdf"
    page = client.get(f"/orders/{order.id}").text
    assert f'href="{url}"' in page and f"Credit note {number} (PDF)" in page
    response = client.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="{number}.pdf"'
    text = _text(response.content)
    for shown in (
        "Credit note",
        number,
        f"Issue date {long_date(utcnow().date())}",
        f"For invoice {invoice_number}",
        "Northwind Engineering Ltd 1 Harbour Road Bristol BS1 4AA",  # the organisation's address
        "Goodwill credit",
        "Total credited (USD) USD 100.00",
        f"Deduct USD 100.00 from what you pay on invoice {invoice_number}.",
    ):
        assert shown in text, shown
    assert "List price" not in text  # its own document, not an edited invoice

    # The invoice itself keeps its number and lists the credit note.
    invoice = _text(client.get(f"/orders/{order.id}/invoice.pdf").content)
    assert invoice_number in invoice and number in invoice
    assert "Northwind Engineering Ltd 1 Harbour Road" in invoice

    client.cookies.clear()
    log_in(client, boss.email)
    assert client.get(url).status_code == 200  # the organisation's coordinator


def test_credit_notes_go_only_to_those_who_may_see_the_invoice(
    db: Session, client: TestClient
) -> None:
    order, _ = _invoiced(db)
    refund = refunds.refund_order(db, order, amount=5000, reason="Goodwill", key="goodwill-2")
    stranger = h.learner(db)
    coordinator = make_coordinator(db)
    db.commit()
    url = f"/orders/{order.id}/credit-notes/{refund.id}.pdf"
    staff_url = f"/coordinator/orders/{order.id}/credit-notes/{refund.id}.pdf"

    assert client.get(url).status_code == 303  # signed out: to the login page
    log_in(client, stranger.email)
    assert client.get(url).status_code == 404
    assert client.get(staff_url).status_code == 403

    client.cookies.clear()
    log_in(client, coordinator.email)
    assert client.get(staff_url).status_code == 200
    assert f'href="{staff_url}"' in client.get(f"/coordinator/orders/{order.id}").text
    missing = client.get(f"/coordinator/orders/{order.id}/credit-notes/{refund.id + 999}.pdf")
    assert missing.status_code == 404 and "no such credit note" in missing.text


def test_a_refund_on_an_order_never_invoiced_has_no_credit_note(db: Session) -> None:
    person = h.learner(db)
    enrollment = take_seat(db, h.session(db, capacity=5, price_cents=20000), person)
    order = orders.order_for_held_booking(db, person, enrollment.id, now=utcnow())
    order.provider = orders.INVOICE  # refundable without Stripe, but never invoiced
    refund = refunds.refund_order(db, order, amount=100, reason="Test", key="no-invoice")
    assert order.invoice_number is None and refund.credit_note_number is None
