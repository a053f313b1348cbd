"""Sign up (confirmed by mail, telling nobody who has an account), log in, log out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User, WebSession
from app.accounts.security import hash_secret, verify_password
from app.config import get_settings
from tests.factories import (
    DEFAULT_PASSWORD,
    csrf_from,
    log_in,
    make_user,
    post_form,
    read_outbox,
    text_body,
)

COOKIE = get_settings().session_cookie_name


def _user_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(User)) or 0


def _sign_up(
    client: TestClient, email: str, name: str = "New Person", password: str = ""
) -> Response:
    password = password or "a sensible passphrase"
    return post_form(
        client,
        "/signup",
        {"email": email, "display_name": name, "password": password, "confirm": password},
        token_from="/signup",
    )


def _link_in_newest_mail(outbox: Path, pattern: str) -> str:
    body = text_body(read_outbox(outbox)[-1])
    match = re.search(rf"http://testserver({pattern}\S*)", body)
    assert match, body
    return match.group(1)


def test_signup_confirms_the_address_then_signs_in(
    client: TestClient, db: Session, outbox: Path
) -> None:
    response = _sign_up(client, "New.Person@Example.com", "  Zoë   Ødegård ")
    assert response.status_code == 200
    assert "We sent a message to new.person@example.com" in response.text
    user = db.scalar(select(User).where(User.email == "new.person@example.com"))
    assert user is not None
    assert user.display_name == "Zoë Ødegård"
    assert user.roles == {Role.LEARNER}
    assert user.password_hash.startswith("$argon2id$")
    assert user.unconfirmed_since is not None
    # Until the link is opened the password does not sign in (and says nothing more).
    early = post_form(client, "/login", {"email": user.email, "password": "a sensible passphrase"})
    assert early.status_code == 401
    assert "do not match an account" in early.text

    link = _link_in_newest_mail(outbox, "/signup/confirm/")
    assert client.get(link).status_code == 200  # a page with a button: GET changes nothing
    db.refresh(user)
    assert user.unconfirmed_since is not None
    wrong = post_form(client, link, {"password": "not what I chose"}, token_from=link)
    assert wrong.status_code == 422
    assert "not the password chosen" in wrong.text
    done = post_form(client, link, {"password": "a sensible passphrase"}, token_from=link)
    assert done.status_code == 303
    home = client.get("/")
    assert "Welcome, Zoë Ødegård" in home.text
    assert "Log out" in home.text
    assert client.get(link).status_code == 404  # spent


def test_signup_does_not_tell_whether_an_address_has_an_account(
    client: TestClient, db: Session, outbox: Path
) -> None:
    owner = make_user(db, email="taken@example.com", name="Taken Owner")
    before = _user_count(db)
    taken = _sign_up(client, "TAKEN@example.com", password="an attacker passphrase")
    free = _sign_up(client, "free@example.com", password="an attacker passphrase")
    assert taken.status_code == free.status_code == 200
    assert taken.text.replace("taken@example.com", "ADDRESS") == free.text.replace(
        "free@example.com", "ADDRESS"
    )
    assert taken.headers.get("set-cookie") == free.headers.get("set-cookie")
    # The owner is told instead, and nothing about their account changed.
    mails = read_outbox(outbox)
    notice = next(m for m in mails if m["To"] == "taken@example.com")
    assert "tried to sign up" in notice["Subject"]
    body = text_body(notice)
    assert "http://testserver/password-reset" in body and "http://testserver/login" in body
    assert _user_count(db) == before + 1  # only free@ is new
    db.refresh(owner)
    assert verify_password(owner.password_hash, DEFAULT_PASSWORD)


def test_a_squatted_address_is_taken_back_with_a_reset_link(
    client: TestClient, db: Session, outbox: Path
) -> None:
    # Someone signs up with another person's address; they cannot confirm it, and the
    # owner, opening the link they did not ask for, cannot confirm it for them.
    _sign_up(client, "victim@example.com", password="the squatter's pass")
    squatter = post_form(
        client, "/login", {"email": "victim@example.com", "password": "the squatter's pass"}
    )
    assert squatter.status_code == 401
    unasked = _link_in_newest_mail(outbox, "/signup/confirm/")
    owner_guess = {"password": "the owner's passphrase"}
    assert post_form(client, unasked, owner_guess, token_from=unasked).status_code == 422
    # The real owner tries to sign up, is told there is an account, and resets it.
    _sign_up(client, "victim@example.com", password="the owner's passphrase")
    assert "tried to sign up" in read_outbox(outbox)[-1]["Subject"]
    post_form(client, "/password-reset", {"email": "victim@example.com"}, token_from="/login")
    link = _link_in_newest_mail(outbox, "/password-reset/")
    new = {"new": "the owner's passphrase", "confirm": "the owner's passphrase"}
    assert post_form(client, link, new, token_from=link).status_code == 303
    log_in(client, "victim@example.com", "the owner's passphrase")
    user = db.scalar(select(User).where(User.email == "victim@example.com"))
    assert user is not None and user.unconfirmed_since is None
    # The squatter's password is gone, and so is their link.
    assert client.get(unasked).status_code == 404


def test_a_forged_or_old_signup_link_is_refused(
    client: TestClient, db: Session, outbox: Path
) -> None:
    _sign_up(client, "late@example.com")
    link = _link_in_newest_mail(outbox, "/signup/confirm/")
    user_id, expires, signature = link.rsplit("/", 1)[1].split(".")
    other = make_user(db)
    forged = [
        f"/signup/confirm/{user_id}.{int(expires) + 3600}.{signature}",  # a longer life
        f"/signup/confirm/{other.id}.{expires}.{signature}",  # another account
        "/signup/confirm/not-a-link",
    ]
    for path in forged:
        assert client.get(path).status_code == 404, path
        assert post_form(client, path, {}).status_code == 404, path


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


def test_signup_refuses_a_bad_email(client: TestClient, db: Session) -> None:
    before = _user_count(db)
    bad = _sign_up(client, "not-an-email")
    assert bad.status_code == 422
    assert "not valid" in bad.text
    assert _user_count(db) == before


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
