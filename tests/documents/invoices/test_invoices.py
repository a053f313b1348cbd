"""Invoice PDFs: what they show, who may download them, and one stored file per content."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import get_settings
from app.db import utcnow
from app.documents.invoices import service as invoices
from app.enrollment.seats import take_seat
from app.formatting import long_date
from app.payments import checkout, orders, promos
from app.payments.models import Order
from tests.documents.cert_helpers import make_coordinator, one_line, pdf_text
from tests.documents.glyphs import missing_characters
from tests.enrollment import helpers as h
from tests.factories import log_in, post_form
from tests.payments.helpers import refunds_of

NAME = "Łukasz Żółć"


def _invoiced_seat(db: Session, buyer: User, *, price_cents: int = 49500) -> Order:
    """A seat booked by a member of an organisation with a seat pack: invoiced at once."""
    target = h.session(db, capacity=5, price_cents=price_cents)
    enrollment = take_seat(db, target, buyer)
    order = orders.order_for_enrollment(db, enrollment.id)
    assert order is not None and order.invoice_number
    return order


def _text(pdf: bytes) -> str:
    return one_line(" ".join(pdf_text(pdf)))


def _download(client: TestClient, url: str) -> tuple[str, str]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return response.headers["etag"], _text(response.content)


def test_the_invoice_shows_seller_buyer_lines_total_and_due_date(
    db: Session, client: TestClient
) -> None:
    employee = h.learner(db, name=NAME)
    org = h.organisation(db, members=[employee], pays_by_invoice=True)
    order = _invoiced_seat(db, employee)
    [line] = orders.order_lines(db, order.id)
    db.commit()
    log_in(client, employee.email)
    page = client.get(f"/orders/{order.id}")
    assert f'href="/orders/{order.id}/invoice.pdf"' in page.text
    assert "Download invoice (PDF)" in page.text

    response = client.get(f"/orders/{order.id}/invoice.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="{order.invoice_number}.pdf"'
    )
    text = _text(response.content)
    assert order.invoice_number is not None and order.invoice_due_on is not None
    for shown in (
        "APEX Professional Skills Training",
        "Invoice",
        order.invoice_number,
        str(order.reference),
        org.name,
        NAME,
        one_line(line.description),
        f"Issue date {long_date(order.created_at.date())}",
        f"Due date {long_date(order.invoice_due_on)}",
        "USD 495.00",
        "Total (USD) USD 495.00",
        f"Due by {long_date(order.invoice_due_on)}",
        f"Quote {order.invoice_number} with your payment.",
    ):
        assert shown in text, shown
    assert "Tax ID" not in text  # shown only when APEX_INVOICE_SELLER_TAX_ID is set
    assert "Paid on" not in text
    assert missing_characters(response.content, [0], [NAME, org.name]) == []


def test_a_discounted_invoice_to_a_person_shows_list_price_discount_and_total(
    db: Session, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "invoice_seller_tax_id", "GB 123 4567 89")
    person = h.learner(db, name="Zoë Ødegård")
    target = h.session(db, capacity=5, price_cents=50000)
    enrollment = take_seat(db, target, person)
    order = orders.order_for_held_booking(db, person, enrollment.id, now=utcnow())
    promos.create_promo_code(
        db,
        code="TWENTY",
        percent_off=20,
        amount_off_cents=None,
        valid_from=date.today() - timedelta(days=1),
        valid_until=date.today() + timedelta(days=30),
    )
    promos.apply_promo_code(db, order, "TWENTY", now=utcnow())
    checkout.start_payment(db, person, order, "invoice", if_seat_gone="refund", now=utcnow())
    db.commit()
    log_in(client, person.email)
    _, text = _download(client, f"/orders/{order.id}/invoice.pdf")
    assert f"Zoë Ødegård {person.email}" in text  # no organisation: billed to the buyer
    assert "Ordered by" not in text
    # Per line: list price, discount, amount; then the sums of those columns.
    assert "List price Discount Amount" in text
    assert "USD 500.00 −USD 100.00 USD 400.00" in text
    assert "Subtotal (list prices) USD 500.00" in text
    assert "Discount (promo code TWENTY) −USD 100.00" in text
    assert "Total (USD) USD 400.00" in text
    assert "how to pay pay by bank transfer by the due date" in text.lower()
    assert "Tax ID: GB 123 4567 89" in text


def test_a_second_download_is_served_from_storage_without_rendering(
    db: Session, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    employee = h.learner(db)
    h.organisation(db, members=[employee], pays_by_invoice=True)
    order = _invoiced_seat(db, employee)
    db.commit()
    renders: list[str] = []
    real = invoices.render_invoice

    def counting(context: dict[str, Any]) -> bytes:
        renders.append(context["invoice_number"])
        return real(context)

    monkeypatch.setattr(invoices, "render_invoice", counting)
    log_in(client, employee.email)
    url = f"/orders/{order.id}/invoice.pdf"
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    assert renders == [order.invoice_number]
    again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert renders == [order.invoice_number]


def test_paid_and_refunded_invoices_are_new_files(db: Session, client: TestClient) -> None:
    employee = h.learner(db)
    h.organisation(db, members=[employee], pays_by_invoice=True)
    order = _invoiced_seat(db, employee)
    coordinator = make_coordinator(db)
    db.commit()
    log_in(client, coordinator.email)
    staff_page = f"/coordinator/orders/{order.id}"
    assert f'href="{staff_page}/invoice.pdf"' in client.get(staff_page).text
    unpaid, text = _download(client, f"{staff_page}/invoice.pdf")
    assert "Due by" in text

    marked = post_form(client, f"{staff_page}/mark-paid", {}, token_from=staff_page)
    assert marked.status_code == 303, marked.text
    paid, text = _download(client, f"{staff_page}/invoice.pdf")
    assert paid != unpaid
    assert f"Paid on {long_date(utcnow().date())}" in text and "Due by" not in text

    refunded = post_form(
        client,
        f"{staff_page}/refund",
        {"amount": "100.00", "reason": "Goodwill credit"},
        token_from=staff_page,
    )
    assert refunded.status_code == 303, refunded.text
    after_refund, text = _download(client, f"{staff_page}/invoice.pdf")
    assert after_refund not in (paid, unpaid)
    assert "Partly refunded" in text and "Goodwill credit" in text
    [note] = refunds_of(db, order)
    assert note.credit_note_number is not None
    assert f"{note.credit_note_number}" in text and "Credited −USD 100.00" in text
    assert "how to pay" not in text.lower()  # paid: no payment instructions

    # The buyer downloads the very same file.
    client.cookies.clear()
    log_in(client, employee.email)
    mine, _ = _download(client, f"/orders/{order.id}/invoice.pdf")
    assert mine == after_refund


def test_only_the_buyer_and_their_organisations_coordinators_get_the_invoice(
    db: Session, client: TestClient
) -> None:
    employee = h.learner(db)
    boss = h.learner(db)
    h.organisation(db, members=[employee], coordinators=[boss], pays_by_invoice=True)
    other_boss = h.learner(db)
    h.organisation(db, coordinators=[other_boss])
    stranger = h.learner(db)
    order = _invoiced_seat(db, employee)
    db.commit()
    url = f"/orders/{order.id}/invoice.pdf"

    signed_out = client.get(url)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/login?next=")

    for outsider in (stranger, other_boss):
        client.cookies.clear()
        log_in(client, outsider.email)
        assert client.get(url).status_code == 404
        assert client.get(f"/orders/{order.id + 1000}/invoice.pdf").status_code == 404
    assert client.get(f"/coordinator/orders/{order.id}/invoice.pdf").status_code == 403

    client.cookies.clear()
    log_in(client, boss.email)
    _, text = _download(client, url)
    assert order.invoice_number is not None and order.invoice_number in text


def test_an_order_not_paid_by_invoice_has_no_invoice_pdf(db: Session, client: TestClient) -> None:
    person = h.learner(db)
    enrollment = take_seat(db, h.session(db, capacity=5, price_cents=20000), person)
    order = orders.order_for_held_booking(db, person, enrollment.id, now=utcnow())
    coordinator = make_coordinator(db)
    db.commit()
    assert order.invoice_number is None
    log_in(client, person.email)
    order_page = client.get(f"/orders/{order.id}")
    assert order_page.status_code == 200 and "Download invoice" not in order_page.text
    mine = client.get(f"/orders/{order.id}/invoice.pdf")
    assert mine.status_code == 404
    assert "was not paid by invoice" in mine.text
    client.cookies.clear()
    log_in(client, coordinator.email)
    staff = client.get(f"/coordinator/orders/{order.id}/invoice.pdf")
    assert staff.status_code == 404 and "was not paid by invoice" in staff.text
