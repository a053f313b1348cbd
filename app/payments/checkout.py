"""Paying for an order: by card (a Stripe PaymentIntent) or by invoice, and invoices paid.

The two providers share one small interface: ``start`` turns an open order into one that
is paid or awaiting payment. Invoice customers' seats are confirmed at once; card seats
stay held until Stripe says the money arrived (``fulfilment.settle_order``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import organisations
from app.accounts.models import Organisation, User
from app.config import get_settings
from app.db import utcnow
from app.enrollment import payers, rules, seats
from app.enrollment.models import Enrollment, SeatPack
from app.errors import Conflict, Invalid
from app.payments import gateway, notices, numbering, orders
from app.payments.gateway import IntentStatus
from app.payments.models import Order, OrderLine, OrderStatus


@dataclass(frozen=True)
class PaymentStart:
    """What the checkout page needs next: done, or a client secret for Stripe.js."""

    order: Order
    client_secret: str | None = None


class PaymentProvider(Protocol):
    """A way to pay: ``start`` moves an open order to paid or awaiting payment."""

    name: str

    def start(self, db: Session, order: Order, *, now: datetime) -> PaymentStart: ...


def invoice_allowed(db: Session, user: User) -> bool:
    """Members of an organisation that pays by invoice may; anyone may when no card
    provider is set."""
    return not gateway.is_configured() or payers.invoice_organisation_id(db, user.id) is not None


class InvoiceProvider:
    """The order gets an invoice number and due date; its seats are confirmed at once."""

    name = orders.INVOICE

    def start(self, db: Session, order: Order, *, now: datetime) -> PaymentStart:
        """Invoice the order and confirm its seats (``Conflict`` if a seat is gone)."""
        for enrollment in orders.held_enrollments(db, order):
            seats.confirm_enrollment(db, enrollment, now=now)
        if order.organisation_id is None:  # a member's seat: billed to whoever pays
            order.organisation_id = payers.invoice_organisation_id(db, order.user_id)
        issue_invoice(db, order, now=now)
        return PaymentStart(order)


def issue_invoice(db: Session, order: Order, *, now: datetime) -> None:
    """Number the invoice, set its due date, and send it.

    The number is the next of the year's gapless series (``numbering``), taken under its
    row lock, the last lock of the transaction; an order invoiced before keeps its number.
    """
    order.provider = orders.INVOICE
    order.status = OrderStatus.AWAITING_PAYMENT
    if order.invoice_number is None:
        order.invoice_number = numbering.issue(db, numbering.INVOICE, now.date())
    order.invoice_due_on = now.date() + timedelta(days=get_settings().invoice_due_days)
    db.flush()
    notices.invoice_sent(db, order)


class StripeProvider:
    """A PaymentIntent for the order's total; Stripe.js confirms it in the browser."""

    name = orders.STRIPE

    def start(self, db: Session, order: Order, *, now: datetime) -> PaymentStart:
        """Create (or reuse) the order's PaymentIntent; the key ties it to order and amount."""
        if order.payment_intent_id is not None:
            intent = gateway.retrieve_intent(order.payment_intent_id)
            if intent.amount == order.total_cents and intent.status != IntentStatus.CANCELED:
                return PaymentStart(order, intent.client_secret)
        key = f"apex-order-{order.id}-{order.total_cents}-{order.currency}"
        intent = gateway.create_intent(
            order_id=order.id,
            reference=order.reference or str(order.id),
            amount=order.total_cents,
            currency=order.currency,
            key=key,
        )
        order.payment_intent_id = intent.id
        order.provider = orders.STRIPE
        order.status = OrderStatus.AWAITING_PAYMENT
        db.flush()
        return PaymentStart(order, intent.client_secret)


class FreeProvider:
    """A promo code took the whole price: the seats are confirmed with nothing to pay."""

    name = orders.FREE

    def start(self, db: Session, order: Order, *, now: datetime) -> PaymentStart:
        """Confirm the seats and mark the order paid."""
        for enrollment in orders.held_enrollments(db, order):
            seats.confirm_enrollment(db, enrollment, now=now)
        order.provider = orders.FREE
        order.status = OrderStatus.PAID
        order.paid_at = now
        db.flush()
        notices.receipt(db, order)
        return PaymentStart(order)


