"""A visitor who only reads pages leaves no session row; their forms still carry CSRF.

An anonymous visitor gets a cookie when a page shows a form, and a row only while
there is something to keep for them (a flash message).
"""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import WebSession
from app.config import get_settings
from tests.accounts.test_password_reset import reset_link
from tests.factories import csrf_from, log_in, make_user, post_form

COOKIE = get_settings().session_cookie_name
PAGES = ["/", "/courses", "/schedule", "/login", "/signup", "/password-reset", "/login"]


def _anonymous_rows(db: Session) -> int:
    db.expire_all()
    query = select(func.count()).select_from(WebSession).where(WebSession.user_id.is_(None))
    return db.scalar(query) or 0


def test_reading_pages_stores_no_session(client: TestClient, db: Session) -> None:
    before = db.scalar(select(func.count()).select_from(WebSession))
    for path in PAGES:
        assert client.get(path).status_code == 200, path
    assert client.cookies.get(COOKIE)  # the forms' CSRF token goes with this cookie
    assert db.scalar(select(func.count()).select_from(WebSession)) == before


def test_anonymous_forms_post_without_a_stored_session(client: TestClient, db: Session) -> None:
    token = csrf_from(client, "/login")
    assert csrf_from(client, "/signup") == token  # one token per visitor, not per page
    wrong = client.post(
        "/login", data={"email": "x@example.com", "password": "not it", "csrf_token": token}
    )
    assert wrong.status_code == 401  # past the CSRF check, refused for the password
    forged = client.post(
        "/login", data={"email": "x@example.com", "password": "not it", "csrf_token": token + "x"}
    )
    assert forged.status_code == 403
    # Another browser's token is no good with this browser's cookie.
    other = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    assert other.post("/login", data={"csrf_token": token}).status_code == 403
    assert _anonymous_rows(db) == 0


def test_a_flash_is_kept_until_shown_then_the_row_goes(
    client: TestClient, db: Session, outbox: Path
) -> None:
    user = make_user(db)
    path = reset_link(client, user.email, outbox)
    token = csrf_from(client, path)
    new = {"new": "brand new secret", "confirm": "brand new secret", "csrf_token": token}
    assert client.post(path, data=new).status_code == 303
    assert _anonymous_rows(db) == 1  # "Your password is changed" waits for the next page
    page = client.get("/login")
    assert "Your password is changed" in page.text
    assert _anonymous_rows(db) == 0
    # A token from before the row existed, and from after it went, still posts.
    assert csrf_from(client, "/login") == token
    log_in(client, user.email, "brand new secret")


def test_signing_out_leaves_only_the_message(client: TestClient, db: Session) -> None:
    user = make_user(db)
    log_in(client, user.email)
    post_form(client, "/logout", {}, token_from="/account")
    assert "You are signed out" in client.get("/").text
    assert _anonymous_rows(db) == 0
