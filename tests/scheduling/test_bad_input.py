"""Bad scheduling input is refused with a message (422), never a 500, and writes nothing.

Times with a UTC offset, dates outside the planning range, integers a column cannot
hold, money that is not a number, and rules whose dates take unbounded work to find.
"""

from __future__ import annotations

import random
import sys
import time as clock
from datetime import date, datetime, time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import Role, User
from app.bounds import DB_INT_MAX, form_id, form_int
from app.config import get_settings
from app.errors import Invalid
from app.scheduling import recurrence, workdays
from app.scheduling.models import CourseSession, Series, SeriesException
from tests.enrollment.helpers import fast_courses
from tests.factories import log_in, make_user, post_form
from tests.scheduling.factories import make_series, make_session

PREVIEW = "/api/v1/series/preview"
NEVER = "FREQ=DAILY;BYSETPOS=-1;BYMONTH=2;BYMONTHDAY=30"  # February 30th: no date, ever
HUGE = 10**20
BODY: dict[str, Any] = {
    "title": "APEX Last Friday",
    "rrule": "last-friday",
    "timezone": "America/New_York",
    "starts_on": "2026-12-01",
    "start_time": "09:00",
    "end_time": "17:00",
    "courses": ["client-expectations"],
    "capacity": 20,
}
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
    "capacity": "20",
    "price": "495.00",
    "currency": "USD",
    "min_participants": "0",
    "go_no_go_days": "7",
    "holiday_policy": "skip",
    "horizon_months": "12",
}


def _token(db: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {accounts.issue_api_token(db, user, name='test')}"}


def _series_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Series)) or 0


@pytest.fixture
def coordinator_token(db: Session) -> dict[str, str]:
    """API headers of a coordinator."""
    return _token(db, make_user(db, roles={Role.COORDINATOR}))


@pytest.fixture
def coordinator(client: TestClient, db: Session) -> TestClient:
    """The client, signed in as a coordinator."""
    log_in(client, make_user(db, roles={Role.COORDINATOR}).email)
    return client


def _problem(response: Response) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


# --- the series API ---------------------------------------------------------------------
# Each test signs in once and walks its table (an account costs a password hash).

OFFSETS = [
    ({"start_time": "10:22:16Z"}, "Start time: give the local time"),
    ({"start_time": "10:22:16+02:00"}, "Start time: give the local time"),
    ({"end_time": "10:22:16Z", "start_time": "08:00"}, "End time: give the local time"),
    ({"end_time": "18:00-05:00"}, "End time: give the local time"),
]


def test_a_time_with_a_utc_offset_is_refused(
    client: TestClient, db: Session, coordinator_token: dict[str, str]
) -> None:
    for fields, message in OFFSETS:
        response = client.post("/api/v1/series", json={**BODY, **fields}, headers=coordinator_token)
        detail = _problem(response)["detail"]
        assert detail.startswith(message) and "without a UTC offset" in detail, fields
    assert _series_count(db) == 0
    fast_courses(db)
    item = make_series(db, course_slugs=["client-expectations"])
    response = client.patch(
        f"/api/v1/series/{item.id}", json={"end_time": "18:00Z"}, headers=coordinator_token
    )
    assert "without a UTC offset" in _problem(response)["detail"]
    db.refresh(item)
    assert item.end_time == time(17, 0)


INTEGER_FIELDS = [
    "capacity",
    "price_cents",
    "min_participants",
    "go_no_go_days",
    "venue_id",
    "organisation_id",
    "horizon_months",
]


def test_an_integer_beyond_a_column_is_refused(
    client: TestClient, db: Session, coordinator_token: dict[str, str]
) -> None:
    for field in INTEGER_FIELDS:
        for value in (HUGE, DB_INT_MAX + 1, -HUGE):
            body = {**BODY, field: value}
            response = client.post("/api/v1/series", json=body, headers=coordinator_token)
            errors = _problem(response)["errors"]
            assert [e["location"] for e in errors] == [f"body.{field}"], (field, value)
            assert "2147483647" in errors[0]["message"] or "2147483648" in errors[0]["message"]
    assert _series_count(db) == 0
    fast_courses(db)
    item = make_series(db, course_slugs=["client-expectations"])
    response = client.patch(
        f"/api/v1/series/{item.id}", json={"capacity": HUGE}, headers=coordinator_token
    )
    assert _problem(response)["errors"][0]["location"] == "body.capacity"


