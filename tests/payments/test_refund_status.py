"""Every refund status Stripe sends fits the refunds table, ``requires_action`` included."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.enrollment.seats import take_seat
from app.payments import gateway, orders
from app.payments.models import Refund, RefundStatus
from app.payments.refunds import stripe_refund_row
from tests.enrollment import helpers as h


def test_a_stripe_refund_that_requires_action_is_stored(db: Session) -> None:
    person = h.learner(db)
    enrollment = take_seat(db, h.session(db, capacity=5, price_cents=20000), person)
    order = orders.order_for_held_booking(db, person, enrollment.id, now=utcnow())
    sent = gateway.StripeRefund(
        id="re_requires_action",
        amount=500,
        status="requires_action",
        payment_intent_id=None,
        key="k-action",
        created=0,
    )
    db.add(stripe_refund_row(order, "k-action", sent, reason="Refunded in Stripe"))
    db.flush()  # PostgreSQL refused 15 characters in VARCHAR(12)
    db.expire_all()
    stored = db.scalars(select(Refund).where(Refund.key == "k-action")).one()
    assert stored.status == RefundStatus.REQUIRES_ACTION
