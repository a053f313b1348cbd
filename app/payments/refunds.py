"""Refunds: by the cancellation policy, in full for a cancelled session, or by a coordinator.

Every refund has a key. The ``Refund`` row is unique by key and the key goes to Stripe as
the idempotency key (and into the refund's metadata), so a retried refund — a webhook
redelivered, a ticker run twice, a double click — gives money back once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import get_settings
from app.db import utcnow
from app.enrollment import rules
from app.enrollment.hooks import RefundPreview, Release
from app.enrollment.models import Enrollment, EnrollmentStatus
from app.errors import Conflict, Invalid
from app.formatting import money
from app.payments import gateway, notices, numbering, orders, promos
from app.payments.models import Order, OrderLine, OrderStatus, Refund, RefundPolicy, RefundStatus
from app.scheduling import visibility
from app.scheduling.models import CourseSession

log = logging.getLogger(__name__)

# A step further ahead than this is a typo; it also keeps ``timedelta(days=...)`` finite.
MAX_POLICY_DAYS = 365
# ASCII digits only: str.isdigit() also accepts "²", which int() then refuses.
_STEP = re.compile(r"\s*([0-9]+)\s*:\s*([0-9]+)\s*")
# Refunds that gave no money back document nothing.
_NO_CREDIT_NOTE = (RefundStatus.FAILED, RefundStatus.CANCELED)


@dataclass(frozen=True)
class PolicyStep:
    """Cancel at least ``days`` before the start and get ``percent`` back."""

    days: int
    percent: int


def parse_policy(text: str) -> list[PolicyStep]:
    """'14:100,7:50' → steps, most days first; ``Invalid`` with the reason otherwise."""
    steps: list[PolicyStep] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        match = _STEP.fullmatch(part)
        if match is None:
            raise Invalid(
                f"'{part[:40]}' is not 'days:percent'; write e.g. '14:100,7:50' "
                "(full refund up to 14 days before, half up to 7 days, none after)."
            )
        days, percent = match.groups()
        # Digits are counted before int(): a thousand-digit "day" is only too many days.
        if len(percent) > 3 or int(percent) > 100:
            raise Invalid(f"'{part[:40]}': a refund is at most 100 percent.")
        if len(days) > 3 or int(days) > MAX_POLICY_DAYS:
            raise Invalid(
                f"'{part[:40]}': a step is at most {MAX_POLICY_DAYS} days before the start."
            )
        step = PolicyStep(int(days), int(percent))
        steps.append(step)
    return sorted(steps, key=lambda s: s.days, reverse=True)


def policy_for(db: Session, session: CourseSession) -> list[PolicyStep]:
    """The session's own policy, else its course's, else the platform default."""
    for clause in (
        RefundPolicy.session_id == session.id,
        RefundPolicy.course_id == session.course_id,
    ):
        own = db.scalar(select(RefundPolicy.rules).where(clause))
        if own is not None:
            return parse_policy(own)
    return parse_policy(get_settings().refund_policy)


def policy_percent(steps: Sequence[PolicyStep], starts_at: datetime, now: datetime) -> int:
    """The share refunded when cancelling at ``now`` for a session starting ``starts_at``."""
    before = starts_at - now
    for step in steps:
        if before >= timedelta(days=step.days):
            return step.percent
    return 0


def describe_policy(steps: Sequence[PolicyStep]) -> str:
    """The policy in a sentence for pages: 'Full refund up to 14 days before; 50% up to 7 ...'."""
    if not steps:
        return "No refund when you cancel."
    parts = [
        f"{'a full refund' if s.percent == 100 else f'{s.percent}% back'} "
        f"if you cancel at least {s.days} days before"
        for s in steps
    ]
    return "You get " + "; ".join(parts) + "; nothing after that."


def set_policy(
    db: Session, *, rules_text: str, course_id: int | None, session_id: int | None
) -> RefundPolicy:
    """Give a course or a session its own policy (replacing an earlier one)."""
    parse_policy(rules_text)  # refuse a bad policy before storing it
    if (course_id is None) == (session_id is None):
        raise Invalid("A refund policy belongs to one course or one session.")
    clause = (
        RefundPolicy.course_id == course_id
        if course_id is not None
        else RefundPolicy.session_id == session_id
    )
    policy = db.scalar(select(RefundPolicy).where(clause))
    if policy is None:
        policy = RefundPolicy(course_id=course_id, session_id=session_id, rules=rules_text)
        db.add(policy)
    policy.rules = rules_text
    db.flush()
    return policy


def refundable(order: Order) -> int:
    """What can still be given back on an order."""
    if order.status in orders.SETTLED or order.provider == orders.INVOICE:
        return max(order.total_cents - order.refunded_cents, 0)
    return 0


def check_refund_amount(order: Order, amount: int) -> None:
    """``Invalid`` unless ``amount`` is between the smallest unit (0.01) and what is still
    refundable on the order; the message says the maximum."""
    limit = refundable(order)
    if not 0 < amount <= limit:
        raise Invalid(
            f"At most {money(limit, order.currency)} can be refunded on order "
            f"{order.reference} (paid {money(order.total_cents, order.currency)}, "
            f"refunded {money(order.refunded_cents, order.currency)}); give an amount "
            f"between {money(1, order.currency)} and {money(limit, order.currency)}."
        )


def refund_order(
    db: Session,
    order: Order,
    *,
    amount: int,
    reason: str,
    key: str,
    by: User | None = None,
    line: OrderLine | None = None,
) -> Refund:
    """Give ``amount`` back once per ``key``; card money via Stripe, invoices as a credit note."""
    order = orders.lock_order(db, order.id)
    existing = db.scalar(select(Refund).where(Refund.key == key))
    if existing is not None:
        return existing
    reason = reason.strip()
    if not reason:
        raise Invalid("Say why the money is given back; the learner sees the reason.")
    check_refund_amount(order, amount)
    refund = Refund(
        order_id=order.id,
        key=key,
        amount_cents=amount,
        reason=reason[:300],
        status=RefundStatus.SUCCEEDED,
        created_by_id=by.id if by else None,
    )
    if order.provider == orders.STRIPE:
        assert order.payment_intent_id is not None
        sent = gateway.create_refund(
            intent_id=order.payment_intent_id, amount=amount, key=key, order_id=order.id
        )
        if db.scalar(select(Refund.id).where(Refund.provider_refund_id == sent.id)):
            raise Conflict("Stripe returned a refund that is already recorded; run reconcile.")
        refund.provider_refund_id = sent.id
        refund.status = RefundStatus(sent.status)
    db.add(refund)
    order.refunded_cents += amount
    if line is not None:
        line.refunded_cents += amount
    orders.set_status_from_refunds(order)
    _number_credit_note(db, order, refund)
    if order.provider == orders.INVOICE and order.refunded_cents >= order.total_cents:
        order.status = OrderStatus.REFUNDED  # credited in full: nothing is owed any more
    db.flush()
    notices.refunded(db, order, refund)
    return refund


def _number_credit_note(db: Session, order: Order, refund: Refund) -> None:
    """A refund on an invoiced order is documented by a numbered credit note.

    Numbered after the order's lock (the sequence's lock is the last one taken), dated
    the day the refund is recorded; a refund Stripe refused gets none.
    """
    if order.invoice_number is None or refund.status in _NO_CREDIT_NOTE:
        return
    refund.created_at = refund.created_at or utcnow()  # the credit note's date
    issued_on = refund.created_at.date()
    refund.credit_note_number = numbering.issue(db, numbering.CREDIT_NOTE, issued_on)


def stripe_refund_row(order: Order, key: str, sent: gateway.StripeRefund, *, reason: str) -> Refund:
    """The ``Refund`` row for a refund Stripe made: its amount, id and status as Stripe says."""
    return Refund(
        order_id=order.id,
        key=key,
        amount_cents=sent.amount,
        reason=reason,
        provider_refund_id=sent.id,
        status=RefundStatus(sent.status),
    )


def record_stripe_refund(db: Session, order: Order, sent: gateway.StripeRefund) -> bool:
    """Record a refund Stripe knows and we do not (e.g. made in Stripe's dashboard)."""
    key = sent.key or f"stripe:{sent.id}"
    known = db.scalar(
        select(Refund.id).where((Refund.provider_refund_id == sent.id) | (Refund.key == key))
    )
    if known is not None or sent.status not in (RefundStatus.SUCCEEDED, RefundStatus.PENDING):
        return False
    refund = stripe_refund_row(order, key, sent, reason="Refunded in Stripe")
    db.add(refund)
    order.refunded_cents += sent.amount
    orders.set_status_from_refunds(order)
    _number_credit_note(db, order, refund)
    db.flush()
    notices.refunded(db, order, refund)
    return True


def cancel_unpaid(db: Session, order: Order, *, now: datetime) -> None:
    """Cancel an order nobody paid (its seats were let go); its promo use is given back."""
    if order.status not in orders.UNPAID or order.provider == orders.INVOICE:
        return
    promos.release_promo(db, order)
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = now
    db.flush()
    if order.payment_intent_id:
        gateway.cancel_intent(order.payment_intent_id)


@dataclass(frozen=True)
class RefundDue:
    """What cancelling one seat gives back now: the rule behind refunds and their previews."""

    order: Order
    line: OrderLine
    amount: int  # 0: nothing goes back
    percent: int | None  # the policy's share; None when the policy was not the reason
    why: str  # the refund's reason, as the learner reads it


def _order_line(db: Session, order: Order, enrollment: Enrollment) -> OrderLine:
    line = db.scalar(
        select(OrderLine).where(
            OrderLine.order_id == order.id, OrderLine.enrollment_id == enrollment.id
        )
    )
    assert line is not None
    return line


def _share(
    db: Session, order: Order, session: CourseSession, reason: Release, now: datetime
) -> tuple[int | None, str] | None:
    """The percent refunded and why; None when a coordinator decides (a paid seat)."""
    label = rules.session_label(db, session)
    if reason == Release.SESSION_CANCELLED:
        return 100, f"{label} was cancelled"
    if reason == Release.LEARNER:
        percent = policy_percent(policy_for(db, session), visibility.session_start(session), now)
        return percent, f"you cancelled your seat on {label}"
    if order.provider == orders.INVOICE and order.status == OrderStatus.AWAITING_PAYMENT:
        # A coordinator cancelled a seat whose invoice is not paid: credit it in full,
        # so nobody is asked to pay for a seat they no longer have.
        return 100, f"the seat on {label} was cancelled"
    return None  # a paid seat cancelled by a coordinator: they decide on a refund


def refund_due(
    db: Session, order: Order, enrollment: Enrollment, reason: Release, now: datetime
) -> RefundDue | None:
    """What cancelling ``enrollment`` (on a paid or invoiced ``order``) for ``reason`` gives
    back at ``now``; None when a coordinator decides. Reads only: refunds and previews."""
    session = db.get(CourseSession, enrollment.session_id)
    assert session is not None
    line = _order_line(db, order, enrollment)
    share = _share(db, order, session, reason, now)
    if share is None:
        return None
    percent, why = share
    amount = min(line.amount_cents * (percent or 0) // 100 - line.refunded_cents, refundable(order))
    return RefundDue(order, line, max(amount, 0), percent, why)


def _unpaid(order: Order) -> bool:
    return order.status in orders.UNPAID and order.provider != orders.INVOICE


def on_seats_released(db: Session, enrollments: Sequence[Enrollment], reason: Release) -> None:
    """Enrolment hook: refund cancelled seats by policy (or fully), cancel unpaid orders."""
    now = utcnow()
    for enrollment in enrollments:
        order = orders.order_for_enrollment(db, enrollment.id)
        if order is None:
            continue
        if _unpaid(order):
            if all(
                e.status == EnrollmentStatus.CANCELLED for e in orders.held_enrollments(db, order)
            ):
                cancel_unpaid(db, order, now=now)
            continue
        due = refund_due(db, order, enrollment, reason, now)
        if due is not None and due.amount > 0:
            refund_order(
                db,
                order,
                amount=due.amount,
                reason=due.why,
                key=f"line-{due.line.id}-{reason}",
                line=due.line,
            )


def preview_refund(db: Session, enrollment: Enrollment, reason: Release) -> RefundPreview | None:
    """Enrolment hook: what cancelling this seat now would give back, in a sentence."""
    order = orders.order_for_enrollment(db, enrollment.id)
    if order is None:
        return None
    currency = order.currency
    if _unpaid(order):
        text = f"Order {order.reference} is not paid yet, so nothing is refunded; it is cancelled."
        return RefundPreview(0, currency, text)
    due = refund_due(db, order, enrollment, reason, utcnow())
    if due is None:
        text = (
            f"No automatic refund: this seat is paid (order {order.reference}). If you decide "
            "to give money back, refund it from the order's page."
        )
        return RefundPreview(0, currency, text)
    policy = f" ({due.percent}% by the cancellation policy)" if reason == Release.LEARNER else ""
    if due.amount <= 0:
        return RefundPreview(0, currency, f"Nothing is refunded{policy}.")
    amount = money(due.amount, currency)
    if order.invoice_number is not None or order.provider == orders.INVOICE:
        text = f"A credit note for {amount} is issued on order {order.reference}{policy}."
    else:
        text = f"{amount} goes back to the card that paid order {order.reference}{policy}."
    return RefundPreview(due.amount, currency, text)
