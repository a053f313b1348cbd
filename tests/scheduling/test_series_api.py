"""``/api/v1/series``: tokens, coordinator-only writes, in-house privacy, preview."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import organisations
from app.accounts import service as accounts
from app.accounts.models import Role, User
from app.enrollment.models import Enrollment
from app.scheduling.materialise import load_series_sessions
from tests.factories import make_organisation, make_user
from tests.scheduling.factories import ensure_courses, make_series

BODY = {
    "title": "APEX Last Friday",
    "rrule": "last-friday",
    "timezone": "America/New_York",
    "starts_on": "2026-12-01",
    "start_time": "09:00",
    "end_time": "17:00",
    "courses": ["client-expectations", "status-communication", "trust-and-confidence"],
    "capacity": 20,
    "price_cents": 49500,
    "holiday_country": "US",
    "holiday_policy": "previous",
}


def _auth(db: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {accounts.issue_api_token(db, user, name='test')}"}


def test_the_preview_is_public_and_explains_holidays(client: TestClient) -> None:
    response = client.get(
        "/api/v1/series/preview",
        params={
            "rule": "last-friday",
            "start": "2026-12-01",
            "tz": "America/New_York",
            "holidays": "US",
            "policy": "previous",
            "count": 2,
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["rrule"] == "FREQ=MONTHLY;BYDAY=-1FR"
    assert body["description"] == "Last Friday of each month"
    assert body["occurrences"][0] == {
        "date": "2026-12-24",
        "original_date": "2026-12-25",
        "note": "moved from 2026-12-25: Christmas Day",
        "dropped": False,
        "line": "2026-12-24  moved from 2026-12-25: Christmas Day",
    }
    weekly = client.get(
        "/api/v1/series/preview",
        params={"rule": "weekly", "weekday": "monday", "start": "2027-01-01", "tz": "UTC"},
    )
    assert weekly.json()["occurrences"][0]["date"] == "2027-01-04"


def test_a_bad_preview_is_a_problem_document(client: TestClient) -> None:
    response = client.get(
        "/api/v1/series/preview",
        params={"rule": "last-friday", "start": "2026-12-01", "tz": "Nowhere/Special"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "'Nowhere/Special' is not a known time zone" in response.json()["detail"]


def test_series_need_a_token_and_writes_need_a_coordinator(client: TestClient, db: Session) -> None:
    ensure_courses(db)
    assert client.get("/api/v1/series").status_code == 401
    learner = _auth(db, make_user(db))
    response = client.post("/api/v1/series", json=BODY, headers=learner)
    assert response.status_code == 403
    assert response.json()["detail"] == "Only coordinators may change series."


def test_coordinators_create_read_change_and_extend_series(client: TestClient, db: Session) -> None:
    ensure_courses(db)
    headers = _auth(db, make_user(db, roles={Role.COORDINATOR}))
    created = client.post("/api/v1/series", json=BODY, headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    series_id = body["series"]["id"]
    assert body["series"]["courses"] == BODY["courses"]
    assert body["series"]["sessions"] == len(body["created"]) >= 33
    # Sessions are made from today (in the series' zone) on, exactly on the dates the
    # public preview gives (the preview test pins those against the calendar).
    today = datetime.now(ZoneInfo(BODY["timezone"])).date()
    start = max(today, date.fromisoformat(BODY["starts_on"]))
    params = {"rule": "last-friday", "start": start.isoformat(), "tz": BODY["timezone"]}
    params |= {"holidays": "US", "policy": "previous", "count": 1}
    (first,) = client.get("/api/v1/series/preview", params=params).json()["occurrences"]
    assert body["created"][0]["starts_on"] == first["date"]
    assert body["created"][0]["occurrence_date"] == first["original_date"]

    one = client.get(f"/api/v1/series/{series_id}", headers=headers).json()
    assert one["description"] == "Last Friday of each month"
    assert "bundle_price_cents" not in one  # programmes replaced the day bundle

    busy_id = body["created"][0]["id"]
    db.add(Enrollment(session_id=busy_id, user_id=make_user(db).id, status="held"))
    db.flush()
    patched = client.patch(
        f"/api/v1/series/{series_id}", json={"capacity": 24, "title": None}, headers=headers
    )
    assert patched.status_code == 200, patched.text
    change = patched.json()
    assert [s["id"] for s in change["not_changed"]] == [busy_id]
    assert len(change["changed"]) == len(body["created"]) - 1
    assert change["series"]["capacity"] == 24
    assert change["series"]["title"] == "APEX Last Friday"  # null leaves a required field

    refused = client.patch(
        f"/api/v1/series/{series_id}", json={"courses": ["nope"]}, headers=headers
    )
    assert refused.status_code == 422
    assert refused.json()["detail"] == "There is no course 'nope' in the catalogue."

    extended = client.post(
        f"/api/v1/series/{series_id}/extend", json={"months": 15}, headers=headers
    )
    assert extended.status_code == 200
    assert len(extended.json()["created"]) >= 6
    again = client.post(f"/api/v1/series/{series_id}/extend", json={"months": 15}, headers=headers)
    assert again.json()["created"] == []
    too_far = client.post(
        f"/api/v1/series/{series_id}/extend", json={"until": "2099-12-31"}, headers=headers
    )
    assert too_far.status_code == 422
    assert too_far.json()["detail"] == "Sessions are materialised at most 36 months ahead."


def test_in_house_series_are_hidden_from_other_organisations(
    client: TestClient, db: Session
) -> None:
    northwind = make_organisation(db)
    private = make_series(db, organisation=northwind, horizon_months=1)
    public = make_series(db, title="Open Fridays", horizon_months=1)
    member = make_user(db)
    organisations.add_member(db, northwind, email=member.email, coordinator=False)
    outsider = _auth(db, make_user(db))
    listing = client.get("/api/v1/series", headers=outsider).json()
    assert public.id in {s["id"] for s in listing} and private.id not in {s["id"] for s in listing}
    assert client.get(f"/api/v1/series/{private.id}", headers=outsider).status_code == 404
    inside = _auth(db, member)
    assert client.get(f"/api/v1/series/{private.id}", headers=inside).status_code == 200
    assert len(load_series_sessions(db, private.id)) == 3
    assert date.fromisoformat(listing[0]["starts_on"]) == date(2026, 12, 1)


def test_bad_bodies_are_refused_before_anything_is_written(client: TestClient, db: Session) -> None:
    ensure_courses(db)
    headers = _auth(db, make_user(db, roles={Role.COORDINATOR}))
    db.commit()  # an error answer rolls the request back; keep the set-up out of its reach
    response = client.post("/api/v1/series", json={**BODY, "capacity": 0}, headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"] == "Capacity must be at least 1."
    response = client.post("/api/v1/series", json={**BODY, "colour": "red"}, headers=headers)
    assert response.status_code == 422
    assert client.get("/api/v1/series", headers=headers).json() == []
