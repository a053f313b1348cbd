"""A paid-for seat moved to another session: its order line follows it, and a price
difference is settled (an unpaid card order is repriced; a paid or invoiced one gets a
refund or credit note for a cheaper session, or an invoice for the difference).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.enrollment import rules
from app.enrollment.models import Enrollment
from app.formatting import money
from app.payments import checkout, orders, refunds
from app.payments.models import Order, OrderLine
from app.scheduling.models import CourseSession

DIFFERENCE = "difference"


def on_seat_moved(db: Session, enrollment: Enrollment, old_price_cents: int) -> None:
    """Enrolment hook: the seat's line now names the new session; settle the difference."""
    order = orders.order_for_enrollment(db, enrollment.id)
    if order is None:
        return  # a seat pack or a complimentary seat: nothing to move
    session = db.get(CourseSession, enrollment.session_id)
    assert session is not None
    order = orders.lock_order(db, order.id)
    line = db.scalar(
        select(OrderLine).where(
            OrderLine.order_id == order.id, OrderLine.enrollment_id == enrollment.id
        )
    )
    if line is None:
        return
    label = rules.session_label(db, session)
    line.session_id = session.id
    if line.kind == "seat":
        line.description = f"Seat: {label}"
    db.flush()
    difference = session.price_cents - old_price_cents
    if line.kind != "seat" or difference == 0 or session.currency != order.currency:
        return  # a programme's share keeps its price
    if order.status in orders.UNPAID and order.provider != orders.INVOICE:
        _reprice(db, order, line, session.price_cents)
    elif difference < 0:
        amount = min(-difference, refunds.refundable(order))
        if amount > 0:
            refunds.refund_order(
                db,
                order,
                amount=amount,
                reason=f"moved to {label}, which costs less",
                key=f"move-{line.id}-{session.id}",
                line=line,
            )
    else:
        invoice_difference(db, order, session, difference)


def _reprice(db: Session, order: Order, line: OrderLine, price_cents: int) -> None:
    """An order not paid yet simply charges the new price (any promo must be re-applied)."""
    line.list_price_cents = line.amount_cents = price_cents
    lines = orders.order_lines(db, order.id)
    for other in lines:
        other.amount_cents = other.list_price_cents
    order.subtotal_cents = order.total_cents = sum(x.list_price_cents for x in lines)
    order.discount_cents = 0
    order.promo_code_id = None
    db.flush()


def invoice_difference(db: Session, order: Order, session: CourseSession, amount: int) -> Order:
    """Invoice what a dearer session costs on top, to whoever paid the seat."""
    label = rules.session_label(db, session)
    line = OrderLine(
        kind=DIFFERENCE,
        description=(
            f"Price difference for the move to {label} (order {order.reference}, "
            f"{money(amount, order.currency)})"
        ),
        session_id=session.id,
        list_price_cents=amount,
        amount_cents=amount,
    )
    extra = orders.add_order(
        db,
        user_id=order.user_id,
        organisation_id=order.organisation_id,
        currency=order.currency,
        lines=[line],
    )
    checkout.issue_invoice(db, extra, now=utcnow())
    return extra
