"""E-mail about money: receipts, invoices, refunds, and a payment that found no seat.

Each notice is sent by the one state change that causes it (paid, refunded, ...), which
happens once under the order's lock, so a replayed webhook never sends a second receipt.
A failure to send is logged and never undoes the payment.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from app.accounts.models import Organisation, User
from app.base_url import absolute_url
from app.formatting import money
from app.notifications.mail import send_template
from app.payments import orders
from app.payments.models import Order, PromoCode, Refund

log = logging.getLogger(__name__)


def order_url(order: Order) -> str:
    """The order's page (receipt) for links in mail."""
    return absolute_url(f"/orders/{order.id}")


def _base(db: Session, order: Order) -> tuple[User | None, dict[str, Any]]:
    user = db.get(User, order.user_id)
    lines = [
        {
            "description": line.description,
            "amount": money(line.list_price_cents, order.currency),
        }
        for line in orders.order_lines(db, order.id)
    ]
    promo = db.get(PromoCode, order.promo_code_id) if order.promo_code_id else None
    context = {
        "name": user.display_name if user else "",
        "reference": order.reference,
        "lines": lines,
        "total": money(order.total_cents, order.currency),
        "discount": money(order.discount_cents, order.currency) if order.discount_cents else "",
        "promo": promo.code if promo else "",
        "order_url": order_url(order),
        "invoice_number": order.invoice_number or "",
        "provider": order.provider or "",
    }
    return user, context


def _send(db: Session, order: Order, subject: str, template: str, extra: dict[str, Any]) -> None:
    try:
        user, context = _base(db, order)
        if user is None:
            return
        send_template(
            to=user.email,
            subject=subject,
            template=f"emails/{template}",
            context={**context, **extra},
            after_commit_of=db,  # told only once the payment change is committed
        )
    except Exception:
        log.exception("payment notice %s for order %s failed", template, order.id)


def receipt(db: Session, order: Order) -> None:
    """Payment received."""
    paid_on = order.paid_at.date().isoformat() if order.paid_at else ""
    _send(
        db,
        order,
        f"Receipt for order {order.reference}",
        "payment_receipt.txt",
        {"paid_on": paid_on},
    )


def invoice_sent(db: Session, order: Order) -> None:
    """Seat confirmed, to be paid by invoice."""
    organisation = db.get(Organisation, order.organisation_id) if order.organisation_id else None
    _send(
        db,
        order,
        f"Invoice {order.invoice_number} for order {order.reference}",
        "payment_invoice.txt",
        {
            "organisation": organisation.name if organisation else "",
            "due_on": order.invoice_due_on.isoformat() if order.invoice_due_on else "",
        },
    )


def refunded(db: Session, order: Order, refund: Refund) -> None:
    """Money given back."""
    _send(
        db,
        order,
        f"Refund of {money(refund.amount_cents, order.currency)} on order {order.reference}",
        "payment_refund.txt",
        {
            "amount": money(refund.amount_cents, order.currency),
            "reason": refund.reason,
            "refunded": money(order.refunded_cents, order.currency),
        },
    )


def seat_gone(
    db: Session, order: Order, session_label: str, amount: int, *, waitlisted: bool
) -> None:
    """Paid after the seat went to someone else: refunded, or kept as credit in line."""
    _send(
        db,
        order,
        f"Your payment for order {order.reference}: the seat was no longer free",
        "payment_seat_gone.txt",
        {
            "session": session_label,
            "amount": money(amount, order.currency),
            "waitlisted": waitlisted,
        },
    )
