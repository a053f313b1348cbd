"""Sign up, log in, log out: sessions rotate, logout kills the session on the server."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User, WebSession
from app.accounts.security import hash_secret
from app.config import get_settings
from tests.factories import DEFAULT_PASSWORD, csrf_from, log_in, make_user, post_form

COOKIE = get_settings().session_cookie_name


def _user_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(User)) or 0


def test_signup_creates_a_learner_and_signs_them_in(client: TestClient, db: Session) -> None:
    response = post_form(
        client,
        "/signup",
        {
            "email": "New.Person@Example.com",
            "display_name": "  Zoë   Ødegård ",
            "password": "a sensible passphrase",
            "confirm": "a sensible passphrase",
        },
        token_from="/signup",
    )
    assert response.status_code == 303
    user = db.scalar(select(User).where(User.email == "new.person@example.com"))
    assert user is not None
    assert user.display_name == "Zoë Ødegård"
    assert user.roles == {Role.LEARNER}
    assert user.password_hash.startswith("$argon2id$")
    home = client.get("/")
    assert "Welcome, Zoë Ødegård" in home.text
    assert "Log out" in home.text


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short1", "short1", "at least 8 characters"),
        ("x" * 129, "x" * 129, "at most 128 characters"),
        ("password123", "password123", "most common"),
        ("Password123", "Password123", "most common"),
        ("long enough one", "long enough two", "do not match"),
    ],
)
def test_signup_refuses_weak_or_mismatched_passwords(
    client: TestClient, db: Session, password: str, confirm: str, message: str
) -> None:
    before = _user_count(db)
    response = post_form(
        client,
        "/signup",
        {"email": "w@example.com", "display_name": "W", "password": password, "confirm": confirm},
        token_from="/signup",
    )
    assert response.status_code == 422
    assert message in response.text
    assert 'value="w@example.com"' in response.text  # what they typed is kept
    assert _user_count(db) == before


def test_signup_refuses_bad_email_and_duplicates(client: TestClient, db: Session) -> None:
    make_user(db, email="taken@example.com")
    bad = post_form(
        client,
        "/signup",
        {
            "email": "not-an-email",
            "display_name": "X",
            "password": "fine password",
            "confirm": "fine password",
        },
        token_from="/signup",
    )
    assert bad.status_code == 422
    assert "not valid" in bad.text
    dup = post_form(
        client,
        "/signup",
        {
            "email": "TAKEN@example.com",
            "display_name": "X",
            "password": "fine password",
            "confirm": "fine password",
        },
        token_from="/signup",
    )
    assert dup.status_code == 409
    assert "already exists" in dup.text


def test_login_rotates_the_session_id(client: TestClient, db: Session) -> None:
    user = make_user(db)
    csrf_from(client)  # an anonymous session now exists
    anonymous = client.cookies.get(COOKIE)
    assert anonymous
    log_in(client, user.email)
    signed_in = client.cookies.get(COOKIE)
    assert signed_in and signed_in != anonymous
    assert db.get(WebSession, hash_secret(anonymous)) is None
    row = db.get(WebSession, hash_secret(signed_in))
    assert row is not None and row.user_id == user.id


def test_wrong_password_shows_a_clear_error(client: TestClient, db: Session) -> None:
    user = make_user(db)
    response = post_form(client, "/login", {"email": user.email, "password": "not the password"})
    assert response.status_code == 401
    assert "do not match an account" in response.text
    assert client.get("/account").status_code == 303  # still not signed in


def test_unknown_email_gets_the_same_answer(client: TestClient) -> None:
    response = post_form(client, "/login", {"email": "nobody@example.com", "password": "whatever1"})
    assert response.status_code == 401
    assert "do not match an account" in response.text


def test_logout_invalidates_the_session_on_the_server(client: TestClient, db: Session) -> None:
    user = make_user(db)
    log_in(client, user.email)
    stolen = client.cookies.get(COOKIE)
    assert client.get("/account").status_code == 200
    response = post_form(client, "/logout", {}, token_from="/account")
    assert response.status_code == 303
    client.cookies.clear()
    client.cookies.set(COOKIE, stolen)  # replay the old cookie
    replay = client.get("/account")
    assert replay.status_code == 303
    assert replay.headers["location"].startswith("/login")


def test_next_parameter_only_allows_local_paths(client: TestClient, db: Session) -> None:
    user = make_user(db)
    token = csrf_from(client)
    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": DEFAULT_PASSWORD,
            "next": "//evil.example.com/",
            "csrf_token": token,
        },
    )
    assert response.headers["location"] == "/"


def test_session_cookie_attributes(client: TestClient) -> None:
    response = client.get("/login")
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in tests


def test_secure_cookie_behind_https(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "secure_cookies", True)
    cookie = client.get("/login").headers["set-cookie"]
    assert "Secure" in cookie


def test_inactive_account_cannot_sign_in(client: TestClient, db: Session) -> None:
    user = make_user(db)
    user.is_active = False
    db.flush()
    response = post_form(client, "/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 401
