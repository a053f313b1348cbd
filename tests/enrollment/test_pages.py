"""The enrolment pages, driven like a browser: forms with CSRF tokens, flashes, 404s."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.enrollment.changes import coordinator_enrol
from app.enrollment.models import Attendance, Enrollment, InHouseRequest, SeatPack
from app.enrollment.seats import take_seat
from tests.enrollment import helpers as h
from tests.factories import log_in, post_form


def _statuses_of(db: Session, user_id: int) -> list[str]:
    db.expire_all()
    return [e.status for e in db.scalars(select(Enrollment).where(Enrollment.user_id == user_id))]


def test_session_page_books_a_seat_and_shows_it(db: Session, client: TestClient) -> None:
    target = h.session(db, capacity=3, price_cents=49500)
    person = h.learner(db)
    db.commit()
    anonymous = client.get(f"/sessions/{target.id}")
    assert anonymous.status_code == 200 and "Log in to book a seat" in anonymous.text
    assert "3 of 3" in anonymous.text and "USD 495.00" in anonymous.text
    log_in(client, person.email)
    page = client.get(f"/sessions/{target.id}")
    assert "Book a seat" in page.text
    response = post_form(
        client, f"/sessions/{target.id}/book", {}, token_from=f"/sessions/{target.id}"
    )
    held = db.scalars(select(Enrollment).where(Enrollment.user_id == person.id)).one()
    # A held seat goes on to its payment step: 307 repeats the POST there, so the order is
    # made by a POST (tests/payments covers what happens there).
    assert response.status_code == 307
    assert response.headers["location"] == f"/bookings/{held.id}/pay"
    page = client.get(f"/sessions/{target.id}")
    assert "is held for you until" in page.text and "Pay now" in page.text
    assert "2 of 3" in page.text
    assert _statuses_of(db, person.id) == ["held"]


def test_full_session_offers_the_waitlist_and_refusals_are_flashed(
    db: Session, client: TestClient
) -> None:
    target = h.session(db, capacity=1, price_cents=0)
    h.fill(db, target, 1)
    person = h.learner(db)
    db.commit()
    log_in(client, person.email)
    assert "Join the waitlist" in client.get(f"/sessions/{target.id}").text
    post_form(client, f"/sessions/{target.id}/book", {}, token_from=f"/sessions/{target.id}")
    assert "number 1 on the waitlist" in client.get(f"/sessions/{target.id}").text
    post_form(client, f"/sessions/{target.id}/book", {}, token_from=f"/sessions/{target.id}")
    assert "already on the waitlist" in client.get(f"/sessions/{target.id}").text
    assert _statuses_of(db, person.id) == ["waitlisted"]


def test_booking_without_a_csrf_token_is_refused(db: Session, client: TestClient) -> None:
    target = h.session(db)
    person = h.learner(db)
    db.commit()
    log_in(client, person.email)
    assert client.post(f"/sessions/{target.id}/book").status_code == 403
    assert _statuses_of(db, person.id) == []


def test_in_house_session_pages_are_404_for_outsiders(db: Session, client: TestClient) -> None:
    member, outsider = h.learner(db), h.learner(db)
    org = h.organisation(db, members=[member])
    private = h.session(db, organisation=org)
    db.commit()
    assert client.get(f"/sessions/{private.id}").status_code == 404
    log_in(client, outsider.email)
    assert client.get(f"/sessions/{private.id}").status_code == 404
    client.cookies.clear()
    log_in(client, member.email)
    assert "Book a seat" in client.get(f"/sessions/{private.id}").text


def test_my_bookings_cancel_transfer_and_accept(db: Session, client: TestClient) -> None:
    first = h.session(db, capacity=1, price_cents=0)
    second = h.session(db, starts_on=date.today() + timedelta(days=45), price_cents=0)
    person, waiting_person = h.learner(db), h.learner(db)
    seat = take_seat(db, first, person)
    waiting = take_seat(db, first, waiting_person)
    db.commit()
    log_in(client, person.email)
    page = client.get("/bookings")
    assert "Confirmed" in page.text and "Move to another date" in page.text
    response = post_form(
        client,
        f"/bookings/{seat.id}/transfer",
        {"session_id": str(second.id), "confirm": "yes"},
        token_from="/bookings",
    )
    assert response.status_code == 303
    assert "Moved" in client.get("/bookings").text
    db.expire_all()
    assert db.get(Enrollment, seat.id).session_id == second.id  # type: ignore[union-attr]

    client.cookies.clear()
    log_in(client, waiting_person.email)
    page = client.get("/bookings")
    assert "Seat offered" in page.text and "Accept the seat" in page.text
    post_form(client, f"/bookings/{waiting.id}/accept", {}, token_from="/bookings")
    assert "is confirmed" in client.get("/bookings").text
    post_form(client, f"/bookings/{waiting.id}/cancel", {"confirm": "yes"}, token_from="/bookings")
    assert "cancelled" in client.get("/bookings").text
    assert _statuses_of(db, waiting_person.id) == ["cancelled"]


def test_others_bookings_are_404(db: Session, client: TestClient) -> None:
    target = h.session(db, price_cents=0)
    owner, other = h.learner(db), h.learner(db)
    seat = take_seat(db, target, owner)
    db.commit()
    log_in(client, other.email)
    response = post_form(
        client, f"/bookings/{seat.id}/cancel", {"confirm": "yes"}, token_from="/bookings"
    )
    assert response.status_code == 404
    assert _statuses_of(db, owner.id) == ["confirmed"]


def test_a_series_session_page_offers_a_group_booking_not_a_day_bundle(
    db: Session, client: TestClient
) -> None:
    series, sessions = h.series_day(db)
    db.commit()
    page = client.get(f"/sessions/{sessions[0].id}").text
    assert f"/series/{series.id}/{sessions[0].starts_on.isoformat()}/group" in page
    assert "day bundle" not in page and "/bundles/" not in page
    assert (
        client.get(f"/bundles/{series.id}/{sessions[0].starts_on.isoformat()}").status_code == 404
    )


def test_roster_enrol_move_and_cancel(db: Session, client: TestClient) -> None:
    staff, person, other = h.coordinator(db), h.learner(db), h.learner(db)
    target = h.session(db, capacity=1, price_cents=0)
    spare = h.session(db, starts_on=date.today() + timedelta(days=50), price_cents=0)
    take_seat(db, target, other)
    db.commit()
    log_in(client, person.email)
    assert client.get(f"/coordinator/sessions/{target.id}").status_code == 404
    client.cookies.clear()
    log_in(client, staff.email)
    roster = f"/coordinator/sessions/{target.id}"
    page = client.get(roster)
    assert page.status_code == 200 and other.email in page.text
    post_form(client, f"{roster}/enrol", {"email": person.email}, token_from=roster)
    page = client.get(roster)
    assert "number 1 on the waitlist" in page.text and "Waitlist, in order (1)" in page.text
    (seat,) = db.scalars(select(Enrollment).where(Enrollment.user_id == other.id))
    post_form(
        client,
        f"/coordinator/enrollments/{seat.id}/move",
        {"session_id": str(spare.id), "confirm": "yes"},
        token_from=roster,
    )
    assert "Moved to" in client.get(roster).text
    (waiting,) = db.scalars(select(Enrollment).where(Enrollment.user_id == person.id))
    db.expire_all()
    assert db.get(Enrollment, waiting.id).status == "offered"  # type: ignore[union-attr]
    post_form(
        client,
        f"/coordinator/enrollments/{waiting.id}/cancel",
        {"confirm": "yes"},
        token_from=roster,
    )
    assert "The booking is cancelled." in client.get(roster).text


def test_seat_pack_pages(db: Session, client: TestClient) -> None:
    staff, employee, org_coord, outsider = (
        h.coordinator(db),
        h.learner(db),
        h.learner(db),
        h.learner(db),
    )
    org = h.organisation(db, members=[employee], coordinators=[org_coord])
    target = h.session(db, price_cents=49500)
    db.commit()
    log_in(client, staff.email)
    today = date.today()
    form = {
        "organisation_id": str(org.id),
        "seats": "3",
        "course_id": "",
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=90)).isoformat(),
    }
    response = post_form(
        client, "/coordinator/seat-packs", form, token_from="/coordinator/seat-packs"
    )
    assert response.status_code == 303
    bad = post_form(
        client,
        "/coordinator/seat-packs",
        {**form, "seats": "0"},
        token_from="/coordinator/seat-packs",
    )
    assert bad.status_code == 422 and "between 1 and" in bad.text
    (pack,) = db.scalars(select(SeatPack).where(SeatPack.organisation_id == org.id))

    client.cookies.clear()
    log_in(client, org_coord.email)
    page_path = f"/orgs/{org.id}/seat-packs"
    assert "0 used, 3 unused" in client.get(page_path).text
    post_form(
        client,
        f"{page_path}/{pack.id}/assign",
        {"email": employee.email, "session_id": str(target.id)},
        token_from=page_path,
    )
    page = client.get(page_path)
    assert "1 used, 2 unused" in page.text and employee.display_name in page.text
    (assignment,) = db.scalars(select(Enrollment).where(Enrollment.seat_pack_id == pack.id))
    post_form(client, f"{page_path}/assignments/{assignment.id}/release", {}, token_from=page_path)
    assert "0 used, 3 unused" in client.get(page_path).text

    client.cookies.clear()
    log_in(client, outsider.email)
    assert client.get(page_path).status_code == 404
    assert client.get("/coordinator/seat-packs").status_code == 403


def test_in_house_request_form_and_inbox(db: Session, client: TestClient) -> None:
    h.fast_courses(db)
    person, staff = h.learner(db), h.coordinator(db)
    db.commit()
    log_in(client, person.email)
    form = {"course_format": "relationship-management:one-day", "participants": "0"}
    refused = post_form(client, "/in-house-request", form, token_from="/in-house-request")
    assert refused.status_code == 422 and "number of participants" in refused.text
    form["participants"] = "14"
    form["message"] = "We would like it in our offices."
    response = post_form(client, "/in-house-request", form, token_from="/in-house-request")
    assert response.status_code == 303
    assert client.get("/coordinator/requests").status_code == 403
    client.cookies.clear()
    log_in(client, staff.email)
    inbox = client.get("/coordinator/requests")
    assert "We would like it in our offices." in inbox.text and "Mark answered" in inbox.text
    (request,) = db.scalars(select(InHouseRequest))
    post_form(
        client,
        f"/coordinator/requests/{request.id}/status",
        {"status": "answered"},
        token_from="/coordinator/requests",
    )
    db.expire_all()
    assert db.get(InHouseRequest, request.id).status == "answered"  # type: ignore[union-attr]


def test_facilitator_pages_and_attendance_form(db: Session, client: TestClient) -> None:
    course = h.session(db)
    for day in course.days:
        day.date = h.local_today(course)
    facilitator = h.facilitator(db, course)
    person = h.learner(db)
    seat = Enrollment(session_id=course.id, user_id=person.id, status="confirmed")
    db.add(seat)
    db.commit()
    log_in(client, facilitator.email)
    assert f"/facilitator/sessions/{course.id}" in client.get("/facilitator/sessions").text
    path = f"/facilitator/sessions/{course.id}"
    assert person.display_name in client.get(path).text
    post_form(client, f"{path}/attendance", {f"mark-{seat.id}-1": "present"}, token_from=path)
    assert "Attendance saved (1 mark)." in client.get(path).text
    db.expire_all()
    assert db.get(Attendance, (seat.id, 1)).present is True  # type: ignore[union-attr]
    client.cookies.clear()
    log_in(client, person.email)
    assert client.get(path).status_code == 404


def test_a_cancelled_series_session_page_still_shows(db: Session, client: TestClient) -> None:
    _, sessions = h.series_day(db)
    sessions[0].status = "cancelled"
    db.commit()
    page = client.get(f"/sessions/{sessions[0].id}")
    assert page.status_code == 200 and "This session was cancelled." in page.text
    assert "day bundle" not in page.text


def test_an_organisation_coordinators_roster_offers_only_what_they_may_open(
    db: Session, client: TestClient
) -> None:
    member, org_coord = h.learner(db), h.learner(db)
    h.organisation(db, members=[member], coordinators=[org_coord])
    target = h.session(db, price_cents=0)
    coordinator_enrol(db, target, member.email, org_coord)
    log_in(client, org_coord.email)
    page = client.get(f"/coordinator/sessions/{target.id}")
    assert page.status_code == 200
    # Print packs and certificates are staff pages: no links that would be refused.
    assert f"/sessions/{target.id}/documents" not in page.text
    assert "/coordinator/certificates?session_id=" not in page.text
