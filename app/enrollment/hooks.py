"""What enrolment tells the payments feature, without importing it.

Payments sits above enrolment (it calls ``seats.confirm_enrollment``), so enrolment must
not import payments; yet a cancelled seat may owe a refund and an invoice customer's
seat must be billed. ``app.wiring`` connects payments' functions at start-up. With
none connected (enrolment used on its own, e.g. in its unit tests) nothing is billed or
refunded.

Held seats are paid for on a page payments owns: ``payment_url`` names it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from app.enrollment.models import Enrollment
from app.hooks import Hook
from app.scheduling.models import CourseSession


class Release(StrEnum):
    """Why seats were let go; payments refunds by policy, in full, or not at all."""

    LEARNER = "learner"  # the learner cancelled (refund by the cancellation policy)
    COORDINATOR = "coordinator"  # a coordinator cancelled (refunds are a separate decision)
    SESSION_CANCELLED = "session_cancelled"  # the session will not run (refund in full)


@dataclass(frozen=True)
class RefundPreview:
    """What cancelling a seat would give back now, as payments' refund rule says."""

    amount_cents: int  # 0: nothing goes back (the sentence says why)
    currency: str
    text: str  # e.g. "USD 247.50 goes back to the card (50% by the cancellation policy)."


@dataclass(frozen=True)
class OrderLink:
    """The order that pays for a seat, as the roster links it for staff."""

    label: str  # e.g. "APX-000012 · Paid"
    url: str  # the coordinator's order page (refunds, mark paid)


# A cancelled enrolment (held or confirmed) may owe a refund: payments decides.
SEATS_RELEASED: Hook[[Session, Sequence[Enrollment], Release], None] = Hook(
    "enrollment.seats_released"
)
# Priced seats confirmed at once must be billed: to an organisation (its id) or the person.
INVOICE_BOOKING: Hook[[Session, Sequence[Enrollment], int | None], None] = Hook(
    "enrollment.invoice_booking"
)
# A seat moved to another session: its order line follows, and a price difference is
# refunded or invoiced (the int is the old session's price in cents).
SEAT_MOVED: Hook[[Session, Enrollment, int], None] = Hook("enrollment.seat_moved")
# A facilitator closed a session after its last day: its certificates are due now, and
# documents issues them in the same transaction (returns how many it issued).
SESSION_CLOSED: Hook[[Session, CourseSession], int] = Hook("enrollment.session_closed")
# What cancelling a seat for a reason would refund now (a preview for confirmation pages:
# payments answers with the same rule it refunds by, and changes nothing).
REFUND_PREVIEW: Hook[[Session, Enrollment, Release], RefundPreview | None] = Hook(
    "enrollment.refund_preview"
)
# The order behind each of some enrolments (by id), as the roster links it for staff.
ORDER_LINKS: Hook[[Session, Sequence[int]], Mapping[int, OrderLink]] = Hook(
    "enrollment.order_links"
)


def payment_url(enrollment_id: int) -> str:
    """Where a learner pays for a held seat (a page of the payments feature)."""
    return f"/bookings/{enrollment_id}/pay"


def order_links(db: Session, enrollment_ids: Sequence[int]) -> dict[int, OrderLink]:
    """The order behind each enrolment that has one (none without payments connected)."""
    found: dict[int, OrderLink] = {}
    if enrollment_ids:
        for answer in ORDER_LINKS.send(db, enrollment_ids):
            found.update(answer)
    return found


def seats_released(db: Session, enrollments: Sequence[Enrollment], reason: Release) -> None:
    """Tell payments that these enrolments were cancelled (inside the same transaction)."""
    if enrollments:
        SEATS_RELEASED.send(db, enrollments, reason)


def invoice_booking(
    db: Session, enrollments: Sequence[Enrollment], organisation_id: int | None
) -> None:
    """Tell payments to invoice these confirmed priced seats (to ``organisation_id``, or
    to the person when None), in one order."""
    if enrollments:
        INVOICE_BOOKING.send(db, enrollments, organisation_id)


def session_closed(db: Session, session: CourseSession) -> int:
    """Tell documents a session is closed; returns the certificates issued for it."""
    return sum(SESSION_CLOSED.send(db, session))


def seat_moved(db: Session, enrollment: Enrollment, old_price_cents: int) -> None:
    """Tell payments that a paid-for seat now sits on another session."""
    SEAT_MOVED.send(db, enrollment, old_price_cents)


def refund_preview(db: Session, enrollment: Enrollment, reason: Release) -> RefundPreview | None:
    """What cancelling this seat for ``reason`` would refund now; None: it has no order."""
    for answer in REFUND_PREVIEW.send(db, enrollment, reason):
        if answer is not None:
            return answer
    return None
