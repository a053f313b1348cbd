"""Repeated failures are slowed down, then refused with 429 and Retry-After."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import throttle
from app.config import get_settings
from tests.factories import DEFAULT_PASSWORD, make_user, post_form


def test_delay_grows_after_a_few_failures(db: Session) -> None:
    settings = get_settings()
    keys = throttle.throttle_keys("slow@example.com", "10.0.0.1")
    delays = [throttle.record_failure(db, keys) for _ in range(6)]
    free = settings.login_slowdown_after
    assert delays[: free - 1] == [0.0] * (free - 1)
    base = settings.login_delay_base_seconds
    assert delays[free - 1 : free + 1] == [base, 2 * base]
    assert delays[-1] == settings.login_delay_max_seconds  # capped


def test_failed_logins_are_answered_late(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(db)
    slept: list[float] = []
    monkeypatch.setattr(throttle, "slow_down", slept.append)
    for _ in range(5):
        post_form(client, "/login", {"email": user.email, "password": "wrong password"})
    assert [s > 0 for s in slept] == [False, False, True, True, True]


def test_account_is_refused_with_retry_after(client: TestClient, db: Session) -> None:
    user = make_user(db)
    limit = get_settings().login_max_failures
    for _ in range(limit):
        response = post_form(client, "/login", {"email": user.email, "password": "wrong password"})
        assert response.status_code == 401
    # Even the right password is refused while the account is throttled.
    refused = post_form(client, "/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert refused.status_code == 429
    retry_after = int(refused.headers["Retry-After"])
    assert 0 < retry_after <= get_settings().login_window_seconds + 1
    assert "Too many failed sign-in attempts" in refused.text


def test_one_address_trying_many_accounts_is_refused(client: TestClient, db: Session) -> None:
    limit = get_settings().login_max_failures
    for number in range(limit):
        post_form(client, "/login", {"email": f"guess{number}@example.com", "password": "x" * 9})
    victim = make_user(db)
    refused = post_form(client, "/login", {"email": victim.email, "password": DEFAULT_PASSWORD})
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers


def test_success_clears_the_account_counter(client: TestClient, db: Session) -> None:
    user = make_user(db)
    for _ in range(3):
        post_form(client, "/login", {"email": user.email, "password": "wrong password"})
    ok = post_form(client, "/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert ok.status_code == 303
    assert db.get(throttle.LoginThrottle, f"email:{user.email}") is None


def test_window_expiry_forgets_failures(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = throttle.throttle_keys("old@example.com", None)
    for _ in range(get_settings().login_max_failures):
        throttle.record_failure(db, keys)
    with pytest.raises(throttle.TooManyRequests):
        throttle.check_allowed(db, keys)
    monkeypatch.setattr(get_settings(), "login_window_seconds", 0)
    throttle.check_allowed(db, keys)  # the window has passed: allowed again
