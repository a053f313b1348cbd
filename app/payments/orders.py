"""Orders: made from held seats, priced on the server, and locked in one order everywhere.

Lock order (extends enrolment's): a seat pack, then sessions by ascending id, then the
order row, then a promo code row. Every function here that changes an order takes its
sessions' locks first, so payments never deadlock against enrolment.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import lock_rows
from app.enrollment import payers, rules
from app.enrollment.models import BookingGroup, BookingGroupKind, Enrollment, EnrollmentStatus
from app.errors import Conflict, NotFound
from app.payments.models import Order, OrderLine, OrderStatus
from app.scheduling.models import CourseSession

UNPAID = (OrderStatus.OPEN, OrderStatus.AWAITING_PAYMENT)
SETTLED = (OrderStatus.PAID, OrderStatus.REFUNDED, OrderStatus.PARTIALLY_REFUNDED)
LIVE = (*UNPAID, *SETTLED)

INVOICE = "invoice"
STRIPE = "stripe"
FREE = "free"  # a promo code took the whole price
PROGRAMME_LINE = "programme"  # a seat's share of a programme's price (was "bundle_seat")


def order_lines(db: Session, order_id: int) -> list[OrderLine]:
    """An order's lines, in the order they were added."""
    query = select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.id)
    return list(db.scalars(query))


def lock_order(db: Session, order_id: int) -> Order:
    """Lock the order (after its sessions: see the module docstring) and read it fresh."""
    lines = order_lines(db, order_id)
    rules.lock_sessions(db, [line.session_id for line in lines if line.session_id is not None])
    order = lock_rows(db, Order, [order_id]).get(order_id)
    if order is None:
        raise NotFound("There is no such order.")
    return order


def own_order(db: Session, user: User, order_id: int) -> Order:
    """One of the person's orders; anyone else's is ``NotFound``."""
    order = db.get(Order, order_id)
    if order is None or order.user_id != user.id:
        raise NotFound("There is no such order.")
    return order


def order_for_enrollment(db: Session, enrollment_id: int) -> Order | None:
    """The live (not cancelled) order that pays for an enrolment, if any."""
    query = (
        select(Order)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(OrderLine.enrollment_id == enrollment_id, Order.status.in_(LIVE))
        .order_by(Order.id.desc())
        .limit(1)
    )
    return db.scalar(query)


def _split(total: int, parts: int) -> list[int]:
    """``total`` cents in ``parts`` shares that add up exactly (the first takes the rest)."""
    share, rest = divmod(total, parts)
    return [share + (rest if index == 0 else 0) for index in range(parts)]


