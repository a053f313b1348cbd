"""Cancel and transfer until the cut-off; coordinators enrol, move and cancel anyone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.enrollment.changes import (
    cancel_enrollment,
    cancel_session_enrollments,
    coordinator_cancel,
    coordinator_enrol,
    coordinator_move,
    transfer_enrollment,
)
from app.enrollment.models import Enrollment, Reminder
from app.enrollment.rules import change_cutoff
from app.enrollment.seats import take_seat
from app.errors import Conflict, Invalid, NotFound
from app.formatting import local_time
from tests.enrollment import helpers as h


def _fresh(db: Session, enrollment: Enrollment) -> Enrollment:
    found = db.get(Enrollment, enrollment.id, populate_existing=True)
    assert found is not None
    return found


def test_cancel_frees_the_seat_and_offers_it_to_the_first_in_line(db: Session) -> None:
    target = h.session(db, capacity=1, price_cents=0)
    person = h.learner(db)
    seat = take_seat(db, target, person)
    waiting = take_seat(db, target, h.learner(db))
    cancel_enrollment(db, seat, person)
    assert _fresh(db, seat).status == "cancelled" and seat.cancelled_at is not None
    assert _fresh(db, waiting).status == "offered"


def test_learners_cannot_cancel_a_confirmed_seat_after_the_cutoff(db: Session) -> None:
    soon = h.session(db, starts_on=date.today() + timedelta(days=3), price_cents=0)
    person = h.learner(db)
    seat = take_seat(db, soon, person)
    with pytest.raises(Conflict, match="closed on") as refused:
        cancel_enrollment(db, seat, person)
    assert local_time(change_cutoff(soon), soon.timezone) in refused.value.message
    assert _fresh(db, seat).status == "confirmed"


def test_the_cutoff_is_seven_days_before_the_start(db: Session) -> None:
    target = h.session(db, price_cents=0)
    person = h.learner(db)
    seat = take_seat(db, target, person)
    cutoff = change_cutoff(target)
    with pytest.raises(Conflict):
        cancel_enrollment(db, seat, person, now=cutoff + timedelta(minutes=1))
    assert cancel_enrollment(db, seat, person, now=cutoff - timedelta(minutes=1)).status == (
        "cancelled"
    )


def test_a_waitlist_place_can_be_left_after_the_cutoff(db: Session) -> None:
    soon = h.session(db, starts_on=date.today() + timedelta(days=2), capacity=1, price_cents=0)
    h.fill(db, soon, 1)
    person = h.learner(db)
    waiting = take_seat(db, soon, person)
    assert cancel_enrollment(db, waiting, person).status == "cancelled"


def test_nobody_cancels_someone_elses_booking(db: Session) -> None:
    target = h.session(db, price_cents=0)
    seat = take_seat(db, target, h.learner(db))
    with pytest.raises(NotFound):
        cancel_enrollment(db, seat, h.learner(db))
    with pytest.raises(NotFound):
        coordinator_cancel(db, seat, h.learner(db))
    assert _fresh(db, seat).status == "confirmed"


def test_transfer_moves_the_seat_and_frees_the_old_one(db: Session) -> None:
    old = h.session(db, capacity=1, price_cents=0)
    new = h.session(db, starts_on=date.today() + timedelta(days=60), price_cents=0)
    person = h.learner(db)
    seat = take_seat(db, old, person)
    db.add(Reminder(enrollment_id=seat.id, kind="3-days"))
    db.flush()
    waiting = take_seat(db, old, h.learner(db))
    moved = transfer_enrollment(db, seat, person, new)
    assert moved.session_id == new.id and moved.status == "confirmed"
    assert _fresh(db, waiting).status == "offered"  # the seat left behind goes to the line
    reminders = db.scalars(select(Reminder).where(Reminder.enrollment_id == seat.id)).all()
    assert reminders == []  # the new dates get their own reminders


def test_transfer_needs_a_free_seat_the_same_course_and_the_cutoff(db: Session) -> None:
    old = h.session(db, price_cents=0)
    full = h.session(db, capacity=1, starts_on=date.today() + timedelta(days=40), price_cents=0)
    h.fill(db, full, 1)
    other_course = h.session(db, course_slug="client-expectations", price_cents=0)
    person = h.learner(db)
    seat = take_seat(db, old, person)
    with pytest.raises(Conflict, match="full"):
        transfer_enrollment(db, seat, person, full)
    with pytest.raises(Conflict, match="different course"):
        transfer_enrollment(db, seat, person, other_course)
    with pytest.raises(Invalid):
        transfer_enrollment(db, seat, person, old)
    later = h.session(db, starts_on=date.today() + timedelta(days=90), price_cents=0)
    with pytest.raises(Conflict, match="closed on"):
        transfer_enrollment(db, seat, person, later, now=change_cutoff(old) + timedelta(hours=1))
    assert _fresh(db, seat).session_id == old.id
    assert h.statuses(db, full.id) == {"confirmed": 1}


def test_transfer_refuses_a_waitlist_place(db: Session) -> None:
    old = h.session(db, capacity=1, price_cents=0)
    h.fill(db, old, 1)
    person = h.learner(db)
    waiting = take_seat(db, old, person)
    with pytest.raises(Conflict, match="confirmed or held"):
        transfer_enrollment(db, waiting, person, h.session(db, price_cents=0))


def test_coordinator_enrols_by_email_confirmed_even_on_a_paid_session(db: Session) -> None:
    staff = h.coordinator(db)
    target = h.session(db, price_cents=49500)
    person = h.learner(db)
    enrollment = coordinator_enrol(db, target, person.email.upper(), staff)
    assert enrollment.status == "confirmed" and enrollment.created_by_id == staff.id
    with pytest.raises(NotFound, match="no account"):
        coordinator_enrol(db, target, "nobody@example.com", staff)


def test_a_learner_cannot_use_the_coordinator_enrolment(db: Session) -> None:
    target = h.session(db)
    with pytest.raises(NotFound):
        coordinator_enrol(db, target, h.learner(db).email, h.learner(db))


def test_coordinator_move_ignores_the_cutoff_but_never_overbooks(db: Session) -> None:
    staff = h.coordinator(db)
    soon = h.session(db, starts_on=date.today() + timedelta(days=2), price_cents=0)
    full = h.session(db, capacity=1, price_cents=0)
    h.fill(db, full, 1)
    person = h.learner(db)
    seat = take_seat(db, soon, person)
    with pytest.raises(Conflict, match="full"):
        coordinator_move(db, seat, full, staff)
    assert h.statuses(db, full.id) == {"confirmed": 1}
    roomy = h.session(db, starts_on=date.today() + timedelta(days=50), price_cents=0)
    moved = coordinator_move(db, seat, roomy, staff)
    assert moved.session_id == roomy.id and moved.status == "confirmed"


def test_coordinator_move_gives_a_waitlisted_person_a_confirmed_seat(db: Session) -> None:
    staff = h.coordinator(db)
    full = h.session(db, capacity=1, price_cents=100)
    h.fill(db, full, 1)
    person = h.learner(db)
    waiting = take_seat(db, full, person)
    roomy = h.session(db, starts_on=date.today() + timedelta(days=50), price_cents=100)
    moved = coordinator_move(db, waiting, roomy, staff)
    assert (moved.session_id, moved.status) == (roomy.id, "confirmed")


def test_organisation_coordinators_manage_their_members_only(db: Session) -> None:
    member, outsider, org_coord = h.learner(db), h.learner(db), h.learner(db)
    h.organisation(db, members=[member], coordinators=[org_coord])
    public = h.session(db, price_cents=0)
    enrolled = coordinator_enrol(db, public, member.email, org_coord)
    assert enrolled.status == "confirmed"
    with pytest.raises(NotFound):
        coordinator_enrol(db, public, outsider.email, org_coord)
    stranger = take_seat(db, public, outsider)
    with pytest.raises(NotFound):
        coordinator_cancel(db, stranger, org_coord)
    assert coordinator_cancel(db, enrolled, org_coord).status == "cancelled"


def test_organisation_coordinator_manages_everyone_on_their_in_house_session(
    db: Session,
) -> None:
    member, org_coord = h.learner(db), h.learner(db)
    org = h.organisation(db, members=[member], coordinators=[org_coord])
    private = h.session(db, organisation=org, price_cents=0)
    seat = take_seat(db, private, member)
    assert coordinator_cancel(db, seat, org_coord, now=utcnow()).status == "cancelled"
    other_org_coord = h.learner(db)
    h.organisation(db, coordinators=[other_org_coord])
    again = take_seat(db, private, member)
    with pytest.raises(NotFound):
        coordinator_cancel(db, again, other_org_coord)


def test_cancelling_a_session_cancels_everyone_on_it(db: Session) -> None:
    target = h.session(db, capacity=1, price_cents=0)
    h.fill(db, target, 1)
    take_seat(db, target, h.learner(db))
    target.status = "cancelled"
    cancelled = cancel_session_enrollments(db, target)
    assert len(cancelled) == 2
    assert h.statuses(db, target.id) == {"cancelled": 2}
