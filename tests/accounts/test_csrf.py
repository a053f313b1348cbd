"""Every state-changing form needs the session's CSRF token; without it: 403, no change."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
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
        concrete = path.replace("{token}", "abc").replace("{", "").replace("}", "")
        concrete = "/".join("1" if part.endswith("_id") else part for part in concrete.split("/"))
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
