"""NUL characters anywhere a person can put them get a 400 that says so, never a 500."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from tests.factories import csrf_from, log_in, make_user


def _refused(response: object, where: str) -> None:
    assert response.status_code == 400, response.text  # type: ignore[attr-defined]
    assert f"The {where} contains a NUL character" in response.text  # type: ignore[attr-defined]


def test_nul_in_an_address_is_refused_on_pages_and_the_api(client: TestClient) -> None:
    api = client.get("/api/v1/certificates/verify/a%00b")
    _refused(api, "address")
    assert api.headers["content-type"].startswith("application/problem+json")
    page = client.get("/verify/a%00b")
    _refused(page, "address")
    assert page.headers["content-type"].startswith("text/html")


def test_nul_in_a_query_is_refused(client: TestClient) -> None:
    _refused(client.get("/courses?q=team%00work"), "query string")


def test_nul_in_the_login_email_and_signup_name_is_refused(client: TestClient, db: Session) -> None:
    token = csrf_from(client)
    login = client.post(
        "/login", data={"email": "a\x00b@example.com", "password": "x", "csrf_token": token}
    )
    _refused(login, "form")
    before = db.scalar(select(func.count()).select_from(User))
    signup = client.post(
        "/signup",
        data={
            "email": "new@example.com",
            "display_name": "Nul\x00Name",
            "password": "a long enough passphrase",
            "confirm": "a long enough passphrase",
            "csrf_token": csrf_from(client, "/signup"),
        },
    )
    _refused(signup, "form")
    assert db.scalar(select(func.count()).select_from(User)) == before  # nothing written


def test_nul_escaped_in_json_is_refused_but_percent_text_is_not(
    client: TestClient, db: Session
) -> None:
    _refused(
        client.post("/api/v1/sessions/1/enrollments", content=b'{"email": "a\\u0000b"}',
                    headers={"content-type": "application/json"}),
        "request body",
    )  # fmt: skip
    # "%00" inside JSON is just text, and an escaped backslash before u0000 is not NUL.
    for body in (b'{"email": "100%00"}', b'{"email": "a\\\\u0000"}'):
        answer = client.post(
            "/api/v1/sessions/1/enrollments",
            content=body,
            headers={"content-type": "application/json"},
        )
        assert answer.status_code == 401  # reached the route, which wants a bearer token


def test_an_ordinary_form_still_arrives_whole(client: TestClient, db: Session) -> None:
    user = make_user(db, name="Before")
    log_in(client, user.email)
    token = csrf_from(client, "/account")
    answer = client.post(
        "/account/profile", data={"display_name": "Ünïcode & 100%", "csrf_token": token}
    )
    assert answer.status_code == 303
    db.refresh(user)
    assert user.display_name == "Ünïcode & 100%"
