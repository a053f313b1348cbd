"""Web basics: home, probes, error pages and problem details, security headers."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from tests.factories import log_in, make_user


def test_home_page_for_visitors_and_navigation_by_role(client: TestClient, db: Session) -> None:
    anonymous = client.get("/")
    assert anonymous.status_code == 200
    assert "Sign up" in anonymous.text and 'href="/admin/users"' not in anonymous.text
    admin = make_user(db, roles={Role.ADMIN})
    log_in(client, admin.email)
    signed_in = client.get("/")
    assert 'href="/admin/users"' in signed_in.text
    assert "Log out" in signed_in.text


def test_security_headers(client: TestClient) -> None:
    headers = client.get("/").headers
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok", "database": "ok"}


def test_page_404_is_html(client: TestClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "There is nothing at this address" in response.text


def test_api_404_is_problem_json(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["title"] == "Not Found" and body["type"] == "about:blank"


def test_500_shows_no_stack_trace(app: FastAPI) -> None:
    @app.get("/explode-for-test")
    def explode() -> None:
        raise RuntimeError("secret internal detail")

    @app.get("/api/v1/explode-for-test")
    def explode_api() -> None:
        raise RuntimeError("secret internal detail")

    with TestClient(app, raise_server_exceptions=False) as client:
        page = client.get("/explode-for-test")
        api = client.get("/api/v1/explode-for-test")
    assert page.status_code == 500
    assert "Something went wrong" in page.text
    assert "secret internal detail" not in page.text and "Traceback" not in page.text
    assert api.status_code == 500
    assert api.headers["content-type"] == "application/problem+json"
    assert "secret internal detail" not in api.text


def test_readyz_reports_a_dead_database(monkeypatch, client: TestClient) -> None:
    from app import site

    def broken_factory():  # the database is unreachable
        raise ConnectionError("refused")

    monkeypatch.setattr(site, "get_engine", broken_factory)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_readyz_checks_redis_when_configured(monkeypatch, client: TestClient) -> None:
    from app.config import get_settings
    from tests.conftest import REDIS_URL, skip_or_fail

    if not REDIS_URL:
        skip_or_fail("Redis: set APEX_TEST_REDIS_URL=redis://127.0.0.1:6379/15")
    monkeypatch.setattr(get_settings(), "redis_url", REDIS_URL)
    assert client.get("/readyz").json() == {"status": "ok", "database": "ok", "redis": "ok"}
    monkeypatch.setattr(get_settings(), "redis_url", "redis://127.0.0.1:1/0")  # nothing listens
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["redis"].startswith("unavailable")


def test_oversized_bodies_are_refused_before_parsing(client: TestClient) -> None:
    from app.config import get_settings

    limit = get_settings().max_pack_upload_bytes + 1024 * 1024
    big = b"x" * (limit + 1)
    page = client.post(
        "/signup", content=big, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert page.status_code == 413
    api = client.post("/api/v1/packs", content=big, headers={"content-type": "application/zip"})
    assert api.status_code == 413
    assert api.headers["content-type"] == "application/problem+json"

    def chunks():  # no Content-Length: counted while streaming
        for _ in range(limit // (1024 * 1024) + 2):
            yield b"x" * (1024 * 1024)

    streamed = client.post(
        "/signup", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    # Reading stops at the limit; the form parser reports the interrupted body as a bad
    # request (400) rather than passing our 413 through, which is fine for a script.
    assert streamed.status_code in (400, 413)