def start_payment(
    db: Session, user: User, order: Order, method: str, *, if_seat_gone: str, now: datetime
) -> PaymentStart:
    """Pay for an open order by ``card`` or ``invoice``, as the checkout form chose."""
    order = orders.lock_order(db, order.id)
    if order.user_id != user.id:
        raise Invalid("This is not your order.")
    orders.refuse_unless_payable(db, order, now)
    if if_seat_gone not in ("refund", "waitlist"):
        raise Invalid("Choose what should happen if your seat is gone when the payment arrives.")
    order.if_seat_gone = if_seat_gone
    provider = _provider(db, user, order, method, now)
    if order.status == OrderStatus.AWAITING_PAYMENT and provider.name != order.provider:
        if order.provider == orders.STRIPE and order.payment_intent_id:
            gateway.cancel_intent(order.payment_intent_id)  # switching from card to invoice
            order.payment_intent_id = None
        order.status = OrderStatus.OPEN
    return provider.start(db, order, now=now)


def _provider(db: Session, user: User, order: Order, method: str, now: datetime) -> PaymentProvider:
    if order.total_cents == 0:
        return FreeProvider()
    if method == "card":
        if not gateway.is_configured():
            raise Conflict("Card payments are not available here; choose invoice.")
        return StripeProvider()
    if method == "invoice":
        if not invoice_allowed(db, user):
            raise Conflict(
                "Paying by invoice is for client organisations with an account; pay by card."
            )
        return InvoiceProvider()
    raise Invalid("Choose how to pay: card or invoice.")


def mark_invoice_paid(db: Session, order: Order, *, now: datetime) -> Order:
    """A coordinator records that an invoice was paid."""
    order = orders.lock_order(db, order.id)
    if order.provider != orders.INVOICE or order.status != OrderStatus.AWAITING_PAYMENT:
        raise Conflict(f"Order {order.reference} is not an unpaid invoice.")
    order.status = OrderStatus.PAID
    order.paid_at = now
    orders.set_status_from_refunds(order)  # credit notes already given count
    db.flush()
    notices.receipt(db, order)
    return order


def on_invoice_booking(
    db: Session, enrollments: Sequence[Enrollment], organisation_id: int | None
) -> None:
    """Enrolment hook: seats confirmed at once to be paid by invoice get an invoiced order,
    billed to ``organisation_id`` (its coordinators see it) or to the person."""
    first = enrollments[0]
    if orders.order_for_enrollment(db, first.id) is not None:
        return
    user = db.get(User, payers.paying_user_id(db, first))  # a group's booker, else the holder
    assert user is not None
    order = orders.create_order(db, user, list(enrollments), organisation_id=organisation_id)
    issue_invoice(db, order, now=utcnow())


def invoice_seat_pack(
    db: Session, pack_id: int, *, price_cents: int, by: User, now: datetime
) -> Order:
    """Invoice a client organisation for a seat pack (one order per pack)."""
    pack = db.get(SeatPack, pack_id)
    if pack is None:
        raise Invalid("Choose the seat pack to invoice.")
    if price_cents <= 0:
        raise Invalid("A seat pack's price is more than zero.")
    billed = db.scalar(
        select(Order.reference)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(OrderLine.seat_pack_id == pack.id, Order.status != OrderStatus.CANCELLED)
    )
    if billed is not None:
        raise Conflict(f"This seat pack is already invoiced on order {billed}.")
    organisation = db.get(Organisation, pack.organisation_id)
    assert organisation is not None
    # The buyer is the organisation's coordinator (who sees the order), else the seller.
    buyer_id = organisations.first_coordinator_id(db, pack.organisation_id)
    course = rules.course_titles(db, [pack.course_id])[pack.course_id] if pack.course_id else None
    description = (
        f"Seat pack for {organisation.name}: {pack.seats} seats"
        f"{f' of “{course}”' if course else ', any course'}, "
        f"valid {pack.valid_from.isoformat()} to {pack.valid_until.isoformat()}"
    )
    line = OrderLine(
        kind="seat_pack",
        description=description,
        seat_pack_id=pack.id,
        list_price_cents=price_cents,
        amount_cents=price_cents,
    )
    order = orders.add_order(
        db,
        user_id=buyer_id or by.id,
        organisation_id=organisation.id,
        currency=get_settings().currency,
        lines=[line],
    )
    issue_invoice(db, order, now=now)
    return order


def uninvoiced_seat_packs(db: Session) -> list[SeatPack]:
    """Seat packs no live order bills yet, newest first (for the coordinators' form)."""
    billed = (
        select(OrderLine.seat_pack_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.seat_pack_id.is_not(None), Order.status != OrderStatus.CANCELLED)
    )
    query = select(SeatPack).where(SeatPack.id.not_in(billed)).order_by(SeatPack.id.desc())
    return list(db.scalars(query))
