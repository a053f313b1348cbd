"""Web basics: home, probes, error pages and problem details, security headers."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.scheduling.models import CourseSession
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


# --- the signed-in home page ------------------------------------------------------------


def _demo(db: Session) -> None:
    from app.config import PROJECT_ROOT
    from app.content.sync import sync_folder
    from app.demo import load_demo_data

    assert sync_folder(db, PROJECT_ROOT / "courses").ok
    assert load_demo_data(db)


def _sign_in_as(client: TestClient, role: str) -> str:
    """Sign in as the demo account of ``role``; returns the home page."""
    from app.demo import DEMO_ACCOUNTS

    (account,) = [a for a in DEMO_ACCOUNTS if a.role.split(" (")[0] == role]
    client.cookies.clear()
    log_in(client, account.email, account.password)
    page = client.get("/")
    assert page.status_code == 200
    assert "People skills for people who build things" not in page.text  # not the marketing
    return page.text


def _ids(db: Session, email: str) -> list[int]:
    from app.accounts.service import find_user_by_email
    from app.enrollment.attendance import facilitator_sessions

    user = find_user_by_email(db, email)
    assert user is not None
    return [s.session.id for s in facilitator_sessions(db, user)]


def test_the_marketing_page_is_for_visitors_only(client: TestClient) -> None:
    page = client.get("/")
    assert "People skills for people who build things" in page.text
    assert "Welcome back" not in page.text


def test_each_demo_role_finds_what_they_came_for_at_home(client: TestClient, db: Session) -> None:
    from app.demo import DEMO_FACILITATOR

    _demo(db)
    today_id, next_id = _ids(db, DEMO_FACILITATOR)

    learner = _sign_in_as(client, "learner")
    # Their seats on the facilitator's sessions: today's (under way) and next week's.
    assert f'href="/sessions/{today_id}"' in learner and f'href="/sessions/{next_id}"' in learner
    assert "Your courses" in learner and 'href="/learn/' in learner

    facilitator = _sign_in_as(client, "facilitator")
    assert "Today:" in facilitator and "Next:" in facilitator
    for session_id in (today_id, next_id):
        assert f'href="/facilitator/sessions/{session_id}"' in facilitator  # attendance
        assert f'href="/sessions/{session_id}/documents"' in facilitator  # print pack
    assert "Your next sessions" not in facilitator  # staff without bookings: tasks only

    org = _sign_in_as(client, "organisation coordinator")
    assert "Northwind Engineering" in org and "6 seats left" in org
    assert re.search(r'href="/orgs/\d+/seat-packs"', org)

    admin = _sign_in_as(client, "admin")
    for href in ("/admin/content", "/admin/users", "/admin/organisations"):
        assert f'href="{href}"' in admin
    assert "4 courses loaded" in admin


def test_a_coordinator_sees_this_months_sessions_that_need_attention(
    client: TestClient, db: Session
) -> None:
    from datetime import date, time, timedelta

    from app.db import utcnow
    from app.scheduling.facilitators import assign_facilitator
    from app.scheduling.sessions import SessionInput, create_session
    from app.scheduling.venues import create_venue
    from tests.scheduling.factories import ensure_courses

    ensure_courses(db)
    facilitator = make_user(db, roles={Role.FACILITATOR})

    def session(min_participants: int) -> CourseSession:
        # Each in its own room (a venue is never double-booked), scheduled yesterday so
        # today's 09:00 start is not in the past when they are created.
        venue = create_venue(db, name=f"Room {min_participants}", address="1 Main St")
        return create_session(
            db,
            SessionInput(
                course_slug="relationship-management",
                format_id="one-day",
                starts_on=date.today(),
                start_time=time(9, 0),
                end_time=time(17, 0),
                timezone="America/New_York",
                capacity=10,
                min_participants=min_participants,
                venue_id=venue.id,
            ),
            now=utcnow() - timedelta(days=1),
        )

    lacking = session(min_participants=4).id  # no facilitator, nobody booked
    staffed = session(min_participants=0)
    assign_facilitator(db, staffed, facilitator)
    fine = staffed.id
    coordinator = make_user(db, roles={Role.COORDINATOR})
    log_in(client, coordinator.email)
    page = client.get("/").text
    assert f"Needs attention in {date.today():%B %Y}" in page
    assert f'href="/coordinator/sessions/{lacking}"' in page
    assert "no facilitator" in page and "0 booked of 4 needed" in page
    assert f'href="/coordinator/sessions/{fine}"' not in page
    assert 'href="/coordinator/calendar"' in page
