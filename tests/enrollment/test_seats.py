"""Taking a seat: held, confirmed or waitlisted, and every refusal with its reason."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.enrollment.models import Enrollment
from app.enrollment.seats import confirm_enrollment, take_seat
from app.errors import Conflict, NotFound
from app.learning.models import AccessGrant
from tests.enrollment import helpers as h


def _grants(db: Session, user_id: int, course_id: int) -> list[AccessGrant]:
    query = select(AccessGrant).where(
        AccessGrant.user_id == user_id, AccessGrant.course_id == course_id
    )
    return list(db.scalars(query))


def test_free_session_confirms_at_once_and_grants_online_access(db: Session) -> None:
    target = h.session(db, price_cents=0)
    person = h.learner(db)
    enrollment = take_seat(db, target, person)
    assert enrollment.status == "confirmed"
    assert enrollment.confirmed_at is not None
    assert enrollment.hold_expires_at is None
    grants = _grants(db, person.id, target.course_id)
    assert [g.source for g in grants] == ["enrolment"]


def test_paid_session_holds_the_seat_for_the_configured_minutes(db: Session) -> None:
    target = h.session(db, price_cents=49500)
    person = h.learner(db)
    before = utcnow()
    enrollment = take_seat(db, target, person)
    assert enrollment.status == "held"
    assert enrollment.hold_expires_at is not None
    minutes = (enrollment.hold_expires_at - before).total_seconds() / 60
    assert 29.9 < minutes <= 30.1
    assert _grants(db, person.id, target.course_id) == []  # no access before payment


def test_full_session_puts_the_next_learner_on_the_waitlist(db: Session) -> None:
    target = h.session(db, capacity=2, price_cents=0)
    h.fill(db, target, 2)
    late = take_seat(db, target, h.learner(db))
    assert late.status == "waitlisted"
    assert late.waitlisted_at is not None
    assert h.statuses(db, target.id) == {"confirmed": 2, "waitlisted": 1}


def test_live_holds_count_as_taken_seats_and_expired_ones_do_not(db: Session) -> None:
    target = h.session(db, capacity=1, price_cents=100)
    first = take_seat(db, target, h.learner(db))
    assert first.status == "held"
    assert take_seat(db, target, h.learner(db)).status == "waitlisted"
    # Once the hold has run out, the seat goes to the first in line, not to a newcomer.
    later = utcnow() + timedelta(minutes=31)
    newcomer = take_seat(db, target, h.learner(db), now=later)
    assert newcomer.status == "waitlisted"
    assert h.statuses(db, target.id) == {"expired": 1, "offered": 1, "waitlisted": 1}


@pytest.mark.parametrize("first_status", ["confirmed", "held", "waitlisted"])
def test_second_booking_by_the_same_person_is_refused(db: Session, first_status: str) -> None:
    price, capacity = {"confirmed": (0, 5), "held": (100, 5), "waitlisted": (0, 1)}[first_status]
    target = h.session(db, price_cents=price, capacity=capacity)
    if first_status == "waitlisted":
        h.fill(db, target, 1)
    person = h.learner(db)
    assert take_seat(db, target, person).status == first_status
    with pytest.raises(Conflict, match="already"):
        take_seat(db, target, person)
    assert h.statuses(db, target.id).get(first_status) == 1


def test_cancelled_and_started_sessions_take_no_bookings(db: Session) -> None:
    cancelled = h.session(db, status="cancelled")
    with pytest.raises(Conflict, match="cancelled"):
        take_seat(db, cancelled, h.learner(db))
    running = h.session(db, starts_on=date.today() - timedelta(days=3))
    with pytest.raises(Conflict, match="already started"):
        take_seat(db, running, h.learner(db))
    assert h.statuses(db, cancelled.id) == {} and h.statuses(db, running.id) == {}


def test_in_house_session_is_invisible_to_outsiders_and_bookable_by_members(db: Session) -> None:
    member, outsider = h.learner(db), h.learner(db)
    org = h.organisation(db, members=[member])
    private = h.session(db, organisation=org, price_cents=0)
    with pytest.raises(NotFound):
        take_seat(db, private, outsider)
    assert take_seat(db, private, member).status == "confirmed"


def test_coordinator_cannot_place_a_non_member_on_an_in_house_session(db: Session) -> None:
    org = h.organisation(db)
    private = h.session(db, organisation=org)
    staff = h.coordinator(db)
    outsider = h.learner(db)
    with pytest.raises(Conflict, match="not a member"):
        take_seat(db, private, outsider, source="coordinator", created_by=staff)


def test_invoice_customers_are_confirmed_without_payment(db: Session) -> None:
    person = h.learner(db)
    org = h.organisation(db, members=[person])
    h.seat_pack(db, org)
    target = h.session(db, price_cents=49500)
    enrollment = take_seat(db, target, person)
    assert enrollment.status == "confirmed"
    assert len(_grants(db, person.id, target.course_id)) == 1


def test_an_expired_seat_pack_does_not_make_an_invoice_customer(db: Session) -> None:
    person = h.learner(db)
    org = h.organisation(db, members=[person])
    old = date.today() - timedelta(days=400)
    h.seat_pack(db, org, valid_from=old, valid_until=old + timedelta(days=30))
    assert take_seat(db, h.session(db, price_cents=100), person).status == "held"


def test_confirm_enrollment_is_idempotent_and_grants_access_once(db: Session) -> None:
    target = h.session(db, price_cents=100)
    person = h.learner(db)
    enrollment = take_seat(db, target, person)
    confirm_enrollment(db, enrollment)
    again = confirm_enrollment(db, enrollment)
    assert again.status == "confirmed" and again.hold_expires_at is None
    assert len(_grants(db, person.id, target.course_id)) == 1


def test_late_payment_confirms_only_while_a_seat_is_free(db: Session) -> None:
    target = h.session(db, capacity=1, price_cents=100)
    held = take_seat(db, target, h.learner(db))
    later = utcnow() + timedelta(hours=1)
    assert confirm_enrollment(db, held, now=later).status == "confirmed"  # seat still free

    other = h.session(db, capacity=1, price_cents=100)
    lapsed = take_seat(db, other, h.learner(db))
    take_seat(db, other, h.learner(db), now=later)  # a newcomer takes the freed seat
    with pytest.raises(Conflict, match="full"):
        confirm_enrollment(db, lapsed, now=later)
    assert h.statuses(db, other.id) == {"expired": 1, "held": 1}


def test_enrolments_record_source_and_creator(db: Session) -> None:
    staff = h.coordinator(db)
    person = h.learner(db)
    target = h.session(db, price_cents=100)
    enrollment = take_seat(db, target, person, source="coordinator", created_by=staff)
    assert enrollment.status == "confirmed"  # a coordinator's enrolment is invoiced
    stored = db.get(Enrollment, enrollment.id)
    assert stored is not None and stored.created_by_id == staff.id
    assert stored.source == "coordinator"
