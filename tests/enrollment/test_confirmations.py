"""Destructive enrolment actions ask first: the confirmation page says what happens (the
refund by the policy, who is told) and changes nothing; only ``confirm=yes`` acts."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.enrollment import changes
from app.enrollment.models import Enrollment
from app.enrollment.seats import take_seat
from app.payments import orders
from app.scheduling.models import CourseSession, SessionFacilitator
from tests.enrollment import helpers as h
from tests.factories import log_in, post_form, read_outbox


def _status(db: Session, enrollment_id: int) -> str:
    db.expire_all()
    found = db.get(Enrollment, enrollment_id)
    assert found is not None
    return found.status


def test_a_learner_sees_the_refund_by_policy_before_cancelling(
    db: Session, client: TestClient, outbox: Path
) -> None:
    staff, person, waiting = h.coordinator(db), h.learner(db), h.learner(db)
    # Ten days ahead: by the default policy (14:100,7:50) half comes back.
    target = h.session(
        db, capacity=1, price_cents=49500, starts_on=date.today() + timedelta(days=10)
    )
    seat = changes.coordinator_enrol(db, target, person.email, staff)  # invoiced to the person
    take_seat(db, target, waiting)  # full: waitlisted
    db.commit()
    order = orders.order_for_enrollment(db, seat.id)
    assert order is not None
    sent = len(read_outbox(outbox))  # the booking's own mail
    log_in(client, person.email)
    bookings = client.get("/bookings").text
    assert "Cancel…" in bookings

    # A first POST (an old one-step form, or the button) only asks.
    page = post_form(client, f"/bookings/{seat.id}/cancel", {}, token_from="/bookings")
    assert page.status_code == 200
    assert "Cancel this booking?" in page.text
    assert f"A credit note for USD 247.50 is issued on order {order.reference}" in page.text
    assert "50% by the cancellation policy" in page.text
    assert "You are e-mailed that the booking is cancelled" in page.text
    assert "offered at once to the first of the 1 person on the waitlist" in page.text
    assert 'name="confirm" value="yes"' in page.text and 'href="/bookings"' in page.text
    assert client.get(f"/bookings/{seat.id}/cancel").status_code == 200  # a link works too
    assert _status(db, seat.id) == "confirmed"
    assert len(read_outbox(outbox)) == sent

    done = post_form(
        client, f"/bookings/{seat.id}/cancel", {"confirm": "yes"}, token_from="/bookings"
    )
    assert done.status_code == 303
    assert _status(db, seat.id) == "cancelled"
    db.expire_all()
    order = orders.order_for_enrollment(db, seat.id)
    assert order is not None and order.refunded_cents == 24750  # the amount the page named
    subjects = [m["Subject"] for m in read_outbox(outbox)[sent:]]
    assert any("Cancelled: your place" in str(s) for s in subjects), subjects


def test_others_bookings_and_bad_ids_are_404_on_the_confirmation_too(
    db: Session, client: TestClient
) -> None:
    target = h.session(db, price_cents=0)
    owner, other = h.learner(db), h.learner(db)
    seat = take_seat(db, target, owner)
    db.commit()
    log_in(client, other.email)
    assert client.get(f"/bookings/{seat.id}/cancel").status_code == 404
    assert client.get("/bookings/99999999999999999999/cancel").status_code == 404
    response = post_form(
        client, f"/bookings/{seat.id}/cancel", {"confirm": "yes"}, token_from="/bookings"
    )
    assert response.status_code == 404
    assert _status(db, seat.id) == "confirmed"


def test_a_learner_transfer_asks_first(db: Session, client: TestClient) -> None:
    person = h.learner(db)
    later = date.today() + timedelta(days=30)
    first = h.session(db, price_cents=0, starts_on=later)
    second = h.session(db, price_cents=0, starts_on=later + timedelta(days=7))
    full = h.session(db, capacity=1, price_cents=0, starts_on=later + timedelta(days=14))
    h.fill(db, full, 1)
    seat = take_seat(db, first, person)
    db.commit()
    log_in(client, person.email)
    bookings = client.get("/bookings").text
    # Nothing chosen in advance; each date with its time and seats left; full ones disabled.
    assert '<option value="" selected>Choose a session…</option>' in bookings
    assert f'<option value="{second.id}">' in bookings and "seats left" in bookings
    assert f'<option value="{full.id}" disabled>' in bookings and "full, no seat left" in bookings
    page = post_form(
        client,
        f"/bookings/{seat.id}/transfer",
        {"session_id": str(second.id)},
        token_from="/bookings",
    )
    assert page.status_code == 200 and "Move your seat?" in page.text
    assert f'name="session_id" value="{second.id}"' in page.text
    assert _session_of(db, seat.id) == first.id
    post_form(
        client,
        f"/bookings/{seat.id}/transfer",
        {"session_id": str(second.id), "confirm": "yes"},
        token_from="/bookings",
    )
    assert _session_of(db, seat.id) == second.id


def _session_of(db: Session, enrollment_id: int) -> int:
    db.expire_all()
    found = db.get(Enrollment, enrollment_id)
    assert found is not None
    return found.session_id


def test_roster_cancel_and_move_ask_first(db: Session, client: TestClient) -> None:
    staff, person, outsider = h.coordinator(db), h.learner(db), h.learner(db)
    later = date.today() + timedelta(days=30)
    target = h.session(db, capacity=3, price_cents=49500, starts_on=later)
    spare = h.session(db, capacity=3, price_cents=49500, starts_on=later + timedelta(days=7))
    seat = changes.coordinator_enrol(db, target, person.email, staff)
    db.commit()
    roster = f"/coordinator/sessions/{target.id}"
    log_in(client, outsider.email)
    assert (
        post_form(
            client, f"/coordinator/enrollments/{seat.id}/cancel", {}, token_from="/bookings"
        ).status_code
        == 404
    )
    client.cookies.clear()
    log_in(client, staff.email)
    page = client.get(roster).text
    assert '<option value="" selected>Choose a session…</option>' in page
    asked = post_form(client, f"/coordinator/enrollments/{seat.id}/cancel", {}, token_from=roster)
    assert asked.status_code == 200 and f"Cancel {person.display_name}" in asked.text
    # An unpaid invoice is credited in full when a coordinator cancels (payments' rule).
    assert "A credit note for USD 495.00" in asked.text
    assert _status(db, seat.id) == "confirmed"
    move = post_form(
        client,
        f"/coordinator/enrollments/{seat.id}/move",
        {"session_id": str(spare.id)},
        token_from=roster,
    )
    assert move.status_code == 200 and "Yes, move the seat" in move.text
    assert "The price stays the same." in move.text
    assert _session_of(db, seat.id) == target.id
    bad = post_form(
        client,
        f"/coordinator/enrollments/{seat.id}/move",
        {"session_id": "99999999999999999999", "confirm": "yes"},
        token_from=roster,
    )
    assert bad.status_code == 303 and _session_of(db, seat.id) == target.id
    post_form(
        client,
        f"/coordinator/enrollments/{seat.id}/move",
        {"session_id": str(spare.id), "confirm": "yes"},
        token_from=roster,
    )
    assert _session_of(db, seat.id) == spare.id


def test_a_coordinator_cancels_a_whole_session_with_a_reason(
    db: Session, client: TestClient, outbox: Path
) -> None:
    staff = h.coordinator(db)
    paid, waiting = h.learner(db), h.learner(db)
    target = h.session(
        db, capacity=1, price_cents=49500, starts_on=date.today() + timedelta(days=20)
    )
    trainer = h.facilitator(db, target)
    seat = changes.coordinator_enrol(db, target, paid.email, staff)
    line = take_seat(db, target, waiting)
    db.commit()
    roster = f"/coordinator/sessions/{target.id}"
    sent = len(read_outbox(outbox))
    log_in(client, paid.email)
    assert client.get(f"{roster}/cancel").status_code in (403, 404)
    client.cookies.clear()
    log_in(client, staff.email)
    assert f"{roster}/cancel" in client.get(roster).text
    page = client.get(f"{roster}/cancel")
    assert page.status_code == 200
    assert (
        "<dt>Confirmed</dt><dd>1</dd>" in page.text and "<dt>Waitlisted</dt><dd>1</dd>" in page.text
    )
    assert "<dt>Facilitators</dt><dd>1</dd>" in page.text
    assert "A credit note for USD 495.00" in page.text  # refunded in full
    assert "METHOD:CANCEL" in page.text
    # Without a reason, or without confirm, nothing happens.
    unconfirmed = post_form(
        client, f"{roster}/cancel", {"reason": "Venue flooded"}, token_from=roster
    )
    assert unconfirmed.status_code == 200 and "Venue flooded" in unconfirmed.text
    no_reason = post_form(
        client, f"{roster}/cancel", {"reason": " ", "confirm": "yes"}, token_from=roster
    )
    assert no_reason.status_code == 422 and "Give a reason" in no_reason.text
    session = db.get(CourseSession, target.id)
    db.expire_all()
    assert session is not None and session.status == "scheduled"
    assert len(read_outbox(outbox)) == sent

    done = post_form(
        client, f"{roster}/cancel", {"reason": "Venue flooded", "confirm": "yes"}, token_from=roster
    )
    assert done.status_code == 303
    db.expire_all()
    session = db.get(CourseSession, target.id)
    assert session is not None and (session.status, session.cancel_reason) == (
        "cancelled",
        "Venue flooded",
    )
    assert (_status(db, seat.id), _status(db, line.id)) == ("cancelled", "cancelled")
    order = orders.order_for_enrollment(db, seat.id)
    assert order is not None and order.refunded_cents == 49500
    to = {m["To"] for m in read_outbox(outbox)[sent:]}
    assert {paid.email, waiting.email, trainer.email} <= to
    assert db.scalar(select(SessionFacilitator).where(SessionFacilitator.user_id == trainer.id))
    again = post_form(
        client, f"{roster}/cancel", {"reason": "Again", "confirm": "yes"}, token_from=roster
    )
    assert again.status_code == 422 and "already cancelled" in again.text
    assert client.get("/coordinator/sessions/99999999999/cancel").status_code == 404
