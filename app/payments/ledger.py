"""The seat ledger: every confirmed seat against what pays for it, and what does not add up.

A finance check, run by ``apex payments ledger`` and by the tests of every seat path:
each confirmed seat has exactly one payer (a live order line, a seat-pack redemption or
a complimentary reason), and each live seat line pays for a seat that is still held or
confirmed (or was refunded).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.enrollment.models import Enrollment, EnrollmentStatus, SeatPayer
from app.payments import orders
from app.payments.models import Order, OrderLine, OrderStatus

SEAT_LINES = ("seat", orders.PROGRAMME_LINE)


@dataclass(frozen=True)
class LedgerRow:
    """One confirmed seat and its payer."""

    enrollment_id: int
    payer: str  # "order <reference> (<provider>)", "seat pack <id>", "complimentary: ..."
    amount_cents: int  # what the seat's line charges after refunds (0 for packs and gifts)


def _live_seat_lines(db: Session) -> dict[int, list[tuple[OrderLine, Order]]]:
    query = (
        select(OrderLine, Order)
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            OrderLine.kind.in_(SEAT_LINES),
            OrderLine.enrollment_id.is_not(None),
            Order.status.in_(orders.LIVE),
        )
    )
    found: dict[int, list[tuple[OrderLine, Order]]] = defaultdict(list)
    for line, order in db.execute(query):
        assert line.enrollment_id is not None
        found[line.enrollment_id].append((line, order))
    return found


def seat_ledger(db: Session) -> tuple[list[LedgerRow], list[str]]:
    """Every confirmed seat with its payer, and a sentence for each thing that is wrong."""
    lines = _live_seat_lines(db)
    rows: list[LedgerRow] = []
    problems: list[str] = []
    confirmed = db.scalars(
        select(Enrollment)
        .where(Enrollment.status == EnrollmentStatus.CONFIRMED)
        .order_by(Enrollment.id)
    )
    for enrollment in confirmed:
        payers: list[LedgerRow] = []
        for line, order in lines.get(enrollment.id, []):
            payers.append(
                LedgerRow(
                    enrollment.id,
                    f"order {order.reference} ({order.provider or 'unpaid'})",
                    line.amount_cents - line.refunded_cents,
                )
            )
        if enrollment.seat_pack_id is not None:
            payers.append(LedgerRow(enrollment.id, f"seat pack {enrollment.seat_pack_id}", 0))
        if enrollment.payer == SeatPayer.COMPLIMENTARY:
            payers.append(LedgerRow(enrollment.id, f"complimentary: {enrollment.payer_note}", 0))
        if len(payers) != 1:
            problems.append(
                f"Seat {enrollment.id} (session {enrollment.session_id}) has "
                f"{len(payers)} payers: {', '.join(p.payer for p in payers) or 'none'}."
            )
        rows.extend(payers[:1])
    problems.extend(_lines_without_seats(db, lines))
    return rows, problems


def _lines_without_seats(db: Session, lines: dict[int, list[tuple[OrderLine, Order]]]) -> list[str]:
    """Money kept for a seat nobody has: a hold that ran out (or a seat deleted) while its
    line was paid or invoiced and not refunded. A cancelled seat may keep its cancellation
    fee, and a late payment kept as waitlist credit is owed a seat, so neither is listed."""
    if not lines:
        return []
    statuses = dict(
        db.execute(select(Enrollment.id, Enrollment.status).where(Enrollment.id.in_(lines))).all()
    )
    problems = []
    for enrollment_id, paid in lines.items():
        for line, order in paid:
            still_owed = line.amount_cents - line.refunded_cents
            status = statuses.get(enrollment_id)
            lost = status is None or status == EnrollmentStatus.EXPIRED
            credited = status == EnrollmentStatus.WAITLISTED and order.credit_cents >= still_owed
            if (lost or (status == EnrollmentStatus.WAITLISTED and not credited)) and (
                still_owed > 0 and order.status != OrderStatus.OPEN
            ):
                problems.append(
                    f"Order {order.reference} charges {still_owed} for seat {enrollment_id}, "
                    f"which is {statuses.get(enrollment_id, 'gone')}."
                )
    return problems
