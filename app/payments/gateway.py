"""The Stripe API as this app uses it: PaymentIntents and refunds, read back as plain values.

Every call goes through one ``StripeClient`` built from the settings, so tests and
development point it at localstripe with ``APEX_STRIPE_API_BASE``. Stripe's own objects
never leave this module: the rest of the app sees ``Intent`` and ``StripeRefund``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

import stripe

from app.config import get_settings
from app.errors import AppError
from app.payments.models import RefundStatus

if TYPE_CHECKING:  # the typed parameter dicts moved between stripe releases
    from stripe import RequestOptions
    from stripe.params import PaymentIntentCreateParams, RefundCreateParams

log = logging.getLogger(__name__)
T = TypeVar("T")


class IntentStatus(StrEnum):
    """The PaymentIntent statuses this app acts on (Stripe has more; they are kept as text)."""

    SUCCEEDED = "succeeded"
    CANCELED = "canceled"
    PROCESSING = "processing"


class PaymentServiceError(AppError, status=502):
    """Stripe could not be reached or refused a request; nothing was changed here."""


@dataclass(frozen=True)
class Intent:
    """What Stripe says about one PaymentIntent."""

    id: str
    status: str
    amount: int
    currency: str  # upper case, as orders store it
    order_id: int | None
    client_secret: str | None
    last_error: str | None
    created: int


@dataclass(frozen=True)
class StripeRefund:
    """What Stripe says about one refund."""

    id: str
    amount: int
    status: str
    payment_intent_id: str | None
    key: str | None  # our idempotency key, kept in the refund's metadata
    created: int


Listed = TypeVar("Listed", Intent, StripeRefund)


def is_configured() -> bool:
    """Card payments are offered only with a secret key set."""
    return bool(get_settings().stripe_secret_key)


@lru_cache(maxsize=4)
def _client(api_key: str, api_base: str, timeout: float) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base},
        http_client=stripe.RequestsClient(timeout=timeout),
        max_network_retries=2,  # Stripe's own retries reuse the idempotency key
    )


def client() -> stripe.StripeClient:
    """The Stripe client for the current settings."""
    settings = get_settings()
    if not settings.stripe_secret_key:
        raise PaymentServiceError("Card payments are not set up here (no Stripe secret key).")
    return _client(
        settings.stripe_secret_key, settings.stripe_api_base, settings.stripe_timeout_seconds
    )


def _intent(obj: stripe.PaymentIntent) -> Intent:
    data = obj.to_dict()
    metadata = data.get("metadata") or {}
    raw_order = metadata.get("order_id")
    error = data.get("last_payment_error") or {}
    return Intent(
        id=data["id"],
        status=data["status"],
        amount=int(data["amount"]),
        currency=str(data["currency"]).upper(),
        order_id=int(str(raw_order)) if str(raw_order or "").isdigit() else None,
        client_secret=data.get("client_secret"),
        last_error=error.get("message") if isinstance(error, dict) else None,
        created=int(data.get("created") or 0),
    )


def _refund(obj: stripe.Refund) -> StripeRefund:
    data = obj.to_dict()
    metadata = data.get("metadata") or {}
    return StripeRefund(
        id=data["id"],
        amount=int(data["amount"]),
        status=str(data.get("status") or RefundStatus.SUCCEEDED),
        payment_intent_id=data.get("payment_intent"),
        key=metadata.get("apex_key"),
        created=int(data.get("created") or 0),
    )


def _failed(action: str, exc: stripe.StripeError) -> PaymentServiceError:
    log.warning("stripe %s failed: %s", action, exc)
    message = getattr(exc, "user_message", None) or "the payment service did not answer"
    return PaymentServiceError(f"Could not {action}: {message}. Nothing was charged; try again.")


def _call(action: str, call: Callable[[stripe.StripeClient], T]) -> T:
    """``call(client())``; a Stripe failure becomes a ``PaymentServiceError`` naming ``action``."""
    try:
        return call(client())
    except stripe.StripeError as exc:
        raise _failed(action, exc) from exc


def _created_since(
    action: str,
    listing: Callable[[stripe.StripeClient], Any],
    read: Callable[[Any], Listed],
    since: datetime | None,
) -> Iterator[Listed]:
    """Every object of a Stripe list created since ``since`` (all when None), read as values.

    The date is applied here rather than as Stripe's ``created`` filter, which
    localstripe refuses; reconciliation runs rarely, so reading the full list is fine.
    """
    floor = int(since.timestamp()) if since is not None else 0
    try:
        for obj in listing(client()).auto_paging_iter():
            item = read(obj)
            if item.created >= floor:
                yield item
    except stripe.StripeError as exc:
        raise _failed(action, exc) from exc


def create_intent(*, order_id: int, reference: str, amount: int, currency: str, key: str) -> Intent:
    """A PaymentIntent for an order; the same ``key`` returns the same intent from Stripe."""
    params: PaymentIntentCreateParams = {
        "amount": amount,
        "currency": currency.lower(),
        "metadata": {"order_id": str(order_id), "reference": reference},
    }
    options: RequestOptions = {"idempotency_key": key}
    return _intent(
        _call(
            "start the card payment",
            lambda api: api.v1.payment_intents.create(params=params, options=options),
        )
    )


def retrieve_intent(intent_id: str) -> Intent:
    """The PaymentIntent as Stripe has it now (webhook bodies are only hints)."""
    read = _call(
        "read the payment from Stripe", lambda api: api.v1.payment_intents.retrieve(intent_id)
    )
    return _intent(read)


def refunds_for(intent_id: str) -> list[StripeRefund]:
    """Every refund Stripe holds for a PaymentIntent."""
    page = _call(
        "read refunds from Stripe",
        lambda api: api.v1.refunds.list(params={"payment_intent": intent_id, "limit": 100}),
    )
    return [_refund(obj) for obj in page.data]


def create_refund(*, intent_id: str, amount: int, key: str, order_id: int) -> StripeRefund:
    """Refund ``amount`` of a PaymentIntent once per ``key``.

    Stripe deduplicates by the idempotency key; the key is also stored in the refund's
    metadata and looked for first, so a retry after a lost answer never refunds twice
    even where the server ignores idempotency keys (localstripe does).
    """
    for existing in refunds_for(intent_id):
        if existing.key == key:
            return existing
    params: RefundCreateParams = {
        "payment_intent": intent_id,
        "amount": amount,
        "metadata": {"apex_key": key, "order_id": str(order_id)},
    }
    options: RequestOptions = {"idempotency_key": key}
    return _refund(
        _call("send the refund", lambda api: api.v1.refunds.create(params=params, options=options))
    )


def cancel_intent(intent_id: str) -> None:
    """Cancel a PaymentIntent that will not be paid (best effort: it may have moved on)."""
    try:
        client().v1.payment_intents.cancel(intent_id)
    except stripe.StripeError as exc:
        log.info("could not cancel payment intent %s: %s", intent_id, exc)


def list_intents(since: datetime | None) -> Iterator[Intent]:
    """Every PaymentIntent created since ``since`` (all when None)."""
    return _created_since(
        "list payments from Stripe",
        lambda api: api.v1.payment_intents.list(params={"limit": 100}),
        _intent,
        since,
    )


def list_refunds(since: datetime | None) -> Iterator[StripeRefund]:
    """Every refund created since ``since`` (all when None)."""
    return _created_since(
        "list refunds from Stripe",
        lambda api: api.v1.refunds.list(params={"limit": 100}),
        _refund,
        since,
    )


def construct_event(payload: bytes, signature: str, secret: str) -> stripe.Event:
    """Verify a webhook's signature (Stripe's 300 s tolerance) and parse it.

    Raises ``ValueError`` for a body that is not an event and
    ``stripe.SignatureVerificationError`` for a bad or stale signature.
    """
    event: stripe.Event = stripe.Webhook.construct_event(payload, signature, secret, tolerance=300)
    return event


def pay_with_test_card(intent_id: str, card_number: str) -> str:
    """Attach a test card to a PaymentIntent and confirm it (development servers only).

    Stripe.js's Payment Element does this in the browser; localstripe has none, so the
    ``apex payments test-card`` command and the tests do it over the API.
    """

    def pay(stripe_client: stripe.StripeClient) -> str:
        api = stripe_client.v1
        method = api.payment_methods.create(
            params={
                "type": "card",
                "card": {"number": card_number, "exp_month": 12, "exp_year": 2034, "cvc": "123"},
            }
        )
        api.payment_intents.update(intent_id, params={"payment_method": method.id})
        return api.payment_intents.confirm(intent_id).status

    return _call("pay with the test card", pay)
