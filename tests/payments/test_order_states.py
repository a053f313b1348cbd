"""What "My orders" says about an unpaid order: payable while its seats are held, not after."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.enrollment.models import Enrollment
from app.payments import views
from tests.enrollment import helpers as h
from tests.factories import log_in, post_form
from tests.payments.helpers import book_to_checkout


def test_an_order_whose_hold_ran_out_says_so_and_offers_no_pay_link(
    db: Session, client: TestClient
) -> None:
    target = h.session(db, capacity=5, price_cents=49500)
    person = h.learner(db)
    db.commit()
    log_in(client, person.email)
    order = book_to_checkout(client, db, target.id, person)
    pay_link = f'href="/orders/{order.id}/checkout"'

    held = client.get("/orders").text
    assert "Not paid yet" in held and pay_link in held

    enrollment = db.scalars(select(Enrollment).where(Enrollment.user_id == person.id)).one()
    enrollment.hold_expires_at = utcnow() - timedelta(minutes=1)
    db.commit()
    expired = client.get("/orders").text
    assert views.HOLD_RAN_OUT in expired
    assert "Not paid yet" not in expired and pay_link not in expired
    # The same rule the checkout applies: it refuses this order.
    assert not views.order_view(db, order).payable
    refused = post_form(
        client,
        f"/orders/{order.id}/pay",
        {"method": "invoice", "if_seat_gone": "refund"},
        token_from=f"/orders/{order.id}/checkout",
    )
    assert refused.status_code == 303
    assert "ran out, so it cannot be paid" in client.get(refused.headers["location"]).text
