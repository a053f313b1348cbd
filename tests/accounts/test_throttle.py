"""Sign-in throttling slows a guesser down and refuses them, never the account's owner.

Counters are per (account, address) and per address; a known-device cookie and a reset
link get the owner in from an address a stranger has used up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import devices, throttle
from app.accounts.models import LoginThrottle
from app.config import get_settings
from app.db import utcnow
from tests.accounts.test_password_reset import reset_link
from tests.conftest import PersonClient
from tests.factories import DEFAULT_PASSWORD, log_in, make_user, post_form

STRANGER = "203.0.113.9"
OWNER = "198.51.100.7"
WRONG = "wrong password"

ClientAt = Callable[[str], TestClient]


@pytest.fixture
def client_at(app: FastAPI, db: Session) -> ClientAt:
    """A new browser (its own cookies) whose requests come from ``address``."""

    def make(address: str) -> TestClient:
        return PersonClient(
            app, db, base_url="http://testserver", follow_redirects=False, client=(address, 50000)
        )

    return make


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> int:
    """Three attempts per account and address (so 15 per address): quick to use up."""
    monkeypatch.setattr(get_settings(), "login_max_failures", 3)
    return 3


def _fail(client: TestClient, email: str, times: int) -> list[int]:
    return [
        post_form(client, "/login", {"email": email, "password": WRONG}).status_code
        for _ in range(times)
    ]


def _failures(db: Session, key: str) -> int | None:
    db.expire_all()
    return db.scalar(select(LoginThrottle.failures).where(LoginThrottle.key == key))


def test_delay_grows_after_a_few_failures(db: Session) -> None:
    settings = get_settings()
    limits = throttle.limits_for("slow@example.com", "10.0.0.1")
    delays = [throttle.start_attempt(db, limits).delay for _ in range(6)]
    free = settings.login_slowdown_after
    assert delays[: free - 1] == [0.0] * (free - 1)
    base = settings.login_delay_base_seconds
    assert delays[free - 1 : free + 1] == [base, 2 * base]
    assert delays[-1] == settings.login_delay_max_seconds  # capped


def test_failed_logins_are_answered_late(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(db)
    paused: list[float] = []

    async def record(seconds: float) -> None:
        paused.append(seconds)

    monkeypatch.setattr(throttle, "answer_late", record)
    assert _fail(client, user.email, 5) == [401] * 5
    # From the third failure on; the first two are answered at once.
    assert len(paused) == 3 and all(seconds > 0 for seconds in paused)


def test_the_strangers_address_is_refused_with_retry_after(client: TestClient, db: Session) -> None:
    user = make_user(db)
    limit = get_settings().login_max_failures
    assert _fail(client, user.email, limit) == [401] * limit
    # From the guesser's own address and browser, even the right password waits.
    refused = post_form(client, "/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert refused.status_code == 429
    retry_after = int(refused.headers["Retry-After"])
    assert 0 < retry_after <= get_settings().login_window_seconds + 1
    assert "Too many failed sign-in attempts" in refused.text


def test_a_strangers_failures_do_not_lock_out_the_owner(
    client_at: ClientAt, db: Session, small_limits: int
) -> None:
    user = make_user(db)
    stranger = client_at(STRANGER)
    assert _fail(stranger, user.email, small_limits + 2)[-2:] == [429, 429]
    owner = client_at(OWNER)  # a new browser, somewhere else
    log_in(owner, user.email)
    assert owner.get("/account").status_code == 200
    # Signing in forgets only the owner's own counter: the stranger stays refused.
    again = post_form(stranger, "/login", {"email": user.email, "password": WRONG})
    assert again.status_code == 429


def test_a_known_device_gets_in_from_the_strangers_address(
    client_at: ClientAt, db: Session, small_limits: int
) -> None:
    user = make_user(db)
    owner = client_at(STRANGER)  # the owner's laptop, in the same café as the stranger
    log_in(owner, user.email)
    assert owner.cookies.get(devices.cookie_name())
    post_form(owner, "/logout", {}, token_from="/account")
    stranger = client_at(STRANGER)
    # The stranger uses up the account at this address and the address itself.
    for number in range(small_limits * throttle.ADDRESS_FACTOR):
        _fail(stranger, f"someone{number}@example.com", 1)
    assert _fail(stranger, user.email, 1) == [429]
    log_in(owner, user.email)  # the device cookie: counted on its own
    assert owner.get("/account").status_code == 200


def test_the_device_cookie_allows_its_own_failures_only(
    client_at: ClientAt, db: Session, small_limits: int
) -> None:
    user = make_user(db)
    owner = client_at(OWNER)
    log_in(owner, user.email)
    post_form(owner, "/logout", {}, token_from="/account")
    # A stolen cookie gets no more guesses than anyone else.
    assert _fail(owner, user.email, small_limits + 1) == [401] * small_limits + [429]


def test_a_reset_link_gets_the_owner_in_when_the_address_is_used_up(
    client_at: ClientAt, db: Session, outbox: Path, small_limits: int
) -> None:
    user = make_user(db)
    stranger = client_at(STRANGER)
    _fail(stranger, user.email, small_limits)
    for number in range(small_limits * throttle.ADDRESS_FACTOR):
        _fail(stranger, f"someone{number}@example.com", 1)
    owner = client_at(STRANGER)  # a new browser behind the same address, no device cookie
    assert _fail(owner, user.email, 1) == [429]
    path = reset_link(owner, user.email, outbox)
    done = post_form(
        owner, path, {"new": "a new passphrase", "confirm": "a new passphrase"}, token_from=path
    )
    assert done.status_code == 303
    log_in(owner, user.email, "a new passphrase")
    # The owner's link does not vouch for the address: others there are still refused.
    assert _fail(stranger, "someone-else@example.com", 1) == [429]


def test_one_address_trying_many_accounts_is_refused(
    client: TestClient, db: Session, small_limits: int
) -> None:
    allowed = small_limits * throttle.ADDRESS_FACTOR
    for number in range(allowed):
        _fail(client, f"guess{number}@example.com", 1)
    victim = make_user(db)
    refused = post_form(client, "/login", {"email": victim.email, "password": DEFAULT_PASSWORD})
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers


def test_success_takes_the_attempt_back(client: TestClient, db: Session) -> None:
    user = make_user(db)
    _fail(client, user.email, 2)
    log_in(client, user.email)
    account, address = throttle.limits_for(user.email, "testclient")
    assert _failures(db, account.key) is None  # the owner's counter here ends
    assert _failures(db, address.key) == 2  # the success is not counted as a failure


def test_the_window_ending_starts_a_new_count(db: Session) -> None:
    limits = throttle.limits_for("old@example.com", "10.0.0.2")
    start = utcnow()
    for _ in range(get_settings().login_max_failures):
        throttle.start_attempt(db, limits, now=start)
    with pytest.raises(throttle.TooManyRequests):
        throttle.start_attempt(db, limits, now=start + timedelta(minutes=1))
    later = start + timedelta(seconds=get_settings().login_window_seconds)
    attempt = throttle.start_attempt(db, limits, now=later)  # the window has passed
    assert attempt.counts == {limit.key: 1 for limit in limits}


def test_device_cookies_name_one_account_and_end_with_its_password(db: Session) -> None:
    user, other = make_user(db), make_user(db)
    cookie = devices.device_cookie(user)
    assert devices.known_device(cookie, user) is not None
    assert devices.known_device(cookie, other) is None
    user_id, issued, signature = cookie.split(".")
    forged = f"{user_id}.{issued}.{signature[:-2]}xx"
    assert devices.known_device(forged, user) is None
    too_old = utcnow() + devices.KNOWN_FOR + timedelta(seconds=1)
    assert devices.known_device(cookie, user, now=too_old) is None
    user.password_hash = "$argon2id$another"
    assert devices.known_device(cookie, user) is None
