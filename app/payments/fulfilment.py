"""Turning a payment into seats: one idempotent function for webhooks, the return page,
and reconciliation.

``settle_order`` reads the PaymentIntent from Stripe (never trusting a webhook body),
then, under the sessions' and the order's locks, moves the order to what Stripe says.
Run it any number of times, in any order, for any mix of events: it ends in the same
state, confirms each seat once and sends one receipt.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.enrollment import rules, seats
from app.enrollment.models import Enrollment, EnrollmentStatus
from app.errors import Conflict, NotFound
from app.payments import gateway, notices, orders, refunds
from app.payments.gateway import IntentStatus
from app.payments.models import Order, OrderLine, OrderStatus, Refund
from app.scheduling import visibility
from app.scheduling.models import CourseSession, SessionStatus

log = logging.getLogger(__name__)


def settle_order(
    db: Session,
    order_id: int,
    *,
    intent: gateway.Intent | None = None,
    now: datetime | None = None,
) -> Order:
    """Bring an order in line with its Stripe PaymentIntent (and that intent's refunds)."""
    now = now or utcnow()
    order = db.get(Order, order_id)
    if order is None:
        raise NotFound("There is no such order.")
    if intent is None:
        if order.payment_intent_id is None:
            return order  # invoice or not started: nothing at Stripe to look at
        intent = gateway.retrieve_intent(order.payment_intent_id)
    # Read Stripe before taking any lock, so no row stays locked during the HTTP calls.
    stripe_refunds = (
        gateway.refunds_for(intent.id) if intent.status == IntentStatus.SUCCEEDED else []
    )
    order = orders.lock_order(db, order_id)
    if intent.id != order.payment_intent_id and not _adopt(order, intent):
        _refund_stray(db, order, intent)
        return order
    if intent.status == IntentStatus.SUCCEEDED and order.status not in orders.SETTLED:
        _mark_paid(db, order, intent, now)
    elif intent.status == IntentStatus.CANCELED and order.status in orders.UNPAID:
        refunds.cancel_unpaid(db, order, now=now)
    elif intent.last_error and order.status in orders.UNPAID:
        order.note = f"Last card attempt failed: {intent.last_error}"
    for sent in stripe_refunds:
        refunds.record_stripe_refund(db, order, sent)
    db.flush()
    return order


def _adopt(order: Order, intent: gateway.Intent) -> bool:
    """Take a succeeded intent made for this unpaid order whose id we lost (same amount)."""
    matches = (
        intent.status == IntentStatus.SUCCEEDED
        and order.status in orders.UNPAID
        and intent.amount == order.total_cents
        and intent.currency == order.currency
    )
    if matches:
        order.payment_intent_id = intent.id
        order.provider = orders.STRIPE
    return matches


def _refund_stray(db: Session, order: Order, intent: gateway.Intent) -> None:
    """A second payment for an order already paid (e.g. two tabs): give it all back."""
    if intent.status != IntentStatus.SUCCEEDED:
        return
    key = f"duplicate-{intent.id}"
    if db.scalar(select(Refund.id).where(Refund.key == key)) is not None:
        return
    sent = gateway.create_refund(
        intent_id=intent.id, amount=intent.amount, key=key, order_id=order.id
    )
    reason = "A second payment for an order already paid was refunded in full"
    db.add(refunds.stripe_refund_row(order, key, sent, reason=reason))
    db.flush()
    log.warning("order %s: refunded duplicate payment %s", order.reference, intent.id)


def _mark_paid(db: Session, order: Order, intent: gateway.Intent, now: datetime) -> None:
    if intent.amount != order.total_cents or intent.currency != order.currency:
        # Never confirm seats for a payment of the wrong amount: give it back.
        log.error("order %s: intent %s amount mismatch", order.reference, intent.id)
        order.note = "The payment amount did not match the order; it was refunded."
        _refund_stray(db, order, intent)
        return
    was_cancelled = order.status == OrderStatus.CANCELLED
    order.status = OrderStatus.PAID
    order.provider = orders.STRIPE
    order.paid_at = now
    order.note = ""
    db.flush()
    gone = confirm_seats(db, order, now)
    notices.receipt(db, order)
    for line in gone:
        _seat_gone(db, order, line, now, keep_credit=not was_cancelled)


def confirm_seats(db: Session, order: Order, now: datetime) -> list[OrderLine]:
    """Confirm every seat the order paid for; return the lines whose seat was gone."""
    gone: list[OrderLine] = []
    for line in orders.order_lines(db, order.id):
        enrollment = db.get(Enrollment, line.enrollment_id) if line.enrollment_id else None
        if enrollment is None:
            gone.append(line)
            continue
        try:
            with db.begin_nested():
                seats.confirm_enrollment(db, enrollment, now=now)
        except (Conflict, NotFound):
            gone.append(line)
    return gone


def _seat_gone(
    db: Session, order: Order, line: OrderLine, now: datetime, *, keep_credit: bool
) -> None:
    """Paid, but the seat went to someone else: refund it, or keep credit in the line."""
    session = db.get(CourseSession, line.session_id) if line.session_id else None
    label = rules.session_label(db, session) if session else line.description
    enrollment = db.get(Enrollment, line.enrollment_id) if line.enrollment_id else None
    wants_line = keep_credit and order.if_seat_gone == "waitlist"
    if (
        wants_line
        and enrollment is not None
        and session is not None
        and _rejoin_line(db, enrollment, session, now)
    ):
        order.credit_cents += line.amount_cents
        order.note = f"{label}: paid after the seat was gone; kept as credit on the waitlist."
        db.flush()
        notices.seat_gone(db, order, label, line.amount_cents, waitlisted=True)
        return
    amount = min(line.amount_cents - line.refunded_cents, refunds.refundable(order))
    if amount > 0:
        refunds.refund_order(
            db,
            order,
            amount=amount,
            reason=f"the seat on {label} was no longer free when your payment arrived",
            key=f"seat-gone-{line.id}",
            line=line,
        )
    order.note = f"{label}: paid after the seat was gone; refunded in full."
    db.flush()
    notices.seat_gone(db, order, label, amount, waitlisted=False)


def _rejoin_line(
    db: Session, enrollment: Enrollment, session: CourseSession, now: datetime
) -> bool:
    """Put an expired hold back in the waitlist (the session must still be ahead)."""
    if session.status != SessionStatus.SCHEDULED or visibility.has_started(session, now):
        return False
    if enrollment.status not in (EnrollmentStatus.EXPIRED, EnrollmentStatus.HELD):
        return False
    enrollment.status = EnrollmentStatus.WAITLISTED
    enrollment.waitlisted_at = now
    enrollment.hold_expires_at = None
    db.flush()
    return True


def use_credit(db: Session, order: Order, enrollment: Enrollment, *, now: datetime) -> bool:
    """Pay a seat offered from the waitlist with the credit kept on its order."""
    order = orders.lock_order(db, order.id)
    line = db.scalar(
        select(OrderLine).where(
            OrderLine.order_id == order.id, OrderLine.enrollment_id == enrollment.id
        )
    )
    if line is None or order.credit_cents < line.amount_cents:
        return False
    seats.confirm_enrollment(db, enrollment, now=now)
    order.credit_cents -= line.amount_cents
    order.note = ""
    db.flush()
    return True
