"""Coordinator pages: series form with preview, edits that spare enrolled sessions, calendar."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.enrollment.models import Enrollment
from app.scheduling.materialise import load_series_sessions
from app.scheduling.models import CourseSession, Series
from tests.factories import log_in, make_user, post_form
from tests.scheduling.factories import ensure_courses, make_series, make_session, make_venue

FORM = {
    "title": "APEX Last Friday",
    "preset": "last-friday",
    "weekday": "friday",
    "rrule": "",
    "starts_on": "2026-12-01",
    "timezone": "America/New_York",
    "start_time": "09:00",
    "end_time": "17:00",
    "format_id": "one-day",
    "course_1": "client-expectations",
    "course_2": "status-communication",
    "course_3": "trust-and-confidence",
    "venue_id": "",
    "capacity": "20",
    "price": "495.00",
    "currency": "USD",
    "min_participants": "6",
    "go_no_go_days": "7",
    "holiday_country": "US",
    "holiday_policy": "previous",
    "organisation_id": "",
    "horizon_months": "12",
}
PAGES = [
    "/coordinator/series",
    "/coordinator/series/new",
    "/coordinator/calendar",
    "/coordinator/venues",
    "/coordinator/sessions/new",
]


@pytest.fixture
def coordinator(client: TestClient, db: Session) -> TestClient:
    """The client, signed in as a coordinator, with the real courses loaded."""
    ensure_courses(db)
    person = make_user(db, roles={Role.COORDINATOR})
    log_in(client, person.email)
    return client


def _series_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Series)) or 0


@pytest.mark.parametrize("path", PAGES)
def test_learners_are_refused_and_visitors_sent_to_sign_in(
    client: TestClient, db: Session, path: str
) -> None:
    assert client.get(path).status_code == 303
    learner = make_user(db)
    log_in(client, learner.email)
    response = client.get(path)
    assert response.status_code == 403
    assert "coordinator role" in response.text


@pytest.mark.parametrize("path", PAGES)
def test_coordinators_and_admins_see_the_pages(client: TestClient, db: Session, path: str) -> None:
    ensure_courses(db)
    admin = make_user(db, roles={Role.ADMIN})
    log_in(client, admin.email)
    assert client.get(path).status_code == 200


def test_the_preview_button_lists_the_next_dates_without_javascript(
    coordinator: TestClient, db: Session
) -> None:
    page = coordinator.get("/coordinator/series/new")
    assert 'src="/static/schedule-preview.js"' in page.text
    assert 'data-preview-url="/api/v1/series/preview"' in page.text
    response = post_form(
        coordinator,
        "/coordinator/series/new",
        {**FORM, "action": "preview"},
        token_from="/coordinator/series/new",
    )
    assert response.status_code == 200
    items = re.findall(r'<li[^>]*><time datetime="([\d-]+)">', response.text)
    assert len(items) == 12 and items[0] == "2026-12-24"
    assert "moved from 2026-12-25: Christmas Day" in response.text
    assert 'value="APEX Last Friday"' in response.text  # the form keeps what was typed
    assert _series_count(db) == 0


def test_a_bad_rule_shows_its_error_in_the_preview(coordinator: TestClient) -> None:
    data = {**FORM, "preset": "custom", "rrule": "FREQ=SOMETIMES", "action": "preview"}
    response = post_form(
        coordinator, "/coordinator/series/new", data, token_from="/coordinator/series/new"
    )
    assert "is not a valid RRULE" in response.text


def test_saving_creates_the_series_and_says_how_many_sessions(
    coordinator: TestClient, db: Session
) -> None:
    response = post_form(
        coordinator,
        "/coordinator/series/new",
        {**FORM, "action": "save"},
        token_from="/coordinator/series/new",
    )
    assert response.status_code == 303
    page = coordinator.get(response.headers["location"])
    match = re.search(
        r"Created &#39;APEX Last Friday&#39; with (\d+) sessions up to ([\d-]+)\.", page.text
    )
    assert match, page.text
    created = db.scalar(select(Series).where(Series.title == "APEX Last Friday"))
    assert created is not None
    sessions = load_series_sessions(db, created.id)
    assert int(match.group(1)) == len(sessions) >= 33  # 11–12 dates × 3 courses
    assert match.group(2) == sessions[-1].starts_on.isoformat()
    assert created.default_price_cents == 49500
    listing = coordinator.get("/coordinator/series")
    assert "APEX Last Friday" in listing.text and "Last Friday of each month" in listing.text


def test_an_invalid_series_is_shown_again_with_the_reason(
    coordinator: TestClient, db: Session
) -> None:
    data = {**FORM, "course_1": "", "course_2": "", "course_3": "", "action": "save"}
    response = post_form(
        coordinator, "/coordinator/series/new", data, token_from="/coordinator/series/new"
    )
    assert response.status_code == 422
    assert "Choose 1 to 3 courses for each date." in response.text
    assert 'value="APEX Last Friday"' in response.text
    assert _series_count(db) == 0
    money = {**FORM, "price": "4.999", "action": "save"}
    response = post_form(
        coordinator, "/coordinator/series/new", money, token_from="/coordinator/series/new"
    )
    assert "Price: give an amount with at most two decimals" in response.text


def test_editing_lists_the_sessions_it_could_not_change(
    coordinator: TestClient, db: Session
) -> None:
    created = make_series(db, materialise_from=date.today(), starts_on=date.today())
    sessions = load_series_sessions(db, created.id)
    busy = sessions[0]
    db.add(Enrollment(session_id=busy.id, user_id=make_user(db).id, status="confirmed"))
    db.flush()
    path = f"/coordinator/series/{created.id}"
    page = coordinator.get(path)
    assert page.status_code == 200 and 'value="20"' in page.text
    form = {**FORM, "starts_on": date.today().isoformat(), "capacity": "25", "action": "save"}
    response = post_form(coordinator, path, form, token_from=path)
    assert response.status_code == 303
    assert response.headers["location"] == f"{path}?kept={busy.id}"
    page = coordinator.get(response.headers["location"])
    assert "1 session with enrolments not changed (listed below)." in page.text
    kept = page.text.split("Sessions not changed because they have enrolments")[1]
    assert f'href="/coordinator/sessions/{busy.id}"' in kept.split("</section>")[0]
    db.refresh(busy)
    assert busy.capacity == 20
    assert {s.capacity for s in sessions if s.id != busy.id} == {25}


def test_the_exception_form_cancels_a_date(coordinator: TestClient, db: Session) -> None:
    created = make_series(db, materialise_from=date.today(), starts_on=date.today())
    first = load_series_sessions(db, created.id)[0]
    path = f"/coordinator/series/{created.id}"
    data = {"kind": "cancel", "original_date": first.starts_on.isoformat(), "note": "Closed"}
    response = post_form(coordinator, f"{path}/exceptions", data, token_from=path)
    assert response.status_code == 303
    page = coordinator.get(path)
    assert "The exception is saved and applied." in page.text
    assert "Closed" in page.text
    db.refresh(first)
    assert first.status == "cancelled"
    bad = {"kind": "move", "original_date": "2001-01-01", "new_date": "2001-01-02"}
    post_form(coordinator, f"{path}/exceptions", bad, token_from=path)
    assert "2001-01-01 is not a date of this series." in coordinator.get(path).text


def test_the_month_calendar_shows_courses_seats_and_roster_links(
    coordinator: TestClient, db: Session
) -> None:
    created = make_series(db, materialise_from=date(2026, 11, 26), horizon_months=3)
    january = [s for s in load_series_sessions(db, created.id) if s.starts_on.month == 1]
    three_day = make_session(db, days=3, starts_on=date(2027, 1, 6), capacity=12)
    page = coordinator.get("/coordinator/calendar?month=2027-01")
    assert page.status_code == 200
    assert "<caption>January 2027</caption>" in page.text
    for session in january:
        assert f'href="/coordinator/sessions/{session.id}"' in page.text
    assert "Building Trust and Confidence" in page.text and "20 seats" in page.text
    assert page.text.count(f'href="/coordinator/sessions/{three_day.id}"') == 3
    assert "day 2 of 3" in page.text
    assert 'href="/coordinator/calendar?month=2027-02"' in page.text
    assert coordinator.get("/coordinator/calendar?month=2027-13").status_code == 422


def test_the_calendar_shows_fill_rates_from_real_enrolments(
    coordinator: TestClient, db: Session
) -> None:
    """create_app wires enrolment's seat counts into the calendar."""
    session = make_session(db, starts_on=date(2027, 3, 3), capacity=20)
    for _ in range(5):
        db.add(Enrollment(session_id=session.id, user_id=make_user(db).id, status="confirmed"))
    db.flush()
    page = coordinator.get("/coordinator/calendar?month=2027-03")
    assert "5 of 20 seats taken (25%)" in page.text


