"""Reconciliation: compare Stripe's PaymentIntents and refunds with our orders.

It reports; it changes nothing unless asked to ``apply``, and then only by replaying
``fulfilment.settle_order`` (the same idempotent function webhooks use).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.payments import fulfilment, gateway, orders
from app.payments.gateway import IntentStatus
from app.payments.models import Order, Refund


@dataclass(frozen=True)
class Mismatch:
    """One disagreement between Stripe and the orders."""

    kind: str  # unpaid_order | unknown_intent | unrecorded_refund | paid_without_intent
    stripe_id: str | None
    order_reference: str | None
    detail: str
    order_id: int | None = None


@dataclass
class Report:
    """Everything reconciliation found, and what ``--apply`` fixed."""

    intents_checked: int = 0
    refunds_checked: int = 0
    orders_checked: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def find_mismatches(db: Session, since: datetime | None) -> Report:
    """What disagrees between Stripe and the database since ``since`` (all time if None)."""
    report = Report()
    orders_by_intent = {
        o.payment_intent_id: o
        for o in db.scalars(select(Order).where(Order.payment_intent_id.is_not(None)))
    }
    for intent in gateway.list_intents(since):
        report.intents_checked += 1
        order = orders_by_intent.get(intent.id)
        if order is None and intent.order_id is not None:
            order = db.get(Order, intent.order_id)
        if intent.status != IntentStatus.SUCCEEDED:
            continue
        if order is None:
            report.mismatches.append(
                Mismatch("unknown_intent", intent.id, None, "succeeded, but no order names it")
            )
        elif order.status not in orders.SETTLED or order.payment_intent_id != intent.id:
            report.mismatches.append(
                Mismatch(
                    "unpaid_order",
                    intent.id,
                    order.reference,
                    f"Stripe: succeeded; order: {order.status}",
                    order.id,
                )
            )
    recorded = set(db.scalars(select(Refund.provider_refund_id)))
    for refund in gateway.list_refunds(since):
        report.refunds_checked += 1
        if refund.id in recorded:
            continue
        order = orders_by_intent.get(refund.payment_intent_id or "")
        report.mismatches.append(
            Mismatch(
                "unrecorded_refund",
                refund.id,
                order.reference if order else None,
                f"{refund.amount} cents refunded at Stripe, not recorded here",
                order.id if order else None,
            )
        )
    for order in db.scalars(
        select(Order).where(Order.provider == orders.STRIPE, Order.status.in_(orders.SETTLED))
    ):
        report.orders_checked += 1
        if since is not None and order.created_at < since:
            continue
        intent_ok = False
        if order.payment_intent_id:
            intent_ok = (
                gateway.retrieve_intent(order.payment_intent_id).status == IntentStatus.SUCCEEDED
            )
        if not intent_ok:
            report.mismatches.append(
                Mismatch(
                    "paid_without_intent",
                    order.payment_intent_id,
                    order.reference,
                    "order marked paid, but Stripe has no succeeded PaymentIntent for it",
                    order.id,
                )
            )
    return report


def apply_fixes(
    db: Session, report: Report, *, commit: Callable[[], None], rollback: Callable[[], None]
) -> None:
    """Replay fulfilment for each order a mismatch names; each in its own transaction."""
    for order_id in sorted({m.order_id for m in report.mismatches if m.order_id is not None}):
        order = db.get(Order, order_id)
        label = order.reference if order else str(order_id)
        try:
            fulfilment.settle_order(db, order_id)
            commit()
            report.fixed.append(f"{label}: fulfilment replayed")
        except Exception as exc:  # one bad order must not stop the rest
            rollback()
            report.failed.append(f"{label}: {exc}")
