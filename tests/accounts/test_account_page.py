"""The account page: name, password, personal API tokens."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, WebSession
from app.accounts.security import hash_secret, verify_password
from app.config import get_settings
from tests.conftest import PersonClient
from tests.factories import DEFAULT_PASSWORD, log_in, make_user, post_form


def sessions_of(db: Session, user_id: int) -> list[WebSession]:
    """All stored web sessions of a person."""
    return list(db.scalars(select(WebSession).where(WebSession.user_id == user_id)))


def test_account_needs_sign_in(client: TestClient) -> None:
    response = client.get("/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account"


def test_change_name(client: TestClient, db: Session) -> None:
    user = make_user(db)
    log_in(client, user.email)
    response = post_form(
        client, "/account/profile", {"display_name": "Łukasz Żółć"}, token_from="/account"
    )
    assert response.status_code == 303
    db.refresh(user)
    assert user.display_name == "Łukasz Żółć"
    assert "Your name is updated" in client.get("/account").text


def test_blank_name_is_refused(client: TestClient, db: Session) -> None:
    user = make_user(db, name="Kept")
    log_in(client, user.email)
    response = post_form(client, "/account/profile", {"display_name": "   "}, token_from="/account")
    assert response.status_code == 422
    db.refresh(user)
    assert user.display_name == "Kept"


def test_change_password_checks_the_current_one(client: TestClient, db: Session) -> None:
    user = make_user(db)
    log_in(client, user.email)
    wrong = post_form(
        client,
        "/account/password",
        {"current": "not it at all", "new": "another good one", "confirm": "another good one"},
        token_from="/account",
    )
    assert wrong.status_code == 422
    assert "current password is not right" in wrong.text
    ok = post_form(
        client,
        "/account/password",
        {"current": DEFAULT_PASSWORD, "new": "another good one", "confirm": "another good one"},
        token_from="/account",
    )
    assert ok.status_code == 303
    db.refresh(user)
    assert verify_password(user.password_hash, "another good one")


def test_api_token_from_the_account_page(client: TestClient, db: Session) -> None:
    user = make_user(db, roles={Role.LEARNER, Role.FACILITATOR})
    log_in(client, user.email)
    page = post_form(client, "/account/tokens", {"name": "reporting"}, token_from="/account")
    token = re.search(r'id="new-token">([^<]+)<', page.text).group(1)  # type: ignore[union-attr]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json() == {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "roles": ["facilitator", "learner"],
    }
    token_id = re.search(r"/account/tokens/(\d+)/revoke", client.get("/account").text).group(1)  # type: ignore[union-attr]
    post_form(client, f"/account/tokens/{token_id}/revoke", {}, token_from="/account")
    again = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 401
    assert again.headers["content-type"] == "application/problem+json"
    assert again.headers["www-authenticate"] == "Bearer"


def test_someone_elses_token_cannot_be_revoked(client: TestClient, db: Session) -> None:
    from app.accounts import service

    owner = make_user(db)
    service.issue_api_token(db, owner, name="theirs")
    token_id = service.list_api_tokens(db, owner)[0].id
    intruder = make_user(db)
    log_in(client, intruder.email)
    response = post_form(client, f"/account/tokens/{token_id}/revoke", {}, token_from="/account")
    assert response.status_code == 404
    assert service.list_api_tokens(db, owner)[0].revoked_at is None


def test_api_without_or_with_bad_token(client: TestClient) -> None:
    missing = client.get("/api/v1/me")
    assert missing.status_code == 401
    body = missing.json()
    assert body["status"] == 401 and "Bearer" in body["detail"]
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer apex_made_up"})
    assert bad.status_code == 401
    assert "not valid" in bad.json()["detail"]


def test_changing_the_password_ends_the_other_sessions_only(
    client: TestClient, db: Session
) -> None:
    user = make_user(db)
    elsewhere = PersonClient(client.app, db, base_url="http://testserver", follow_redirects=False)
    log_in(elsewhere, user.email)  # e.g. a browser someone else signed in on
    log_in(client, user.email)
    new = {"current": DEFAULT_PASSWORD, "new": "another good one", "confirm": "another good one"}
    assert post_form(client, "/account/password", new, token_from="/account").status_code == 303
    page = client.get("/account")
    assert page.status_code == 200  # this browser stays signed in
    assert "You are signed out everywhere else" in page.text
    assert elsewhere.get("/account").status_code == 303  # that one is signed out
    assert [row.id for row in sessions_of(db, user.id)] == [
        hash_secret(client.cookies[get_settings().session_cookie_name])
    ]
