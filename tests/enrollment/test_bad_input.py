"""Bad numbers and dates in enrolment bodies and forms: 422 or a flashed reason, never a 500.

Ids beyond a database integer (or spelled with digits int() refuses, like "²"), seat
counts a column cannot hold, and months outside the planning range.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.accounts import service as accounts
from app.accounts.models import Role
from app.enrollment.models import Enrollment, InHouseRequest, SeatPack
from app.enrollment.pages.staff import parse_marks
from app.enrollment.seats import take_seat
from app.errors import Invalid
from tests.enrollment import helpers as h
from tests.factories import log_in, make_user, post_form

HUGE = 10**20


def _refused(response: Response, message: str) -> bool:
    return response.status_code == 422 and message in response.text


def test_api_bodies_refuse_ids_beyond_a_column(client: TestClient, db: Session) -> None:
    person = make_user(db)
    headers = {"Authorization": f"Bearer {accounts.issue_api_token(db, person, name='test')}"}
    path = "/api/v1/programmes/1/bookings"
    booked = client.post(path, json={"session_ids": [HUGE, 1]}, headers=headers)
    assert booked.status_code == 422, booked.text
    assert booked.headers["content-type"].startswith("application/problem+json")
    assert [e["location"] for e in booked.json()["errors"]] == ["body.session_ids.0"]
    body = {"user_email": "someone@example.com", "session_id": HUGE}
    assigned = client.post("/api/v1/seat-packs/1/assignments", json=body, headers=headers)
    assert assigned.status_code == 422, assigned.text
    assert [e["location"] for e in assigned.json()["errors"]] == ["body.session_id"]
    assert "2147483647" in assigned.json()["errors"][0]["message"]
    # Still strict: an id is a JSON number, not a string that looks like one.
    body["session_id"] = "12"  # type: ignore[assignment]
    assert (
        client.post("/api/v1/seat-packs/1/assignments", json=body, headers=headers).status_code
        == 422
    )


PACK = {"seats": "5", "valid_from": "2027-01-01", "valid_until": "2027-12-31"}
PACKS_REFUSED = [
    ({"organisation_id": str(HUGE)}, "Choose the client organisation."),
    ({"organisation_id": "²"}, "Choose the client organisation."),
    ({"seats": str(HUGE)}, "Seats: the number is too large"),
    ({"seats": "²"}, "Seats: give a whole number."),
    ({"course_id": str(HUGE)}, "Choose an existing course, or any course."),
    ({"valid_until": "9999-12-31"}, "Last valid day: give a date between 2000-01-01"),
]


def test_the_seat_pack_form_refuses_impossible_numbers(client: TestClient, db: Session) -> None:
    org = h.organisation(db)
    log_in(client, make_user(db, roles={Role.COORDINATOR}).email)
    page = "/coordinator/seat-packs"
    for fields, message in PACKS_REFUSED:
        form = {"organisation_id": str(org.id), **PACK, **fields}
        response = post_form(client, page, form, token_from=page)
        assert _refused(response, message), (fields, response.status_code)
    assert db.scalar(select(func.count()).select_from(SeatPack)) == 0


def test_moving_someone_to_an_impossible_session_is_flashed(
    client: TestClient, db: Session
) -> None:
    target = h.session(db, price_cents=0)
    enrollment = take_seat(db, target, h.learner(db))
    log_in(client, make_user(db, roles={Role.COORDINATOR}).email)
    roster = f"/coordinator/sessions/{target.id}"
    for session_id in (str(HUGE), "²"):
        moved = post_form(
            client,
            f"/coordinator/enrollments/{enrollment.id}/move",
            {"session_id": session_id},
            token_from=roster,
        )
        assert moved.status_code == 303
        assert "Choose the session to move to." in client.get(roster).text
    db.refresh(enrollment)
    assert enrollment.session_id == target.id


INHOUSE_REFUSED = [
    ({"participants": "²"}, "Number of participants: give a whole number."),
    ({"participants": str(HUGE)}, "Number of participants: the number is too large"),
    ({"organisation_id": str(HUGE)}, "Choose one of your organisations, or none."),
]


def test_a_learner_form_with_impossible_numbers_is_refused(client: TestClient, db: Session) -> None:
    series, sessions = h.series_day(db)
    person = make_user(db)
    enrollment = take_seat(db, sessions[0], person)
    log_in(client, person.email)
    page = "/in-house-request"
    for fields, message in INHOUSE_REFUSED:
        form = {"course_format": "relationship-management:one-day", "participants": "5", **fields}
        response = post_form(client, page, form, token_from=page)
        assert _refused(response, message), (fields, response.status_code)
    assert db.scalar(select(func.count()).select_from(InHouseRequest)) == 0
    for session_id in (str(HUGE), "²"):
        moved = post_form(
            client,
            f"/bookings/{enrollment.id}/transfer",
            {"session_id": session_id},
            token_from="/bookings",
        )
        assert moved.status_code == 303
        assert "Choose the session to move to." in client.get("/bookings").text
    path = f"/series/{series.id}/{sessions[0].starts_on.isoformat()}/group"
    form = {"session_id": "²", "email": person.email}
    booked = post_form(client, path, form, token_from=path)
    assert booked.status_code == 303, booked.text  # back to the page, with the reason
    assert "for every attendee" in client.get(path).text
    mine = select(func.count()).select_from(Enrollment).where(Enrollment.user_id == person.id)
    assert db.scalar(mine) == 1


@pytest.mark.parametrize("month", ["9999-12", "0000-01", "2101-01"])
def test_the_public_schedule_refuses_a_month_outside_the_range(
    client: TestClient, month: str
) -> None:
    response = client.get(f"/schedule?month={month}")
    assert response.status_code == 422, response.text
    assert "month" in response.text.lower()


@pytest.mark.parametrize("key", ["mark-²-1", f"mark-{HUGE}-1", "mark-1-0", "mark-1"])
def test_an_attendance_sheet_with_impossible_ids_cannot_be_read(key: str) -> None:
    with pytest.raises(Invalid, match="could not be read"):
        parse_marks(FormData([(key, "present")]))
