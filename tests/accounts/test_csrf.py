"""Every state-changing form needs the session's CSRF token; without it: 403, no change."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.devices import cookie_name
from app.accounts.models import User
from app.config import get_settings
from tests.factories import csrf_from, log_in, make_user


def test_signup_without_token_is_refused_and_creates_nothing(
    client: TestClient, db: Session
) -> None:
    before = db.scalar(select(func.count()).select_from(User))
    data = {
        "email": "c@example.com",
        "display_name": "C",
        "password": "good password",
        "confirm": "good password",
    }
    missing = client.post("/signup", data=data)
    csrf_from(client)
    wrong = client.post("/signup", data={**data, "csrf_token": "forged"})
    assert missing.status_code == 403
    assert wrong.status_code == 403
    assert "did not come from this site" in wrong.text
    assert db.scalar(select(func.count()).select_from(User)) == before


def test_profile_change_with_wrong_token_changes_nothing(client: TestClient, db: Session) -> None:
    user = make_user(db, name="Original Name")
    log_in(client, user.email)
    response = client.post(
        "/account/profile", data={"display_name": "Hacked", "csrf_token": "nope"}
    )
    assert response.status_code == 403
    db.refresh(user)
    assert user.display_name == "Original Name"


def _page_post_routes(app: FastAPI) -> list[str]:
    # The OpenAPI document lists every route, however routers are nested.
    return [
        path
        for path, operations in app.openapi()["paths"].items()
        if "post" in operations
        and not path.startswith("/api/")  # API: bearer tokens only
        and path != "/payments/stripe/webhook"  # signed by Stripe (tests/payments checks it)
    ]


def test_every_page_post_route_demands_the_token(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    user = make_user(db)
    log_in(client, user.email)
    paths = _page_post_routes(app)
    assert "/signup" in paths and "/logout" in paths
    for path in paths:
        # Any value routing accepts: "1" suits ids, positions and slugs alike.
        concrete = re.sub(r"\{(\w+)\}", lambda m: "abc" if m[1] == "token" else "1", path)
        response = client.post(concrete, data={"x": "1"})
        assert response.status_code == 403, f"{path} accepted a post without a CSRF token"


@pytest.mark.parametrize("header_token", [True, False])
def test_token_may_come_in_a_header_for_scripts(
    client: TestClient, db: Session, header_token: bool
) -> None:
    user = make_user(db)
    log_in(client, user.email)
    token = csrf_from(client, "/account")
    headers = {"X-CSRF-Token": token if header_token else "wrong"}
    response = client.post("/account/profile", data={"display_name": "Via Header"}, headers=headers)
    assert response.status_code == (303 if header_token else 403)


def test_tokens_in_any_characters_are_refused_not_an_error(client: TestClient, db: Session) -> None:
    # hmac.compare_digest raises on non-ASCII text, and a client may send any.
    token = csrf_from(client)
    assert client.post("/login", data={"csrf_token": "jeton-é"}).status_code == 403
    user = make_user(db)
    session = client.cookies[get_settings().session_cookie_name]
    cookies = f"{get_settings().session_cookie_name}={session}; {cookie_name()}={user.id}.1.é"
    form = {"email": user.email, "password": "wrong password", "csrf_token": token}
    bare = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    answer = bare.post("/login", data=form, headers={"cookie": cookies.encode("latin-1")})
    assert answer.status_code == 401
    assert client.get("/signup/confirm/1.9999999999.é").status_code == 404


def test_every_page_post_route_carries_the_csrf_check_itself(app: FastAPI) -> None:
    # Not only through a parent router: a sub-router included elsewhere stays safe.
    from app.web import verify_csrf
    from tests.routes_table import app_routes

    unguarded = [
        info.path
        for info in app_routes(app)
        if "POST" in info.methods
        and not info.path.startswith("/api/")
        and info.path != "/payments/stripe/webhook"
        and not any(d.dependency is verify_csrf for d in info.route.dependencies)
    ]
    assert unguarded == []
