"""An organisation coordinator sees what is billed to the organisation, and nobody else's."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import organisations
from app.payments import orders
from app.payments.models import OrderLine
from tests.factories import log_in, make_organisation, make_user


def _billed_order(db: Session, organisation_id: int, buyer_id: int, what: str) -> str:
    line = OrderLine(kind="seat", description=what, list_price_cents=99000, amount_cents=99000)
    order = orders.add_order(
        db, user_id=buyer_id, organisation_id=organisation_id, currency="USD", lines=[line]
    )
    order.provider = "invoice"
    db.flush()
    return order.reference


def test_the_coordinator_finds_the_orders_from_the_organisation_pages(
    client: TestClient, db: Session
) -> None:
    northwind = make_organisation(db, name="Northwind")
    contoso = make_organisation(db, name="Contoso")
    omar = make_user(db, name="Omar Orgcoord")
    member = make_user(db, name="Lena Member")
    organisations.add_member(db, northwind, email=omar.email, coordinator=True)
    organisations.add_member(db, northwind, email=member.email)
    ours = _billed_order(db, northwind.id, member.id, "Seat: Status Communication")
    theirs = _billed_order(db, contoso.id, omar.id, "Seat pack: 10 seats")

    log_in(client, omar.email)
    members_page = client.get(f"/orgs/{northwind.id}")
    assert f'href="/orgs/{northwind.id}/orders"' in members_page.text
    page = client.get(f"/orgs/{northwind.id}/orders")
    assert page.status_code == 200
    assert ours in page.text and "Lena Member" in page.text
    assert theirs not in page.text
    assert f"/orders/{ours.removeprefix('APX-').lstrip('0')}/invoice.pdf" in page.text

    other = client.get(f"/orgs/{contoso.id}/orders")
    assert other.status_code == 404 and "Contoso" not in other.text
    assert client.get("/orgs/2147483648/orders").status_code == 404


def test_a_plain_member_cannot_see_the_organisations_orders(
    client: TestClient, db: Session
) -> None:
    northwind = make_organisation(db, name="Northwind")
    member = make_user(db)
    organisations.add_member(db, northwind, email=member.email)
    log_in(client, member.email)
    assert client.get(f"/orgs/{northwind.id}/orders").status_code == 404


def test_an_organisation_with_nothing_billed_says_so(client: TestClient, db: Session) -> None:
    northwind = make_organisation(db, name="Northwind")
    omar = make_user(db)
    organisations.add_member(db, northwind, email=omar.email, coordinator=True)
    log_in(client, omar.email)
    page = client.get(f"/orgs/{northwind.id}/orders")
    assert "Nothing has been billed to Northwind yet" in page.text
