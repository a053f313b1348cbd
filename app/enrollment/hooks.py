"""What enrolment tells the payments feature, without importing it.

Payments sits above enrolment (it calls ``seats.confirm_enrollment``), so enrolment must
not import payments; yet a cancelled seat may owe a refund and an invoice customer's
seat must be billed. ``app.main`` registers payments' functions at start-up. With none
registered (enrolment used on its own, e.g. in its unit tests) nothing is billed or
refunded.

Held seats are paid for on a page payments owns: ``payment_url`` names it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from app.enrollment.models import Enrollment


class Release(StrEnum):
    """Why seats were let go; payments refunds by policy, in full, or not at all."""

    LEARNER = "learner"  # the learner cancelled (refund by the cancellation policy)
    COORDINATOR = "coordinator"  # a coordinator cancelled (refunds are a separate decision)
    SESSION_CANCELLED = "session_cancelled"  # the session will not run (refund in full)


@dataclass(frozen=True)
class OrderLink:
    """The order that pays for a seat, as the roster links it for staff."""

    label: str  # e.g. "APX-000012 · Paid"
    url: str  # the coordinator's order page (refunds, mark paid)


SeatsReleased = Callable[[Session, Sequence[Enrollment], Release], None]
InvoiceBooking = Callable[[Session, Sequence[Enrollment]], None]
OrderLinks = Callable[[Session, Sequence[int]], Mapping[int, OrderLink]]

_seats_released: list[SeatsReleased] = []
_invoice_booking: list[InvoiceBooking] = []
_order_links: list[OrderLinks] = []


def payment_url(enrollment_id: int) -> str:
    """Where a learner pays for a held seat (a page of the payments feature)."""
    return f"/bookings/{enrollment_id}/pay"


def register_seats_released(function: SeatsReleased) -> None:
    """Install a function told about every cancelled enrolment (held or confirmed)."""
    if function not in _seats_released:
        _seats_released.append(function)


def register_invoice_booking(function: InvoiceBooking) -> None:
    """Install a function told about priced seats confirmed at once for invoice customers."""
    if function not in _invoice_booking:
        _invoice_booking.append(function)


def register_order_links(function: OrderLinks) -> None:
    """Install a function naming the order behind each of some enrolments (by id)."""
    if function not in _order_links:
        _order_links.append(function)


def order_links(db: Session, enrollment_ids: Sequence[int]) -> dict[int, OrderLink]:
    """The order behind each enrolment that has one (none without payments registered)."""
    found: dict[int, OrderLink] = {}
    if enrollment_ids:
        for function in _order_links:
            found.update(function(db, enrollment_ids))
    return found


def seats_released(db: Session, enrollments: Sequence[Enrollment], reason: Release) -> None:
    """Tell payments that these enrolments were cancelled (inside the same transaction)."""
    if not enrollments:
        return
    for function in _seats_released:
        function(db, enrollments, reason)


def invoice_booking(db: Session, enrollments: Sequence[Enrollment]) -> None:
    """Tell payments that these priced seats were confirmed to be paid by invoice."""
    if not enrollments:
        return
    for function in _invoice_booking:
        function(db, enrollments)
