"""Every refusal is a styled page (or problem+json) with the visitor's own navigation.

Walked for an anonymous visitor, an anonymous visitor holding a session cookie and a
signed-in person of each role, against the production app and its real request
lifecycle: the page is rendered after the request's session has closed, which is exactly
where it used to fail with a bare 500.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.errors import Conflict, Gone, Invalid, TooManyRequests
from tests.conftest import PersonClient
from tests.factories import csrf_from, log_in, make_user

VISITORS = ["anonymous", "anonymous-with-cookie", *[role.value for role in Role]]


def _raise(error: Exception) -> Callable[[], None]:
    def endpoint() -> None:
        raise error

    return endpoint


@pytest.fixture
def app_with_failures(app: FastAPI) -> FastAPI:
    """The production app plus routes that fail on purpose (statuses no page gives cheaply)."""
    failures = {
        "/_test/conflict": Conflict("That seat was taken a moment ago."),
        "/_test/gone": Gone("This offer has expired."),
        "/_test/invalid": Invalid("The date must be after today."),
        "/_test/slow-down": TooManyRequests("Too many attempts; wait a minute.", retry_after=60),
        "/_test/crash": RuntimeError("boom"),
    }
    for path, error in failures.items():
        app.add_api_route(path, _raise(error), methods=["GET"])
    return app


def _client(app: FastAPI, db: Session, who: str) -> tuple[TestClient, str | None]:
    client = PersonClient(
        app, db, base_url="http://testserver", follow_redirects=False, raise_server_exceptions=False
    )
    if who == "anonymous":
        return client, None
    if who == "anonymous-with-cookie":
        token = csrf_from(client)
        client.post(
            "/login", data={"email": "no@example.com", "password": "x", "csrf_token": token}
        )
        assert client.cookies, "a failed sign-in leaves the visitor a session cookie"
        return client, None
    user = make_user(db, name=f"Sam {who.title()}", roles={Role(who)})
    log_in(client, user.email)
    return client, user.display_name


def _refusals(client: TestClient) -> dict[int, object]:
    return {
        400: client.get("/courses/a%00b"),
        403: client.post("/account/profile", data={"display_name": "X"}),
        404: client.get("/courses/no-such-course"),
        405: client.put("/courses"),
        409: client.get("/_test/conflict"),
        410: client.get("/_test/gone"),
        413: client.post("/login", content=b"x", headers={"content-length": str(2**40)}),
        422: client.get("/_test/invalid"),
        429: client.get("/_test/slow-down"),
        500: client.get("/_test/crash"),
    }


@pytest.mark.parametrize("who", VISITORS)
def test_every_refusal_is_a_styled_page_with_the_visitors_navigation(
    app_with_failures: FastAPI, db: Session, who: str
) -> None:
    client, name = _client(app_with_failures, db, who)
    for status, response in _refusals(client).items():
        where = f"{who}, {status}"
        assert response.status_code == status, where  # type: ignore[attr-defined]
        page = response.text  # type: ignore[attr-defined]
        assert response.headers["content-type"].startswith("text/html"), where  # type: ignore[attr-defined]
        assert f"Error {status}" in page, where
        assert 'class="site-nav"' in page or "<nav" in page, where
        assert response.headers["x-frame-options"] == "DENY", where  # type: ignore[attr-defined]
        assert "content-security-policy" in response.headers, where  # type: ignore[attr-defined]
        next_step = re.search(r'<a class="button" href="([^"]+)">([^<]+)</a>', page)
        assert next_step, f"{where}: no next step"
        if name:
            assert name in page, f"{where}: the page does not show who is signed in"
            assert 'href="/learning"' in page, f"{where}: no signed-in navigation"
        else:
            assert 'href="/learning"' not in page, where
    # After all that, the same client still gets ordinary pages.
    assert client.get("/courses").status_code == 200


def test_anonymous_refusal_of_a_private_page_offers_sign_in(client: TestClient) -> None:
    client.cookies.clear()
    response = client.post("/account/profile", data={"display_name": "X"})
    assert response.status_code == 403
    assert "/login?next=" in response.text


def test_a_signed_in_refusal_offers_the_way_back(client: TestClient, db: Session) -> None:
    log_in(client, make_user(db).email)
    response = client.get("/bookings/999999/pay")
    assert response.status_code in (403, 404)
    assert 'href="/bookings">Back to your bookings' in response.text


def test_api_refusals_are_problem_json_with_security_headers(client: TestClient) -> None:
    for response, status in (
        (client.get("/api/v1/courses/no-such-course"), 404),
        (client.get("/api/v1/sessions/1"), 401),
        (client.get("/api/v1/courses/a%00b"), 400),
        (client.get("/api/v1/sessions/2147483648"), 404),
    ):
        assert response.status_code == status, response.request.url
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == status
        assert response.headers["x-content-type-options"] == "nosniff"


def test_a_genuine_500_is_a_styled_page_whose_reference_is_in_the_log(
    app_with_failures: FastAPI, db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    client, name = _client(app_with_failures, db, "learner")
    with caplog.at_level(logging.ERROR, logger="app.errors"):
        response = client.get("/_test/crash")
    assert response.status_code == 500
    reference = re.search(r"Reference: <code>([0-9a-f]{8})</code>", response.text)
    assert reference, response.text
    assert name and name in response.text
    assert any(f"ref={reference.group(1)}" in r.getMessage() for r in caplog.records)
    assert "boom" not in response.text  # no exception text reaches the person
    api = client.get("/api/v1/_missing")
    assert api.status_code == 404


def test_an_organisation_coordinator_refused_elsewhere_is_offered_their_organisation(
    client: TestClient, db: Session
) -> None:
    from app.accounts import organisations
    from tests.factories import make_organisation

    ours = make_organisation(db, name="Northwind")
    theirs = make_organisation(db, name="Contoso")
    omar = make_user(db)
    organisations.add_member(db, ours, email=omar.email, coordinator=True)
    log_in(client, omar.email)
    response = client.get(f"/orgs/{theirs.id}/seat-packs")
    assert response.status_code == 404
    assert f'href="/orgs/{ours.id}">Back to your organisation' in response.text
