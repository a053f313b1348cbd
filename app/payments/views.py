"""What order pages show: amounts as text, states in words, lines and refunds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Organisation, User
from app.db import utcnow
from app.enrollment.hooks import OrderLink
from app.errors import Conflict
from app.formatting import local_time, money, utc_stamp
from app.payments import orders, refunds
from app.payments.models import Order, OrderLine, OrderStatus, PromoCode, Refund
from app.scheduling.models import CourseSession

STATUS_TEXT = {
    OrderStatus.OPEN: "Not paid yet",
    OrderStatus.AWAITING_PAYMENT: "Awaiting payment",
    OrderStatus.PAID: "Paid",
    OrderStatus.REFUNDED: "Refunded",
    OrderStatus.PARTIALLY_REFUNDED: "Partly refunded",
    OrderStatus.CANCELLED: "Cancelled",
}
# An unpaid order whose seats are no longer held for it (the ticker cancels it soon).
HOLD_RAN_OUT = "Hold ran out"
PROVIDER_TEXT = {
    orders.STRIPE: "Card (Stripe)",
    orders.INVOICE: "Invoice",
    orders.FREE: "Promo code (nothing to pay)",
    None: "Not chosen yet",
}


@dataclass(frozen=True)
class LineView:
    description: str
    amount: str  # the list price, before any discount
    refunded: str | None
    session_id: int | None
    net_amount: str  # after the line's share of the order's discount (invoices show both)
    discount: str | None  # the line's share of the order's discount, None for none


@dataclass(frozen=True)
class RefundView:
    amount: str
    reason: str
    when: str
    reference: str | None
    id: int
    credit_note_number: str | None


@dataclass(frozen=True)
class OrderView:
    """One order, ready for a page."""

    order: Order
    status_text: str
    provider_text: str
    payable: bool  # the learner may still pay it (the checkout would not refuse it)
    lines: list[LineView]
    subtotal: str
    discount: str | None
    promo_code: str | None
    total: str
    refunded: str | None
    refundable: str | None
    refundable_cents: int
    credit: str | None
    refunds: list[RefundView]
    buyer: str
    buyer_email: str
    organisation: str | None
    organisation_address: list[str]


def _payable(db: Session, order: Order, now: datetime) -> bool:
    """True while ``orders.refuse_unless_payable`` lets the learner pay (card or choice)."""
    if order.provider == orders.INVOICE or order.status not in orders.UNPAID:
        return False
    try:
        orders.refuse_unless_payable(db, order, now)
    except Conflict:
        return False
    return True


def _status_text(order: Order, payable: bool) -> str:
    if order.status in orders.UNPAID and order.provider != orders.INVOICE and not payable:
        return HOLD_RAN_OUT
    return STATUS_TEXT.get(order.status, order.status)


def order_view(db: Session, order: Order, *, now: datetime | None = None) -> OrderView:
    """Everything a receipt, checkout or coordinator page shows about an order.

    Subtotal, discount and total are the sums of the lines' list prices, discounts and
    amounts, so an invoice that shows both agrees to the cent.
    """
    amount = partial(money, currency=order.currency)
    rows = orders.order_lines(db, order.id)
    lines = [
        LineView(
            line.description,
            amount(line.list_price_cents),
            amount(line.refunded_cents) if line.refunded_cents else None,
            line.session_id,
            amount(line.amount_cents),
            amount(off) if (off := line.list_price_cents - line.amount_cents) else None,
        )
        for line in rows
    ]
    subtotal = sum(line.list_price_cents for line in rows)
    total = sum(line.amount_cents for line in rows)
    given_back = db.scalars(
        select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)
    ).all()
    promo = db.get(PromoCode, order.promo_code_id) if order.promo_code_id else None
    buyer = db.get(User, order.user_id)
    organisation = db.get(Organisation, order.organisation_id) if order.organisation_id else None
    left = refunds.refundable(order)
    payable = _payable(db, order, now or utcnow())
    return OrderView(
        order=order,
        status_text=_status_text(order, payable),
        provider_text=PROVIDER_TEXT.get(order.provider, order.provider or ""),
        payable=payable,
        lines=lines,
        subtotal=amount(subtotal),
        discount=amount(subtotal - total) if subtotal != total else None,
        promo_code=promo.code if promo else None,
        total=amount(total),
        refunded=amount(order.refunded_cents) if order.refunded_cents else None,
        refundable=amount(left) if left else None,
        refundable_cents=left,
        credit=amount(order.credit_cents) if order.credit_cents else None,
        refunds=[
            RefundView(
                amount(r.amount_cents),
                r.reason,
                utc_stamp(r.created_at),
                r.provider_refund_id,
                r.id,
                r.credit_note_number,
            )
            for r in given_back
        ],
        buyer=buyer.display_name if buyer else "",
        buyer_email=buyer.email if buyer else "",
        organisation=organisation.name if organisation else None,
        organisation_address=_lines(organisation.address) if organisation else [],
    )


def _lines(text: str) -> list[str]:
    """A multi-line address as its non-empty lines."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _first_session(db: Session, order: Order) -> CourseSession | None:
    first = next((line for line in orders.order_lines(db, order.id) if line.session_id), None)
    return db.get(CourseSession, first.session_id) if first and first.session_id else None


def policy_text(db: Session, order: Order) -> str:
    """The cancellation refund policy of the order's first session, in a sentence."""
    session = _first_session(db, order)
    if session is None:
        return ""
    return refunds.describe_policy(refunds.policy_for(db, session))


def deadline_text(db: Session, order: Order) -> str | None:
    """'Friday 18 December 2026, 14:30 CET': when the order's seats stop being held."""
    deadline = orders.hold_deadline(db, order)
    session = _first_session(db, order)
    if deadline is None or session is None:
        return None
    return local_time(deadline, session.timezone)


def roster_order_links(db: Session, enrollment_ids: Sequence[int]) -> dict[int, OrderLink]:
    """Enrolment hook: the order behind each seat (the newest not cancelled), for the roster.

    Staff open it to refund, or to mark an invoice paid, without searching the orders list.
    """
    query = (
        select(OrderLine.enrollment_id, Order)
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.enrollment_id.in_(enrollment_ids), Order.status != OrderStatus.CANCELLED)
        .order_by(Order.id)
    )
    links: dict[int, OrderLink] = {}
    for enrollment_id, order in db.execute(query):
        if enrollment_id is not None:
            label = f"{order.reference} · {STATUS_TEXT.get(order.status, order.status)}"
            links[enrollment_id] = OrderLink(label, f"/coordinator/orders/{order.id}")
    return links
