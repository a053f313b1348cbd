"""Seat packs (validity, course, usage, release); programmes are in test_programmes.py."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.enrollment.models import Enrollment
from app.enrollment.payers import used_seats
from app.enrollment.seat_packs import (
    assign_seat,
    create_seat_pack,
    pack_usages,
    release_assignment,
)
from app.errors import Conflict, Forbidden, Invalid, NotFound
from tests.enrollment import helpers as h


def _user_enrollments(db: Session, user_id: int) -> list[Enrollment]:
    return list(db.scalars(select(Enrollment).where(Enrollment.user_id == user_id)))


def test_coordinators_create_seat_packs_with_checked_input(db: Session) -> None:
    staff = h.coordinator(db)
    org = h.organisation(db)
    today = date.today()
    pack = create_seat_pack(
        db,
        staff,
        organisation_id=org.id,
        seats=10,
        course_id=None,
        valid_from=today,
        valid_until=today + timedelta(days=90),
    )
    assert pack.seats == 10 and pack.created_by_id == staff.id
    with pytest.raises(Invalid):
        create_seat_pack(
            db,
            staff,
            organisation_id=org.id,
            seats=0,
            course_id=None,
            valid_from=today,
            valid_until=today,
        )
    with pytest.raises(Invalid):
        create_seat_pack(
            db,
            staff,
            organisation_id=org.id,
            seats=5,
            course_id=None,
            valid_from=today,
            valid_until=today - timedelta(days=1),
        )
    with pytest.raises(Forbidden):
        create_seat_pack(
            db,
            h.learner(db),
            organisation_id=org.id,
            seats=5,
            course_id=None,
            valid_from=today,
            valid_until=today,
        )


def test_assigning_pack_seats_counts_usage_and_release_frees_them(db: Session) -> None:
    employees = [h.learner(db) for _ in range(3)]
    org_coord = h.learner(db)
    org = h.organisation(db, members=employees, coordinators=[org_coord])
    pack = h.seat_pack(db, org, seats=2)
    target = h.session(db, price_cents=49500)
    first = assign_seat(
        db, pack, employee_email=employees[0].email, session=target, acting=org_coord
    )
    assert first.status == "confirmed" and first.seat_pack_id == pack.id
    assign_seat(db, pack, employee_email=employees[1].email, session=target, acting=org_coord)
    with pytest.raises(Conflict, match="All 2 seats"):
        assign_seat(db, pack, employee_email=employees[2].email, session=target, acting=org_coord)
    assert used_seats(db, pack.id) == 2
    (usage,) = pack_usages(db, [org.id])
    assert (usage.used, usage.unused) == (2, 0)
    assert {a.person.id for a in usage.assignments} == {employees[0].id, employees[1].id}

    release_assignment(db, first, org_coord)
    assert used_seats(db, pack.id) == 1
    third = assign_seat(
        db, pack, employee_email=employees[2].email, session=target, acting=org_coord
    )
    assert third.status == "confirmed"


def test_pack_seats_respect_course_validity_and_membership(db: Session) -> None:
    employee, outsider, org_coord = h.learner(db), h.learner(db), h.learner(db)
    org = h.organisation(db, members=[employee], coordinators=[org_coord])
    pack = h.seat_pack(
        db,
        org,
        course_slug="client-expectations",
        valid_until=date.today() + timedelta(days=40),
    )
    wrong_course = h.session(db, course_slug="trust-and-confidence")
    too_late = h.session(
        db, course_slug="client-expectations", starts_on=date.today() + timedelta(days=60)
    )
    fits = h.session(db, course_slug="client-expectations")
    with pytest.raises(Conflict, match="another course"):
        assign_seat(db, pack, employee_email=employee.email, session=wrong_course, acting=org_coord)
    with pytest.raises(Conflict, match="outside the pack"):
        assign_seat(db, pack, employee_email=employee.email, session=too_late, acting=org_coord)
    with pytest.raises(Invalid, match="No member"):
        assign_seat(db, pack, employee_email=outsider.email, session=fits, acting=org_coord)
    with pytest.raises(NotFound):
        assign_seat(db, pack, employee_email=employee.email, session=fits, acting=h.learner(db))
    assert used_seats(db, pack.id) == 0
    assign_seat(db, pack, employee_email=employee.email, session=fits, acting=org_coord)
    assert used_seats(db, pack.id) == 1


def test_a_pack_seat_is_refused_on_a_full_session(db: Session) -> None:
    employee, org_coord = h.learner(db), h.learner(db)
    org = h.organisation(db, members=[employee], coordinators=[org_coord])
    pack = h.seat_pack(db, org)
    full = h.session(db, capacity=1, price_cents=0)
    h.fill(db, full, 1)
    with pytest.raises(Conflict, match="is full"):
        assign_seat(db, pack, employee_email=employee.email, session=full, acting=org_coord)
    assert used_seats(db, pack.id) == 0 and h.statuses(db, full.id) == {"confirmed": 1}