def _shares(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` cents shared in proportion to ``weights``, adding up exactly.

    Each share is rounded down and the cents left over go to the largest remainders, so a
    line never costs more than its weight when ``total`` is at most the weights' sum.
    """
    whole = sum(weights)
    if whole <= 0:
        return _split(total, len(weights))
    shares = [total * w // whole for w in weights]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for index in by_remainder[: total - sum(shares)]:
        shares[index] += 1
    return shares


def _group_amounts(
    db: Session, enrollments: Sequence[Enrollment], sessions: dict[int, CourseSession]
) -> tuple[dict[int, int], set[str]]:
    """Each programme seat's share of its programme's charge (by enrolment id)."""
    amounts: dict[int, int] = {}
    currencies: set[str] = set()
    for group_id in {e.booking_group_id for e in enrollments if e.booking_group_id is not None}:
        group = db.get(BookingGroup, group_id)
        assert group is not None
        if group.kind != BookingGroupKind.PROGRAMME:
            continue  # a group booking: every seat at its own price
        members = [e for e in enrollments if e.booking_group_id == group_id]
        weights = [sessions[e.id].price_cents for e in members]
        amounts.update(
            zip((e.id for e in members), _shares(group.price_cents, weights), strict=True)
        )
        currencies.add(group.currency)
    return amounts, currencies


def priced_lines(db: Session, enrollments: Sequence[Enrollment]) -> tuple[str, list[OrderLine]]:
    """Lines for these seats at today's prices: a session's price, or a programme's share."""
    lines: list[OrderLine] = []
    sessions = {e.id: db.get(CourseSession, e.session_id) for e in enrollments}
    known = {key: s for key, s in sessions.items() if s is not None}
    assert len(known) == len(sessions)
    shares, currencies = _group_amounts(db, enrollments, known)
    for enrollment in enrollments:
        session = known[enrollment.id]
        label = rules.session_label(db, session)
        if enrollment.id in shares:
            amount = shares[enrollment.id]
            kind, description = PROGRAMME_LINE, f"Programme seat: {label}"
        else:
            amount, kind, description = session.price_cents, "seat", f"Seat: {label}"
            currencies.add(session.currency)
        lines.append(
            OrderLine(
                kind=kind,
                description=description,
                session_id=session.id,
                enrollment_id=enrollment.id,
                booking_group_id=enrollment.booking_group_id,
                list_price_cents=session.price_cents,  # the seat booked on its own
                amount_cents=amount,
            )
        )
    if len(currencies) != 1:
        raise Conflict("These seats are priced in different currencies; pay for them one by one.")
    return currencies.pop(), lines


def create_order(
    db: Session,
    user: User,
    enrollments: Sequence[Enrollment],
    *,
    organisation_id: int | None = None,
) -> Order:
    """An order for these seats, priced now."""
    currency, lines = priced_lines(db, enrollments)
    return add_order(
        db, user_id=user.id, organisation_id=organisation_id, currency=currency, lines=lines
    )


def add_order(
    db: Session,
    *,
    user_id: int,
    organisation_id: int | None,
    currency: str,
    lines: Sequence[OrderLine],
) -> Order:
    """Store an open order with these lines at their prices; ``reference`` comes from its id."""
    subtotal = sum(line.amount_cents for line in lines)
    order = Order(
        user_id=user_id,
        organisation_id=organisation_id,
        status=OrderStatus.OPEN,
        currency=currency,
        subtotal_cents=subtotal,
        discount_cents=0,
        total_cents=subtotal,
        refunded_cents=0,
        credit_cents=0,
        if_seat_gone="refund",
        note="",
    )
    db.add(order)
    db.flush()
    order.reference = f"APX-{order.id:06d}"
    for line in lines:
        line.order_id = order.id
        db.add(line)
    db.flush()
    return order


def booking_group(db: Session, enrollment: Enrollment) -> list[Enrollment]:
    """The seats paid together with this one: its programme or group booking, or itself."""
    if enrollment.booking_group_id is None:
        return [enrollment]
    query = (
        select(Enrollment)
        .where(Enrollment.booking_group_id == enrollment.booking_group_id)
        .order_by(Enrollment.id)
    )
    return list(db.scalars(query))


def order_for_held_booking(db: Session, user: User, enrollment_id: int, *, now: datetime) -> Order:
    """The order paying for a held seat (and the rest of its group), made on first visit."""
    enrollment = db.get(Enrollment, enrollment_id)
    if enrollment is None or payers.paying_user_id(db, enrollment) != user.id:
        raise NotFound("There is no such booking.")
    existing = order_for_enrollment(db, enrollment.id)
    if existing is not None:
        return existing
    session = db.get(CourseSession, enrollment.session_id)
    assert session is not None
    label = rules.session_label(db, session)
    if enrollment.status == EnrollmentStatus.CONFIRMED:
        raise Conflict(f"Your seat on {label} is already confirmed; there is nothing to pay.")
    if enrollment.status != EnrollmentStatus.HELD or hold_ran_out(enrollment, now):
        raise Conflict(
            f"There is no seat held for you on {label} any more, so it cannot be paid for. "
            "Book again from the session page."
        )
    return create_order(db, user, booking_group(db, enrollment))


def hold_ran_out(enrollment: Enrollment, now: datetime) -> bool:
    """True when a held seat's time is up."""
    return enrollment.hold_expires_at is None or enrollment.hold_expires_at <= now


def held_enrollments(db: Session, order: Order) -> list[Enrollment]:
    """The enrolments an order pays for (whatever their state now)."""
    ids = [line.enrollment_id for line in order_lines(db, order.id) if line.enrollment_id]
    if not ids:
        return []
    found = {e.id: e for e in db.scalars(select(Enrollment).where(Enrollment.id.in_(ids)))}
    return [found[i] for i in ids if i in found]  # in the order of the lines


def refuse_unless_payable(db: Session, order: Order, now: datetime) -> None:
    """``Conflict`` unless the order is unpaid and every seat in it is still held for it."""
    if order.status in SETTLED:
        raise Conflict(f"Order {order.reference} is already paid.")
    if order.status == OrderStatus.CANCELLED:
        raise Conflict(
            f"Order {order.reference} was cancelled because its seats were let go; "
            "book again from the session page."
        )
    for enrollment in held_enrollments(db, order):
        if enrollment.status == EnrollmentStatus.CONFIRMED:
            continue
        if enrollment.status != EnrollmentStatus.HELD or hold_ran_out(enrollment, now):
            raise Conflict(
                f"The seat hold for order {order.reference} ran out, so it cannot be paid "
                "any more. Book again from the session page."
            )


def hold_deadline(db: Session, order: Order) -> datetime | None:
    """When the first of the order's held seats will be released."""
    times = [
        e.hold_expires_at
        for e in held_enrollments(db, order)
        if e.status == EnrollmentStatus.HELD and e.hold_expires_at is not None
    ]
    return min(times) if times else None


def set_status_from_refunds(order: Order) -> None:
    """Paid, partially refunded or refunded, from what has been given back so far."""
    if order.status not in SETTLED:
        return
    if order.refunded_cents <= 0:
        order.status = OrderStatus.PAID
    elif order.refunded_cents >= order.total_cents:
        order.status = OrderStatus.REFUNDED
    else:
        order.status = OrderStatus.PARTIALLY_REFUNDED
