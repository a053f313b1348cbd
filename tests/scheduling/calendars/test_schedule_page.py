"""The public schedule page, its API twin, and the course page's upcoming sessions."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import organisations
from app.enrollment.pages.public import upcoming_sessions_section
from app.web import templates
from tests.factories import log_in, make_organisation, make_user
from tests.scheduling.calendars.helpers import enrol, make_series_row
from tests.scheduling.factories import make_session, make_venue

TODAY = date.today()


def _next_friday(after_days: int) -> date:
    day = TODAY + timedelta(days=after_days)
    return day + timedelta(days=(4 - day.weekday()) % 7)


def _row(html: str, session_id: int) -> str:
    """The table row that links to a session."""
    for row in re.findall(r"<tr>.*?</tr>", html, flags=re.S):
        if f'href="/sessions/{session_id}"' in row:
            return row
    raise AssertionError(f"session {session_id} is not on the page")


def test_upcoming_sessions_show_time_place_price_and_seats(db: Session, client: TestClient) -> None:
    day = _next_friday(20)
    room = make_venue(db, name="Harbour Room", address="12 Quay Street, Boston")
    open_session = make_session(
        db,
        starts_on=day,
        capacity=10,
        price_cents=49500,
        venue=room,
        course_slug="trust-and-confidence",
        tz="America/New_York",
    )
    full = make_session(
        db, starts_on=day, capacity=2, online_url="https://meet.example.com/x", tz="Europe/London"
    )
    for _ in range(3):
        enrol(db, open_session, make_user(db))
    enrol(db, full, make_user(db))
    enrol(db, full, make_user(db))
    enrol(db, open_session, make_user(db), "waitlisted")  # a place in line is not a seat

    page = client.get("/schedule")

    assert page.status_code == 200
    html = page.text
    assert f"{day:%A} {day.day} {day:%B %Y}" in html  # grouped under the date
    row = _row(html, open_session.id)
    assert "Building Trust and Confidence" in row and "One-day" in row
    assert "09:00–17:00 E" in row and "(America/New_York)" in row
    assert "Harbour Room, 12 Quay Street, Boston" in row
    assert "USD 495.00" in row
    assert "7 of 10 left" in row
    full_row = _row(html, full.id)
    assert "Full — join the waitlist" in full_row
    assert "(Europe/London)" in full_row and "Online" in full_row
    assert "Free" in full_row


def test_past_and_cancelled_sessions_are_not_listed(db: Session, client: TestClient) -> None:
    past = make_session(db, starts_on=TODAY - timedelta(days=10))
    cancelled = make_session(db, starts_on=TODAY + timedelta(days=20), status="cancelled")
    html = client.get("/schedule").text
    assert f"/sessions/{past.id}" not in html
    assert f"/sessions/{cancelled.id}" not in html


def test_in_house_sessions_are_for_their_organisation_only(db: Session, client: TestClient) -> None:
    org = make_organisation(db)
    private = make_session(db, organisation=org, starts_on=TODAY + timedelta(days=20))
    public = make_session(db, starts_on=TODAY + timedelta(days=20))
    member, outsider = make_user(db), make_user(db)
    organisations.add_member(db, org, email=member.email)

    assert f"/sessions/{private.id}" not in client.get("/schedule").text
    log_in(client, outsider.email)
    assert f"/sessions/{private.id}" not in client.get("/schedule").text
    client.cookies.clear()
    log_in(client, member.email)
    html = client.get("/schedule").text
    assert f"/sessions/{private.id}" in html and f"/sessions/{public.id}" in html
    assert "In-house" in _row(html, private.id)


def test_a_series_date_with_several_tracks_offers_a_group_booking_not_a_bundle(
    db: Session, client: TestClient
) -> None:
    series = make_series_row(db)
    day, lone_day = _next_friday(20), _next_friday(48)
    for position, slug in enumerate(
        ["client-expectations", "status-communication", "trust-and-confidence"], start=1
    ):
        make_session(db, series=series, track_position=position, course_slug=slug, starts_on=day)
    make_session(db, series=series, track_position=1, starts_on=lone_day)

    html = client.get("/schedule").text

    assert f'href="/series/{series.id}/{day.isoformat()}/group"' in html
    assert "Book seats for several colleagues" in html
    assert "day bundle" not in html and "/bundles/" not in html
    assert f"/series/{series.id}/{lone_day.isoformat()}/group" not in html
    assert 'href="/programmes"' in html
    assert f"/calendars/series/{series.id}.ics" in html  # subscribe to the series


def test_filters_by_course_and_month(db: Session, client: TestClient) -> None:
    first = make_session(db, course_slug="trust-and-confidence", starts_on=_next_friday(20))
    later = make_session(db, course_slug="trust-and-confidence", starts_on=_next_friday(80))
    other = make_session(db, course_slug="client-expectations", starts_on=_next_friday(20))

    by_course = client.get("/schedule", params={"course": "trust-and-confidence"}).text
    assert f"/sessions/{first.id}" in by_course and f"/sessions/{later.id}" in by_course
    assert f"/sessions/{other.id}" not in by_course

    month = first.starts_on.strftime("%Y-%m")
    by_month = client.get("/schedule", params={"month": month}).text
    assert f"/sessions/{first.id}" in by_month and f"/sessions/{other.id}" in by_month
    assert f"/sessions/{later.id}" not in by_month

    assert client.get("/schedule", params={"month": "2026-13"}).status_code == 422


def test_an_empty_schedule_says_so(client: TestClient) -> None:
    html = client.get("/schedule", params={"course": "no-such-course"}).text
    assert "No upcoming sessions match these filters" in html


def test_the_api_returns_the_same_sessions(db: Session, client: TestClient) -> None:
    session = make_session(db, starts_on=_next_friday(20), capacity=5, price_cents=1000)
    enrol(db, session, make_user(db))
    private = make_session(db, organisation=make_organisation(db), starts_on=_next_friday(20))

    response = client.get("/api/v1/schedule")

    assert response.status_code == 200
    rows = {row["session_id"]: row for row in response.json()}
    assert private.id not in rows
    row = rows[session.id]
    assert row["seats_left"] == 4 and row["full"] is False
    assert row["timezone"] == "America/New_York" and row["url"] == f"/sessions/{session.id}"
    bad = client.get("/api/v1/schedule", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_the_course_page_section_lists_sessions_with_seats(db: Session) -> None:
    slug = "status-communication"
    open_session = make_session(db, course_slug=slug, starts_on=_next_friday(20), capacity=3)
    full = make_session(db, course_slug=slug, starts_on=_next_friday(27), capacity=1)
    enrol(db, full, make_user(db))
    make_session(db, course_slug="client-expectations", starts_on=_next_friday(20))

    section = upcoming_sessions_section(db, slug, None)

    assert section is not None
    template, context = section
    assert template == "enrollment/schedule/course_sessions.html"
    assert [item.session_id for item in context["items"]] == [open_session.id]
    assert context["schedule_url"] == f"/schedule?course={slug}"
    assert upcoming_sessions_section(db, "trust-and-confidence", None) is None
    assert upcoming_sessions_section(db, "no-such-course", None) is None


def test_the_course_page_section_template_renders(db: Session) -> None:
    session = make_session(db, course_slug="trust-and-confidence", starts_on=_next_friday(20))
    section = upcoming_sessions_section(db, "trust-and-confidence", None)
    assert section is not None
    template, context = section
    html = templates.get_template(template).render(section=context)
    assert "Upcoming sessions" in html
    assert f'href="/sessions/{session.id}"' in html
    assert "20 of 20" in html
    assert 'href="/schedule?course=trust-and-confidence"' in html
