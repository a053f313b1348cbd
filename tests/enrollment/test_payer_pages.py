"""Who pays, as coordinators, organisation coordinators and members see it in the pages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.enrollment import changes
from app.enrollment.models import Enrollment
from app.enrollment.seat_packs import create_seat_pack
from app.enrollment.seats import take_seat
from app.errors import Conflict, Invalid
from app.payments import orders
from tests.enrollment import helpers as h
from tests.factories import log_in, post_form


def _seats_of(db: Session, person_id: int) -> list[Enrollment]:
    db.expire_all()
    return list(db.scalars(select(Enrollment).where(Enrollment.user_id == person_id)))


def test_a_coordinator_chooses_the_payer_on_the_roster(db: Session, client: TestClient) -> None:
    staff, member, outsider, guest = h.coordinator(db), h.learner(db), h.learner(db), h.learner(db)
    org = h.organisation(db, members=[member])
    h.seat_pack(db, org, seats=3)
    target = h.session(db, capacity=10, price_cents=49500)
    db.commit()
    log_in(client, staff.email)
    roster = f"/coordinator/sessions/{target.id}"
    page = client.get(roster)
    assert 'name="payer"' in page.text and 'value="complimentary"' in page.text

    post_form(client, f"{roster}/enrol", {"email": member.email}, token_from=roster)
    assert f"Paid from {org.name}&#39;s seat pack." in client.get(roster).text
    post_form(
        client,
        f"{roster}/enrol",
        {"email": outsider.email, "payer": "invoice_person"},
        token_from=roster,
    )
    (seat,) = _seats_of(db, outsider.id)
    order = orders.order_for_enrollment(db, seat.id)
    assert order is not None and order.invoice_number and order.organisation_id is None
    assert f"Billed on order {order.reference}" in client.get(roster).text

    # Wrong inputs: no reason for a gift, a payer not offered. Nothing is enrolled.
    post_form(
        client,
        f"{roster}/enrol",
        {"email": guest.email, "payer": "complimentary"},
        token_from=roster,
    )
    assert "Give the reason for the complimentary seat" in client.get(roster).text
    post_form(client, f"{roster}/enrol", {"email": guest.email, "payer": "cash"}, token_from=roster)
    assert "Choose who pays for the seat from the list." in client.get(roster).text
    nul = post_form(
        client, f"{roster}/enrol", {"email": guest.email, "payer": "auto\x00"}, token_from=roster
    )
    assert nul.status_code == 400 and "NUL" in nul.text, nul.text[:300]
    assert _seats_of(db, guest.id) == []
    post_form(
        client,
        f"{roster}/enrol",
        {"email": guest.email, "payer": "complimentary", "reason": "Speaker's guest"},
        token_from=roster,
    )
    assert "Complimentary: Speaker&#39;s guest" in client.get(roster).text


def test_an_organisation_coordinator_cannot_give_seats_away(
    db: Session, client: TestClient
) -> None:
    member, manager = h.learner(db), h.learner(db)
    org = h.organisation(db, members=[member], coordinators=[manager], pays_by_invoice=True)
    target = h.session(db, capacity=10, price_cents=49500)
    db.commit()
    log_in(client, manager.email)
    roster = f"/coordinator/sessions/{target.id}"
    assert 'value="complimentary"' not in client.get(roster).text
    post_form(
        client,
        f"{roster}/enrol",
        {"email": member.email, "payer": "complimentary", "reason": "friend"},
        token_from=roster,
    )
    assert "Only the training company&#39;s coordinators" in client.get(roster).text
    assert _seats_of(db, member.id) == []
    # Their default: no pack, so the organisation (which pays by invoice) is billed.
    post_form(client, f"{roster}/enrol", {"email": member.email}, token_from=roster)
    (seat,) = _seats_of(db, member.id)
    order = orders.order_for_enrollment(db, seat.id)
    assert order is not None and order.organisation_id == org.id
    assert order.reference in client.get(f"/orgs/{org.id}/orders").text


def test_a_members_own_booking_uses_the_pack_and_says_so(db: Session, client: TestClient) -> None:
    member, manager = h.learner(db), h.learner(db)
    org = h.organisation(db, members=[member], coordinators=[manager], pays_by_invoice=True)
    pack = h.seat_pack(db, org, seats=1)
    target = h.session(db, capacity=10, price_cents=49500)
    second = h.session(db, capacity=10, price_cents=49500, starts_on=date.today() + timedelta(60))
    db.commit()
    log_in(client, manager.email)
    assert "0 used" in client.get(f"/orgs/{org.id}/seat-packs").text
    client.cookies.clear()
    log_in(client, member.email)
    post_form(client, f"/sessions/{target.id}/book", {}, token_from=f"/sessions/{target.id}")
    assert f"Paid from {org.name}&#39;s seat pack." in client.get("/bookings").text
    (seat,) = _seats_of(db, member.id)
    assert (seat.status, seat.seat_pack_id, seat.payer) == ("confirmed", pack.id, "seat_pack")
    assert orders.order_for_enrollment(db, seat.id) is None  # not invoiced on top of the pack
    # The pack is used up: the next seat is invoiced to the organisation instead.
    post_form(client, f"/sessions/{second.id}/book", {}, token_from=f"/sessions/{second.id}")
    later = next(s for s in _seats_of(db, member.id) if s.session_id == second.id)
    order = orders.order_for_enrollment(db, later.id)
    assert order is not None and order.organisation_id == org.id
    client.cookies.clear()
    log_in(client, manager.email)
    assert "1 used" in client.get(f"/orgs/{org.id}/seat-packs").text
    assert order.reference in client.get(f"/orgs/{org.id}/orders").text


def test_expired_and_exhausted_packs_are_never_used(db: Session) -> None:
    member, other = h.learner(db), h.learner(db)
    org = h.organisation(db, members=[member, other])
    h.seat_pack(
        db,
        org,
        seats=5,
        valid_from=date.today() - timedelta(days=90),
        valid_until=date.today() - timedelta(days=1),
    )
    full = h.seat_pack(db, org, seats=1)
    target = h.session(db, capacity=10, price_cents=49500)
    take_seat(db, target, other)  # takes the only seat of the valid pack
    seat = take_seat(db, target, member)
    assert seat.seat_pack_id is None and seat.status == "held"  # pays by card instead
    assert [s.seat_pack_id for s in _seats_of(db, other.id)] == [full.id]


def test_a_pack_cannot_be_created_already_over(db: Session) -> None:
    staff = h.coordinator(db)
    org = h.organisation(db)
    with pytest.raises(Invalid, match="would already be over"):
        create_seat_pack(
            db,
            staff,
            organisation_id=org.id,
            seats=5,
            course_id=None,
            valid_from=date.today() - timedelta(days=30),
            valid_until=date.today() - timedelta(days=1),
        )


def test_only_the_training_companys_coordinators_set_invoice_billing(
    db: Session, client: TestClient
) -> None:
    staff, manager = h.coordinator(db), h.learner(db)
    org = h.organisation(db, coordinators=[manager])
    db.commit()
    log_in(client, manager.email)
    page = client.get(f"/orgs/{org.id}")
    assert "the member pays for it themselves" in page.text and "/billing" not in page.text
    refused = post_form(
        client, f"/orgs/{org.id}/billing", {"pays_by_invoice": "true"}, token_from=f"/orgs/{org.id}"
    )
    assert refused.status_code == 403
    client.cookies.clear()
    log_in(client, staff.email)
    post_form(
        client, f"/orgs/{org.id}/billing", {"pays_by_invoice": "true"}, token_from=f"/orgs/{org.id}"
    )
    assert f"invoiced to {org.name}" in client.get(f"/orgs/{org.id}").text
    db.expire_all()
    assert db.get(type(org), org.id).pays_by_invoice is True


def test_a_coordinator_cancelling_an_unpaid_invoiced_seat_credits_it(
    db: Session, client: TestClient
) -> None:
    staff, person = h.coordinator(db), h.learner(db)
    target = h.session(db, capacity=10, price_cents=49500)
    db.commit()
    log_in(client, staff.email)
    roster = f"/coordinator/sessions/{target.id}"
    post_form(client, f"{roster}/enrol", {"email": person.email}, token_from=roster)
    (seat,) = _seats_of(db, person.id)
    order = orders.order_for_enrollment(db, seat.id)
    assert order is not None and order.status == "awaiting_payment"
    post_form(
        client, f"/coordinator/enrollments/{seat.id}/cancel", {"confirm": "yes"}, token_from=roster
    )
    db.expire_all()
    order = orders.order_for_enrollment(db, seat.id)
    assert order is not None
    assert (order.status, order.refunded_cents) == ("refunded", 49500)
    assert "Refunded" in client.get(f"/coordinator/orders/{order.id}").text


def test_a_paid_seat_moves_with_its_order_line(db: Session) -> None:
    person, staff = h.learner(db), h.coordinator(db)
    later = date.today() + timedelta(days=40)
    first = h.session(db, capacity=5, price_cents=49500, starts_on=later)
    dearer = h.session(db, capacity=5, price_cents=59500, starts_on=later + timedelta(days=7))
    cheaper = h.session(db, capacity=5, price_cents=39500, starts_on=later + timedelta(days=14))
    seat = changes.coordinator_enrol(db, first, person.email, staff)  # invoiced to the person
    with pytest.raises(Conflict, match="costs more than the seat you paid for"):
        changes.transfer_enrollment(db, seat, person, dearer)
    changes.transfer_enrollment(db, seat, person, cheaper)
    order = orders.order_for_enrollment(db, seat.id)
    assert order is not None
    (line,) = orders.order_lines(db, order.id)
    assert (line.session_id, line.refunded_cents) == (cheaper.id, 10000)
    assert "Seat: " in line.description and seat.session_id == cheaper.id


def test_a_coordinator_sets_the_address_invoices_are_sent_to(
    db: Session, client: TestClient
) -> None:
    staff, manager = h.coordinator(db), h.learner(db)
    org = h.organisation(db, coordinators=[manager])
    db.commit()
    log_in(client, staff.email)
    page = f"/orgs/{org.id}"
    post_form(
        client, f"{page}/address", {"address": "1 Harbour Way\r\n\r\nSeattle  WA"}, token_from=page
    )
    assert "invoice address" in client.get(page).text
    db.expire_all()
    assert db.get(type(org), org.id).address == "1 Harbour Way\nSeattle WA"
    post_form(client, f"{page}/address", {"address": "x" * 501}, token_from=page)
    assert "Keep the address under 500 characters." in client.get(page).text
    client.cookies.clear()
    log_in(client, manager.email)
    assert "1 Harbour Way, Seattle WA" in client.get(page).text
    refused = post_form(client, f"{page}/address", {"address": "mine"}, token_from=page)
    assert refused.status_code == 403
