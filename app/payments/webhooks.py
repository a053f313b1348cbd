"""Stripe webhook intake: verify, store each event once, re-read Stripe, settle the order.

The body is only a hint of *which* PaymentIntent changed; what happened is read from
Stripe itself. An event for an order this app does not know (yet) is answered with a
non-2xx status and nothing is stored, so Stripe delivers it again later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import stripe
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.config import get_settings
from app.db import insert_ignore, utcnow
from app.errors import AppError
from app.payments import fulfilment, gateway
from app.payments.models import Order, PaymentEvent

log = logging.getLogger(__name__)

# Events that can change an order; everything else is acknowledged and ignored.
HANDLED_PREFIXES = ("payment_intent.", "charge.refund", "refund.", "charge.refunded")


class BadWebhook(AppError):
    """Not a genuine Stripe event: unsigned, badly signed, stale, or not JSON."""

    status = 400


class UnknownOrder(AppError):
    """The event names no order of ours yet; Stripe should try again later."""

    status = 404


@dataclass(frozen=True)
class Outcome:
    """What the webhook did, for the response body and the log."""

    event_id: str
    result: str  # processed | duplicate | ignored
    order_reference: str | None = None


def verify(payload: bytes, signature: str | None) -> stripe.Event:
    """The event, if the signature is Stripe's for this body within 300 s; else ``BadWebhook``."""
    secret = get_settings().stripe_webhook_secret
    if not secret:
        raise BadWebhook("Webhooks are not set up here (no APEX_STRIPE_WEBHOOK_SECRET).")
    if not signature:
        raise BadWebhook("Missing Stripe-Signature header.")
    try:
        return gateway.construct_event(payload, signature, secret)
    except stripe.SignatureVerificationError as exc:
        raise BadWebhook(f"Signature check failed: {exc.user_message or exc}") from exc
    except ValueError as exc:
        raise BadWebhook("The body is not a Stripe event (invalid JSON).") from exc


def intent_id_of(event: stripe.Event) -> str | None:
    """The PaymentIntent an event is about (the object itself, or the refund's/charge's)."""
    data: dict[str, Any] = event.to_dict().get("data", {}).get("object", {}) or {}
    if data.get("object") == "payment_intent":
        return data.get("id")
    value = data.get("payment_intent")
    return value if isinstance(value, str) else None


def _store(db: Session, event: stripe.Event, intent_id: str | None) -> PaymentEvent:
    """Insert the event once by id (race-safe); a redelivery only counts up."""
    insert_ignore(
        db,
        PaymentEvent,
        {"id": event.id, "type": event.type, "payment_intent_id": intent_id, "deliveries": 0},
        ["id"],
    )
    db.execute(
        update(PaymentEvent)
        .where(PaymentEvent.id == event.id)
        .values(deliveries=PaymentEvent.deliveries + 1)
    )
    stored = db.get(PaymentEvent, event.id, populate_existing=True)
    assert stored is not None
    return stored


def handle(db: Session, payload: bytes, signature: str | None) -> Outcome:
    """Process one delivery; raises ``BadWebhook`` or ``UnknownOrder`` (nothing stored)."""
    event = verify(payload, signature)
    if not event.type.startswith(HANDLED_PREFIXES):
        return Outcome(event.id, "ignored")
    intent_id = intent_id_of(event)
    if intent_id is None:
        return Outcome(event.id, "ignored")
    already = db.scalar(select(PaymentEvent.processed_at).where(PaymentEvent.id == event.id))
    if already is not None:
        _store(db, event, intent_id)
        return Outcome(event.id, "duplicate")
    intent = gateway.retrieve_intent(intent_id)  # the truth, before any lock is taken
    order = _order_for(db, intent)
    if order is None:
        raise UnknownOrder(
            f"No order for payment {intent_id} (yet); answering 404 so Stripe retries."
        )
    stored = _store(db, event, intent_id)
    if stored.processed_at is not None:
        return Outcome(event.id, "duplicate", order.reference)
    fulfilment.settle_order(db, order.id, intent=intent)
    stored.order_id = order.id
    stored.processed_at = utcnow()
    db.flush()
    return Outcome(event.id, "processed", order.reference)


def _order_for(db: Session, intent: gateway.Intent) -> Order | None:
    order = db.scalar(select(Order).where(Order.payment_intent_id == intent.id))
    if order is None and intent.order_id is not None:
        order = db.get(Order, intent.order_id)
    return order
