"""Tables for orders, what they buy, payments received, refunds, promo codes and policies.

Money is in integer cents of the order's currency. An order's totals are computed on
the server when it is created or a promo code is applied, never taken from a form.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UtcDateTime, status_type, utcnow


class OrderStatus(enum.StrEnum):
    """Where an order stands."""

    OPEN = "open"  # created at checkout; nothing asked of a provider yet
    AWAITING_PAYMENT = "awaiting_payment"  # PaymentIntent created, or invoice sent
    PAID = "paid"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    CANCELLED = "cancelled"  # the hold was let go or ran out before any payment


class RefundStatus(enum.StrEnum):
    """Where a refund stands: Stripe's refund statuses; invoice credit notes succeed at once."""

    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"  # Stripe waits for the customer (some methods)
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"  # Stripe's spelling


class Order(Base):
    """What one person buys in one checkout, its price, and how it is paid."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Set when the order is billed to a client organisation (invoice customers).
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    status: Mapped[OrderStatus] = mapped_column(
        status_type(OrderStatus, 20), index=True, default=OrderStatus.OPEN
    )
    provider: Mapped[str | None] = mapped_column(String(12))  # invoice | stripe
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_cents: Mapped[int] = mapped_column(Integer)
    discount_cents: Mapped[int] = mapped_column(Integer, default=0)
    total_cents: Mapped[int] = mapped_column(Integer)
    refunded_cents: Mapped[int] = mapped_column(Integer, default=0)
    promo_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("promo_codes.id", ondelete="SET NULL")
    )
    invoice_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    invoice_due_on: Mapped[date | None] = mapped_column(Date)
    payment_intent_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # What to do when a payment arrives after the seat was given away: refund, or keep
    # the money as credit with a place on the waitlist.
    if_seat_gone: Mapped[str] = mapped_column(String(10), default="refund")
    credit_cents: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class OrderLine(Base):
    """One thing bought: a seat (alone, in a programme or a group booking), or a seat pack."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # seat | programme | seat_pack
    description: Mapped[str] = mapped_column(String(300))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_sessions.id", ondelete="SET NULL"), index=True
    )
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="SET NULL"), index=True
    )
    booking_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking_groups.id", ondelete="SET NULL")
    )
    seat_pack_id: Mapped[int | None] = mapped_column(
        ForeignKey("seat_packs.id", ondelete="SET NULL"), index=True
    )
    list_price_cents: Mapped[int] = mapped_column(Integer)  # before any discount
    amount_cents: Mapped[int] = mapped_column(Integer)  # after the order's discount share
    refunded_cents: Mapped[int] = mapped_column(Integer, default=0)


class PaymentEvent(Base):
    """A Stripe webhook event, stored once by its id; ``processed_at`` once acted on."""

    __tablename__ = "payment_events"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    payment_intent_id: Mapped[str | None] = mapped_column(String(64), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    deliveries: Mapped[int] = mapped_column(Integer, default=1)


class Refund(Base):
    """Money given back on an order; ``key`` makes each refund happen once."""

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300))
    provider_refund_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[RefundStatus] = mapped_column(
        status_type(RefundStatus, 20), default=RefundStatus.SUCCEEDED
    )
    # A refund on an invoiced order is documented by a numbered credit note (CN-2026-000001,
    # from ``numbering``); other refunds have none.
    credit_note_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class DocumentSequence(Base):
    """The last number given in one series of documents (invoices, credit notes) in a year.

    ``numbering`` locks the row and adds one in the transaction that issues the document,
    so numbers are gapless and never given twice (docs/locking.md: the last lock taken).
    """

    __tablename__ = "document_sequences"

    series: Mapped[str] = mapped_column(String(20), primary_key=True)  # INV | CN
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class PromoCode(Base):
    """A discount: percent or amount off, for one course or any, within dates, limited uses."""

    __tablename__ = "promo_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    percent_off: Mapped[int | None] = mapped_column(Integer)
    amount_off_cents: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    usage_limit: Mapped[int | None] = mapped_column(Integer)
    times_used: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RefundPolicy(Base):
    """A course's or a session's own cancellation refund rules (else the default setting)."""

    __tablename__ = "refund_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), unique=True
    )
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_sessions.id", ondelete="CASCADE"), unique=True
    )
    rules: Mapped[str] = mapped_column(String(200))  # e.g. "14:100,7:50"