DATES = [
    ({"starts_on": "9999-12-01"}, "Start date: give a date between 2000-01-01 and 2100-12-31"),
    ({"starts_on": "0001-01-01"}, "Start date: give a date between 2000-01-01 and 2100-12-31"),
    ({"ends_on": "9999-12-31"}, "End date: give a date between 2000-01-01 and 2100-12-31"),
]


def test_a_date_outside_the_planning_range_is_refused(
    client: TestClient, db: Session, coordinator_token: dict[str, str]
) -> None:
    for fields, message in DATES:
        response = client.post("/api/v1/series", json={**BODY, **fields}, headers=coordinator_token)
        assert _problem(response)["detail"].startswith(message), fields
    assert _series_count(db) == 0


def test_a_preview_far_in_the_future_is_refused(client: TestClient) -> None:
    params = {"rule": "last-friday", "start": "9999-12-31", "tz": "UTC"}
    response = client.get(PREVIEW, params=params)
    assert "Start date: give a date between 2000-01-01" in _problem(response)["detail"]


def test_a_rule_that_never_matches_is_refused_within_a_second(client: TestClient) -> None:
    started = clock.monotonic()
    response = client.get(f"{PREVIEW}?rule={NEVER}&start=2026-12-01&tz=UTC")
    elapsed = clock.monotonic() - started
    assert "takes too much work" in _problem(response)["detail"]
    # Unbounded, dateutil scans day by day to year 9999: 5 to 10 seconds. The bound is
    # loose on purpose: CI shares two CPUs, and bench/ is where speed is measured.
    assert elapsed < 4


