"""Small steps the payments tests share: book a held seat, reach checkout, pay by card."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.enrollment.models import Enrollment
from app.payments.models import Order, PaymentEvent, Refund
from tests.factories import post_form


def book_to_checkout(client: TestClient, db: Session, session_id: int, user: User) -> Order:
    """Book a seat through the pages (held) and open its checkout; returns the order."""
    booked = post_form(
        client, f"/sessions/{session_id}/book", {}, token_from=f"/sessions/{session_id}"
    )
    assert booked.status_code == 307 and booked.headers["location"].endswith("/pay")
    checkout = post_form(client, booked.headers["location"], {}, token_from="/bookings")
    assert checkout.status_code == 303, checkout.text
    order = db.scalars(
        select(Order).where(Order.user_id == user.id).order_by(Order.id.desc())
    ).first()
    assert order is not None
    return order


def start_card(client: TestClient, order: Order, *, if_seat_gone: str = "refund") -> str:
    """Choose card on the checkout page; returns the PaymentIntent's client secret."""
    checkout_url = f"/orders/{order.id}/checkout"
    chosen = post_form(
        client,
        f"/orders/{order.id}/pay",
        {"method": "card", "if_seat_gone": if_seat_gone},
        token_from=checkout_url,
    )
    assert chosen.status_code == 303, chosen.text
    assert chosen.headers["location"] == f"/orders/{order.id}/card"
    page = client.get(f"/orders/{order.id}/card")
    assert page.status_code == 200, page.text
    match = re.search(r'data-client-secret="([^"]+)"', page.text)
    assert match, "the card page carries no client secret"
    return match.group(1)


def fresh(db: Session, order: Order) -> Order:
    """The order as the database has it now."""
    db.expire_all()
    current = db.get(Order, order.id)
    assert current is not None
    return current


def enrollment_status(db: Session, user: User) -> list[str]:
    """The person's enrolment states, oldest first."""
    db.expire_all()
    query = select(Enrollment.status).where(Enrollment.user_id == user.id).order_by(Enrollment.id)
    return list(db.scalars(query))


def refunds_of(db: Session, order: Order) -> list[Refund]:
    """The refunds recorded for an order."""
    return list(db.scalars(select(Refund).where(Refund.order_id == order.id)))


def events_stored(db: Session) -> int:
    """How many webhook events are stored."""
    return len(db.scalars(select(PaymentEvent.id)).all())
