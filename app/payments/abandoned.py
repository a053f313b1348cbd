"""Orders nobody paid for: cancelled a day after their seat holds ran out.

The day's grace is for card payments still on their way (a bank's 3-D Secure page left
open, a slow webhook): until then a late payment confirms the seat if one is free. After
it, the order is cancelled and its PaymentIntent with it; a payment that somehow still
succeeds is then refunded by ``fulfilment.settle_order`` like any paid-without-seat.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.enrollment.models import EnrollmentStatus
from app.payments import fulfilment, gateway, orders, refunds
from app.payments.gateway import IntentStatus
from app.payments.models import Order

log = logging.getLogger(__name__)

GRACE = timedelta(hours=24)


def _abandoned(db: Session, order: Order, now: datetime) -> bool:
    """True when none of the order's seats is confirmed or still (recently) held."""
    for enrollment in orders.held_enrollments(db, order):
        if enrollment.status == EnrollmentStatus.CONFIRMED:
            return False
        recent = enrollment.hold_expires_at is not None and enrollment.hold_expires_at > now - GRACE
        if enrollment.status in (EnrollmentStatus.HELD, EnrollmentStatus.EXPIRED) and recent:
            return False
    return True


def cancel_abandoned_orders(db: Session, now: datetime) -> int:
    """Cancel unpaid card (or not yet chosen) orders whose holds ran out over a day ago."""
    query = select(Order.id).where(
        Order.status.in_(orders.UNPAID),
        or_(Order.provider.is_(None), Order.provider == orders.STRIPE),
        Order.created_at <= now - GRACE,
    )
    cancelled = 0
    for order_id in list(db.scalars(query)):
        order = db.get(Order, order_id)
        assert order is not None
        if not _abandoned(db, order, now):
            continue
        if order.payment_intent_id and not gateway.is_configured():
            continue  # card payments were switched off: leave card orders for reconcile
        if order.payment_intent_id:
            intent = gateway.retrieve_intent(order.payment_intent_id)
            if intent.status in (IntentStatus.SUCCEEDED, IntentStatus.PROCESSING):
                fulfilment.settle_order(db, order.id, intent=intent, now=now)
                continue
        order = orders.lock_order(db, order.id)
        if order.status in orders.UNPAID:
            refunds.cancel_unpaid(db, order, now=now)
            cancelled += 1
    if cancelled:
        log.info("cancelled %d abandoned orders", cancelled)
    return cancelled
