"""Payments test set-up: localstripe (a real, stateful Stripe server) on a loopback port.

``localstripe`` runs as a subprocess for the whole session; ``stripe_on`` points the
app's settings at it for one test (restored afterwards, so other tests run without
card payments, as ``make run`` does).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.config import get_settings
from tests.conftest import skip_or_fail
from tests.network import free_port

WEBHOOK_SECRET = "whsec_apex_tests_only"
SECRET_KEY = "sk_test_apex_tests_only"
PUBLISHABLE_KEY = "pk_test_apex_tests_only"
TEST_CARD = "4242424242424242"


@pytest.fixture(scope="session")
def localstripe() -> Iterator[str]:
    """Base URL of a localstripe server started for this test session."""
    port = free_port()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError as exc:  # pragma: no cover - the dev lock installs it
        skip_or_fail(f"localstripe could not start: {exc}")
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"{url}/js.stripe.com/v3/", timeout=1)
            break
        except httpx.HTTPError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                skip_or_fail("localstripe did not start within 20 s (pip install localstripe)")
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def stripe_on(localstripe: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Card payments switched on for this test, against localstripe; returns its URL."""
    settings = get_settings()
    monkeypatch.setattr(settings, "stripe_secret_key", SECRET_KEY)
    monkeypatch.setattr(settings, "stripe_publishable_key", PUBLISHABLE_KEY)
    monkeypatch.setattr(settings, "stripe_webhook_secret", WEBHOOK_SECRET)
    monkeypatch.setattr(settings, "stripe_api_base", localstripe)
    monkeypatch.setattr(settings, "stripe_js_url", f"{localstripe}/js.stripe.com/v3/")
    return localstripe


def _stripe_post(base: str, path: str, data: dict[str, str]) -> dict[str, Any]:
    response = httpx.post(
        f"{base}{path}", data=data, headers={"Authorization": f"Bearer {SECRET_KEY}"}, timeout=20
    )
    assert response.status_code == 200, response.text
    return response.json()


def pay_with_card(base: str, intent_id: str, card: str = TEST_CARD) -> dict[str, Any]:
    """Do what Stripe.js's Payment Element does for a card: attach it and confirm.

    localstripe's Stripe.js has no Payment Element and its ``confirm`` refuses a
    ``payment_method`` argument, so the test creates the PaymentMethod, sets it on the
    PaymentIntent, then confirms it, over localstripe's HTTP API.
    """
    method = _stripe_post(
        base,
        "/v1/payment_methods",
        {
            "type": "card",
            "card[number]": card,
            "card[exp_month]": "12",
            "card[exp_year]": "2034",
            "card[cvc]": "123",
        },
    )
    _stripe_post(base, f"/v1/payment_intents/{intent_id}", {"payment_method": method["id"]})
    return _stripe_post(base, f"/v1/payment_intents/{intent_id}/confirm", {})


def intent(base: str, intent_id: str) -> dict[str, Any]:
    """A PaymentIntent as localstripe has it."""
    response = httpx.get(
        f"{base}/v1/payment_intents/{intent_id}",
        headers={"Authorization": f"Bearer {SECRET_KEY}"},
        timeout=20,
    )
    assert response.status_code == 200, response.text
    return response.json()


def refund_at_stripe(base: str, intent_id: str, amount: int) -> dict[str, Any]:
    """A refund made at Stripe directly (as from its dashboard), not through the app."""
    return _stripe_post(base, "/v1/refunds", {"payment_intent": intent_id, "amount": str(amount)})


@dataclass(frozen=True)
class SignedEvent:
    """A webhook body and the Stripe-Signature header that goes with it."""

    body: bytes
    header: str


def sign(body: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header, computed the way Stripe (and localstripe) sign events."""
    moment = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{moment}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={moment},v1={mac}"


def event_for(
    event_id: str, event_type: str, obj: dict[str, Any], *, timestamp: int | None = None
) -> SignedEvent:
    """A signed event about ``obj`` (a PaymentIntent or refund as Stripe returns it).

    localstripe sends ``payment_intent.*`` events itself but never refund events; tests
    that need those (or need to replay one event many times) sign their own this way.
    """
    body = json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
        }
    ).encode()
    return SignedEvent(body, sign(body, timestamp=timestamp))


def register_webhook(base: str, url: str) -> None:
    """Ask localstripe to deliver its events to ``url``, signed with the test secret."""
    response = httpx.post(
        f"{base}/_config/webhooks/apex", data={"url": url, "secret": WEBHOOK_SECRET}, timeout=10
    )
    assert response.status_code == 200, response.text