def test_venues_are_listed_and_added(coordinator: TestClient) -> None:
    data = {"name": "Harbour Room", "address": "1 Pier Street, Boston", "online_url": ""}
    response = post_form(coordinator, "/coordinator/venues", data, token_from="/coordinator/venues")
    assert response.status_code == 303
    assert "Harbour Room" in coordinator.get("/coordinator/venues").text
    again = post_form(coordinator, "/coordinator/venues", data, token_from="/coordinator/venues")
    assert again.status_code == 422
    assert "There is already a venue called &#39;Harbour Room&#39;." in again.text


def test_a_standalone_session_and_its_facilitators(coordinator: TestClient, db: Session) -> None:
    venue = make_venue(db, name="Training Room A")
    data = {
        "course_slug": "relationship-management",
        "format_id": "three-day",
        "starts_on": "2027-03-03",
        "start_time": "09:00",
        "end_time": "17:00",
        "timezone": "America/New_York",
        "capacity": "16",
        "price": "1890.00",
        "currency": "USD",
        "min_participants": "6",
        "go_no_go_on": "2027-02-17",
        "venue_id": str(venue.id),
        "online_url": "",
        "organisation_id": "",
        "holiday_country": "US",
    }
    new = "/coordinator/sessions/new"
    response = post_form(coordinator, new, data, token_from=new)
    assert response.status_code == 303, response.text
    edit = response.headers["location"]
    page = coordinator.get(edit)
    assert "Session created: 2027-03-03 to 2027-03-05." in page.text
    assert "Relationship Management for Technical Professionals" in page.text
    assert "first day starts 14:00 UTC" in page.text  # 09:00 EST, before DST on 14 March
    session_id = int(edit.split("/")[3])

    dana = make_user(db, name="Dana Reyes", roles={Role.FACILITATOR})
    post_form(
        coordinator,
        f"/coordinator/sessions/{session_id}/facilitators",
        {"user_id": str(dana.id)},
        token_from=edit,
    )
    assert "Dana Reyes is facilitating this session." in coordinator.get(edit).text

    other = make_session(db, course_slug="trust-and-confidence", starts_on=date(2027, 3, 4))
    other_edit = f"/coordinator/sessions/{other.id}/edit"
    post_form(
        coordinator,
        f"/coordinator/sessions/{other.id}/facilitators",
        {"user_id": str(dana.id)},
        token_from=other_edit,
    )
    assert "Dana Reyes is already facilitating" in coordinator.get(other_edit).text

    changes = {
        "starts_on": "2027-03-03",
        "start_time": "09:30",
        "end_time": "17:00",
        "capacity": "14",
        "venue_id": str(venue.id),
        "online_url": "",
    }
    response = post_form(coordinator, edit, changes, token_from=edit)
    assert response.status_code == 303
    session = db.get(CourseSession, session_id)
    assert session is not None
    db.refresh(session)
    assert (session.capacity, session.sequence) == (14, 2)  # facilitator, then the edit
    bad = post_form(coordinator, edit, {**changes, "end_time": "08:00"}, token_from=edit)
    assert bad.status_code == 422 and "end time must be after the start time" in bad.text


def test_forms_need_the_csrf_token(coordinator: TestClient) -> None:
    response = coordinator.post("/coordinator/series/new", data={**FORM, "action": "save"})
    assert response.status_code == 403