def test_a_sparse_rule_that_never_matches_is_answered_no_dates(client: TestClient) -> None:
    params = {"rule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "start": "2026-12-01", "tz": "UTC"}
    response = client.get(PREVIEW, params=params)
    assert _problem(response)["detail"].startswith(
        "This rule produces no dates within 30 years of 2026-12-01"
    )


def test_a_long_position_list_is_stopped_by_the_budget(client: TestClient) -> None:
    positions = ",".join(str(n) for n in range(1, 367))
    rule = f"FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;BYSETPOS={positions}"
    started = clock.monotonic()
    response = client.get(PREVIEW, params={"rule": rule, "start": "2026-12-01", "tz": "UTC"})
    assert "takes too much work" in _problem(response)["detail"]
    assert clock.monotonic() - started < 10  # 30 seconds unbounded (loose: a shared CI)


def test_rule_parts_that_multiply_dates_or_break_the_scan_are_refused(client: TestClient) -> None:
    hours = "FREQ=DAILY;BYHOUR=" + ",".join(str(h) for h in range(24))
    for rule, message in [(hours, "sets times of day"), ("FREQ=YEARLY;BYEASTER=0", "BYEASTER")]:
        response = client.get(PREVIEW, params={"rule": rule, "start": "2026-12-01", "tz": "UTC"})
        assert message in _problem(response)["detail"], rule


def test_creating_or_changing_a_series_with_such_a_rule_writes_nothing(
    client: TestClient, db: Session, coordinator_token: dict[str, str]
) -> None:
    started = clock.monotonic()
    body = {**BODY, "rrule": NEVER}
    response = client.post("/api/v1/series", json=body, headers=coordinator_token)
    assert "takes too much work" in _problem(response)["detail"]
    assert clock.monotonic() - started < 4  # unbounded: 5 to 10 seconds
    assert _series_count(db) == 0
    fast_courses(db)
    item = make_series(db, course_slugs=["client-expectations"])
    before = db.scalar(select(func.count()).select_from(CourseSession))
    patched = client.patch(
        f"/api/v1/series/{item.id}",
        json={"rrule": "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=31"},
        headers=coordinator_token,
    )
    assert "This rule produces no dates within 30 years" in _problem(patched)["detail"]
    db.refresh(item)
    assert item.rrule == "FREQ=MONTHLY;BYDAY=-1FR"
    assert db.scalar(select(func.count()).select_from(CourseSession)) == before


def test_the_preview_is_limited_per_address_and_refusals_count(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "preview_requests_per_window", 2)
    params = {"rule": "last-friday", "start": "2026-12-01", "tz": "UTC"}
    assert client.get(PREVIEW, params=params).status_code == 200
    # A refused preview rolls its request back; it must still have been counted.
    assert client.get(f"{PREVIEW}?rule={NEVER}&start=2026-12-01&tz=UTC").status_code == 422
    limited = client.get(PREVIEW, params=params)
    assert limited.status_code == 429
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert int(limited.headers["retry-after"]) > 0
    assert "Too many date previews from your address" in limited.json()["detail"]


# --- coordinator pages ------------------------------------------------------------------

SERIES_FORMS = [
    ({"capacity": str(HUGE)}, "Capacity: the number is too large (at most 2,147,483,647)."),
    ({"capacity": "-" + str(HUGE)}, "Capacity: the number is too small"),
    ({"capacity": "9" * 5000}, "Capacity: the number is too large"),
    ({"capacity": "²"}, "Capacity: give a whole number."),
    ({"venue_id": str(HUGE)}, "Venue: the number is too large"),
    ({"organisation_id": str(HUGE)}, "Organisation: the number is too large"),
    ({"price": "NaN"}, "Price: give an amount such as 495.00."),
    ({"price": "inf"}, "Price: give an amount such as 495.00."),
    ({"price": "1e30"}, "Price: give an amount of at most 21474836.47."),
    ({"price": "1e999999999"}, "Price: give an amount of at most 21474836.47."),
    ({"start_time": "09:00Z"}, "Start time: give the local time"),
    ({"end_time": "17:00+02:00"}, "End time: give the local time"),
    ({"starts_on": "9999-12-01"}, "Start date: give a date between 2000-01-01"),
    ({"preset": "custom", "rrule": NEVER}, "takes too much work"),
    # A typo far more often than a price: above 20,000 a seat it must be confirmed.
    ({"price": "99999"}, "Price: USD 99,999.00 is more than USD 20,000.00 per seat."),
    ({"price": "20000.01"}, "tick “Yes, this price is right” and save again."),
]


def test_the_series_form_is_shown_again_with_the_reason(
    coordinator: TestClient, db: Session
) -> None:
    fast_courses(db)  # the courses exist, so a price is judged too
    page = "/coordinator/series/new"
    for fields, message in SERIES_FORMS:
        started = clock.monotonic()
        response = post_form(coordinator, page, {**FORM, **fields}, token_from=page)
        assert (response.status_code, message in response.text) == (422, True), fields
        assert clock.monotonic() - started < 5, fields  # the save and the preview (loose)
    assert _series_count(db) == 0
    # The no-JavaScript preview explains a far date instead of failing.
    form = {**FORM, "starts_on": "9999-12-31", "action": "preview"}
    preview = post_form(coordinator, page, form, token_from=page)
    assert preview.status_code == 200
    assert "Start date: give a date between 2000-01-01 and 2100-12-31" in preview.text
    for month in ("9999-12", "0001-01", "2101-01"):
        response = coordinator.get(f"/coordinator/calendar?month={month}")
        assert response.status_code == 422
        assert "Month: give a date between 2000-01-01 and 2100-12-31" in response.text


SESSION_FORM = {
    "course_slug": "relationship-management",
    "format_id": "one-day",
    "starts_on": "2027-03-01",
    "start_time": "09:00",
    "end_time": "17:00",
    "timezone": "America/New_York",
    "capacity": "16",
    "price": "0.00",
    "currency": "USD",
    "min_participants": "0",
    "online_url": "https://meet.example.com/apex",
}
SESSION_FORMS = [
    ({"capacity": str(HUGE)}, "Capacity: the number is too large"),
    ({"venue_id": str(HUGE)}, "Venue: the number is too large"),
    ({"price": "NaN"}, "Price: give an amount such as 495.00."),
    ({"price": "1e30"}, "Price: give an amount of at most"),
    ({"starts_on": "9999-12-31"}, "First day: give a date between 2000-01-01"),
    ({"go_no_go_on": "9999-12-31"}, "Go/no-go date: give a date between 2000-01-01"),
    ({"start_time": "09:00Z"}, "Start time: give the local time"),
    ({"price": "99999"}, "Price: USD 99,999.00 is more than USD 20,000.00 per seat."),
    ({"starts_on": "2020-03-02"}, "Monday 2 March 2020 at 09:00 (America/New_York) has already"),
]
EDIT_FORMS = [
    ({"capacity": str(HUGE)}, "Capacity: the number is too large"),
    ({"venue_id": str(HUGE)}, "Venue: the number is too large"),
    ({"starts_on": "9999-12-31"}, "First day: give a date between 2000-01-01"),
    ({"end_time": "17:00Z"}, "End time: give the local time"),
    ({"starts_on": "2020-03-02"}, "has already gone by; choose a start in the future."),
]


def test_the_session_forms_are_shown_again_with_the_reason(
    coordinator: TestClient, db: Session
) -> None:
    fast_courses(db)
    page = "/coordinator/sessions/new"
    for fields, message in SESSION_FORMS:
        response = post_form(coordinator, page, {**SESSION_FORM, **fields}, token_from=page)
        assert (response.status_code, message in response.text) == (422, True), fields
    assert db.scalar(select(func.count()).select_from(CourseSession)) == 0
    session = make_session(db, online_url="https://meet.example.com/apex")
    page = f"/coordinator/sessions/{session.id}/edit"
    for fields, message in EDIT_FORMS:
        response = post_form(coordinator, page, fields, token_from=page)
        assert (response.status_code, message in response.text) == (422, True), fields
    db.refresh(session)
    assert (session.sequence, session.capacity) == (0, 20)
    for user_id in (str(HUGE), "²", "-1"):
        added = f"/coordinator/sessions/{session.id}/facilitators"
        response = post_form(coordinator, added, {"user_id": user_id}, token_from=page)
        assert response.status_code == 303
        assert "Choose a facilitator." in coordinator.get(page).text


def test_a_high_price_is_saved_once_confirmed(
    coordinator: TestClient, db: Session, coordinator_token: dict[str, str]
) -> None:
    fast_courses(db)
    page = "/coordinator/sessions/new"
    sure = {**SESSION_FORM, "price": "99999", "confirm_high_price": "yes"}
    assert post_form(coordinator, page, sure, token_from=page).status_code == 303
    assert db.scalar(select(CourseSession.price_cents)) == 9_999_900
    page = "/coordinator/series/new"
    sure = {**FORM, "price": "99999", "confirm_high_price": "yes"}
    assert post_form(coordinator, page, sure, token_from=page).status_code == 303
    # The API asks the same, with an explicit confirm_high_price.
    body = {**BODY, "price_cents": 9_999_900}
    refused = coordinator.post("/api/v1/series", json=body, headers=coordinator_token)
    assert _problem(refused)["detail"].startswith("Price: USD 99,999.00 is more than")
    created = coordinator.post(
        "/api/v1/series", json={**body, "confirm_high_price": True}, headers=coordinator_token
    )
    assert created.status_code == 201, created.text
    assert "confirm_high_price" not in created.json()["series"]  # a request, not a property
    url = f"/api/v1/series/{created.json()['series']['id']}"
    # A price once confirmed is not asked about again; a new high one is.
    renamed = coordinator.patch(url, json={"title": "Renamed"}, headers=coordinator_token)
    assert renamed.status_code == 200, renamed.text
    dearer = coordinator.patch(url, json={"price_cents": 2_000_001}, headers=coordinator_token)
    assert _problem(dearer)["detail"].startswith(
        "Price: USD 20,000.01 is more than USD 20,000.00 per seat."
    )


def test_capacity_cannot_go_below_the_seats_taken_on_the_edit_page(
    coordinator: TestClient, db: Session
) -> None:
    from tests.enrollment import helpers as h

    session = h.session(db, capacity=10, online_url="https://meet.example.com/apex")
    h.fill(db, session, 3)
    page = f"/coordinator/sessions/{session.id}/edit"
    fields = {
        "starts_on": session.starts_on.isoformat(),
        "start_time": "09:00",
        "end_time": "17:00",
        "capacity": "2",
        "online_url": "https://meet.example.com/apex",
    }
    response = post_form(coordinator, page, fields, token_from=page)
    assert response.status_code == 422
    assert "3 seats are taken; capacity cannot go below that." in response.text
    db.refresh(session)
    assert session.capacity == 10


EXCEPTIONS = [
    ({"kind": "add", "new_date": "9999-12-31"}, "New date: give a date between 2000-01-01"),
    ({"kind": "cancel", "original_date": "0001-01-01"}, "Date to change: give a date between"),
]


def test_a_date_exception_outside_the_range_is_flashed(
    coordinator: TestClient, db: Session
) -> None:
    fast_courses(db)
    item = make_series(db, course_slugs=["client-expectations"])
    page = f"/coordinator/series/{item.id}"
    for form, message in EXCEPTIONS:
        response = post_form(coordinator, f"{page}/exceptions", form, token_from=page)
        assert response.status_code == 303
        assert message in coordinator.get(page).text, form
    count = select(func.count()).select_from(SeriesException)
    assert db.scalar(count.where(SeriesException.series_id == item.id)) == 0


# --- the pieces -------------------------------------------------------------------------


def test_form_numbers_stay_within_a_column() -> None:
    assert form_int(" 42 ", "Seats") == 42
    assert form_int(str(DB_INT_MAX), "Seats") == DB_INT_MAX
    for text in ("1_000", "1e3", "4.0", "٣", "", "0x10"):
        with pytest.raises(Invalid, match="Seats: give a whole number"):
            form_int(text, "Seats")
    with pytest.raises(Invalid, match="too large"):
        form_int(str(DB_INT_MAX + 1), "Seats")
    assert form_id("12") == 12
    assert [form_id(t) for t in ("", "0", "-3", "²", str(HUGE), "abc")] == [None] * 6


RULES = [
    "FREQ=DAILY;INTERVAL=3",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR",
    "FREQ=WEEKLY;WKST=SU;INTERVAL=3;BYDAY=SU,SA",
    "FREQ=MONTHLY;BYDAY=-1FR",
    "FREQ=MONTHLY;INTERVAL=5;BYMONTHDAY=31",
    "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-2",
    "FREQ=YEARLY;BYWEEKNO=1,53;BYDAY=MO",
    "FREQ=YEARLY;BYYEARDAY=-1,60",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=YEARLY;INTERVAL=4;BYDAY=20MO",
    "FREQ=MONTHLY;COUNT=7;BYDAY=2TU",
    "FREQ=WEEKLY;UNTIL=20300101;BYDAY=WE",
    "FREQ=DAILY;BYMONTH=2,3;BYDAY=SA;INTERVAL=2",
    "FREQ=YEARLY;BYWEEKNO=-1;BYDAY=SU",
]
STARTS = [date(2000, 2, 29), date(2004, 2, 29), date(2026, 12, 1), date(2099, 12, 31)]


@pytest.mark.parametrize("rule", RULES)
def test_the_bounded_scan_gives_the_dates_dateutil_gives(rule: str) -> None:
    # The scan runs 400-year cycles later (the same calendar); it must not change a date.
    chosen = random.Random(rule)
    for start in [*STARTS, date(chosen.randint(2000, 2100), chosen.randint(1, 12), 15)]:
        parsed = recurrence.parse_rule(rule, start)
        limit = workdays.add_months(start, 12 * recurrence.MAX_YEARS)
        plain = []
        for moment in parsed.xafter(datetime.combine(start, time()), inc=True):
            if moment.date() > limit:
                break
            plain.append(moment.date())
        found = recurrence.occurrences(rule, start, "UTC", count=1000)
        assert [o.date for o in found] == plain[:1000], (rule, start)


def test_the_work_budget_puts_a_running_profiler_back() -> None:
    def profiler(*_: object) -> None:
        return None

    sys.setprofile(profiler)
    try:
        recurrence.occurrences("last-friday", date(2026, 12, 1), "UTC", count=3)
        assert sys.getprofile() is profiler
        with pytest.raises(Invalid, match="too much work"):
            recurrence.occurrences(NEVER, date(2026, 12, 1), "UTC", count=3)
        assert sys.getprofile() is profiler
    finally:
        sys.setprofile(None)
