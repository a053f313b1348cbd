"""Standalone sessions, edits, cancellation, facilitator clashes and in-house visibility."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, time

import pytest
from sqlalchemy.orm import Session

from app.accounts import organisations
from app.accounts.models import Role
from app.errors import Conflict, Invalid, NotFound
from app.scheduling import hooks, service, visibility
from tests.factories import make_organisation, make_user
from tests.hook_helpers import only_receiver
from tests.scheduling.factories import course_id, ensure_courses, make_session, make_venue


def _three_day(db: Session, **changes: object) -> service.SessionInput:
    ensure_courses(db)
    venue = make_venue(db)
    values: dict[str, object] = {
        "course_slug": "relationship-management",
        "format_id": "three-day",
        "starts_on": date(2027, 11, 24),
        "start_time": time(9),
        "end_time": time(17),
        "timezone": "America/New_York",
        "capacity": 16,
        "price_cents": 189000,
        "min_participants": 6,
        "go_no_go_on": date(2027, 11, 10),
        "venue_id": venue.id,
        "holiday_country": "US",
        **changes,
    }
    return service.SessionInput(**values)  # type: ignore[arg-type]


def test_a_three_day_session_skips_thanksgiving_and_the_weekend(db: Session) -> None:
    created = service.create_session(db, _three_day(db))
    assert [d.date for d in created.days] == [
        date(2027, 11, 24),
        date(2027, 11, 26),
        date(2027, 11, 29),
    ]
    assert (created.starts_on, created.ends_on) == (date(2027, 11, 24), date(2027, 11, 29))
    assert created.uid.endswith("@apex.example.com") and created.sequence == 0
    assert created.series_id is None and created.status == "scheduled"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format_id": "four-day"}, "has no four-day format (it offers: one-day, three-day)"),
        ({"course_slug": "trust-and-confidence"}, "has no three-day format"),
        ({"end_time": time(8)}, "end time must be after the start time"),
        ({"capacity": 0}, "Capacity must be at least 1"),
        ({"venue_id": None}, "Choose a venue or give an online link"),
        ({"venue_id": None, "online_url": "ftp://x"}, "starts with https://"),
        ({"timezone": "Somewhere/Else"}, "not a known time zone"),
        ({"go_no_go_on": date(2027, 12, 1)}, "go/no-go date must be on or before"),
        ({"price_cents": -5}, "price cannot be negative"),
    ],
)
def test_bad_sessions_are_refused(db: Session, changes: dict[str, object], message: str) -> None:
    with pytest.raises(Invalid) as caught:
        service.create_session(db, _three_day(db, **changes))
    assert message in caught.value.message


def test_an_online_session_needs_no_venue(db: Session) -> None:
    data = _three_day(db, venue_id=None, online_url="https://meet.example.com/apex")
    assert service.create_session(db, data).online_url == "https://meet.example.com/apex"


def test_changing_the_date_moves_every_day_and_bumps_the_sequence(db: Session) -> None:
    session = make_session(db, days=3, starts_on=date(2027, 2, 3), go_no_go_on=date(2027, 1, 27))
    changed = service.update_session(
        db, session, service.SessionChanges(starts_on=date(2027, 2, 10), capacity=12)
    )
    assert changed
    assert [d.date for d in session.days] == [
        date(2027, 2, 10),
        date(2027, 2, 11),
        date(2027, 2, 12),
    ]
    assert session.go_no_go_on == date(2027, 2, 3)
    assert (session.capacity, session.sequence) == (12, 1)
    assert not service.update_session(db, session, service.SessionChanges(capacity=12))
    assert session.sequence == 1


@pytest.fixture
def seats_taken() -> Iterator[dict[int, int]]:
    """FakeSeatCounts: stands in for enrolment's seat counts; restored after the test."""
    taken: dict[int, int] = {}

    def fake_seat_counts(db: Session, ids: Iterable[int]) -> dict[int, int]:
        return {i: taken.get(i, 0) for i in ids}

    with only_receiver(hooks.SEAT_COUNTS, fake_seat_counts):
        yield taken


def test_capacity_cannot_drop_below_the_seats_taken(
    db: Session, seats_taken: dict[int, int]
) -> None:
    session = make_session(db, capacity=20)
    seats_taken[session.id] = 15
    with pytest.raises(Conflict, match="15 seats are taken"):
        service.update_session(db, session, service.SessionChanges(capacity=10))
    service.update_session(db, session, service.SessionChanges(capacity=15))
    assert session.capacity == 15


def test_cancelling_sets_the_status_and_bumps_the_sequence(db: Session) -> None:
    session = make_session(db)
    service.cancel_session(db, session, "Too few participants")
    assert (session.status, session.cancel_reason, session.sequence) == (
        "cancelled",
        "Too few participants",
        1,
    )
    service.cancel_session(db, session, "again")
    assert session.sequence == 1
    with pytest.raises(Conflict):
        service.update_session(db, session, service.SessionChanges(capacity=3))


def test_a_facilitator_booked_on_overlapping_days_is_refused(db: Session) -> None:
    dana = make_user(db, name="Dana Reyes", roles={Role.FACILITATOR})
    three_day = make_session(
        db, course_slug="relationship-management", days=3, starts_on=date(2027, 1, 27)
    )
    service.assign_facilitator(db, three_day, dana)
    assert three_day.sequence == 1
    service.assign_facilitator(db, three_day, dana)  # twice is a no-op
    assert [p.id for p in service.facilitators(db, three_day.id)] == [dana.id]

    clash = make_session(db, course_slug="trust-and-confidence", starts_on=date(2027, 1, 29))
    with pytest.raises(Conflict) as caught:
        service.assign_facilitator(db, clash, dana)
    assert caught.value.message == (
        "Dana Reyes is already facilitating “Relationship Management for Technical "
        "Professionals” on Friday 29 January 2027, 09:00–17:00, which overlaps this session."
    )

    next_week = make_session(db, course_slug="trust-and-confidence", starts_on=date(2027, 2, 5))
    service.assign_facilitator(db, next_week, dana)
    with pytest.raises(Conflict, match="overlaps"):
        service.update_session(db, next_week, service.SessionChanges(starts_on=date(2027, 1, 28)))

    service.cancel_session(db, three_day, "Venue flooded")
    service.assign_facilitator(db, clash, dana)  # a cancelled session no longer binds her


def test_only_facilitators_can_be_assigned(db: Session) -> None:
    learner = make_user(db, name="Lee Learner")
    with pytest.raises(Invalid, match="Lee Learner does not have the facilitator role"):
        service.assign_facilitator(db, make_session(db), learner)


def test_removing_a_facilitator(db: Session) -> None:
    dana = make_user(db, roles={Role.FACILITATOR})
    session = make_session(db)
    service.assign_facilitator(db, session, dana)
    service.remove_facilitator(db, session, dana.id)
    assert service.facilitators(db, session.id) == []
    with pytest.raises(NotFound):
        service.remove_facilitator(db, session, dana.id)


def test_in_house_sessions_are_visible_only_to_their_organisation(db: Session) -> None:
    northwind = make_organisation(db, name="Northwind Engineering")
    member = make_user(db)
    organisations.add_member(db, northwind, email=member.email, coordinator=False)
    outsider = make_user(db)
    coordinator = make_user(db, roles={Role.COORDINATOR})
    public = make_session(db, starts_on=date(2027, 1, 29))
    private = make_session(db, starts_on=date(2027, 2, 5), organisation=northwind)
    make_session(db, starts_on=date(2027, 2, 12), status="cancelled")

    def ids(user: object, **filters: object) -> list[int]:
        found = visibility.visible_sessions(db, user, **filters)  # type: ignore[arg-type]
        return [s.id for s in found if s.id in {public.id, private.id}]

    assert ids(None) == [public.id]
    assert ids(outsider) == [public.id]
    assert ids(member) == [public.id, private.id]
    assert ids(coordinator) == [public.id, private.id]
    assert ids(member, date_from=date(2027, 2, 1)) == [private.id]
    assert ids(member, date_to=date(2027, 1, 31)) == [public.id]
    other_course = course_id(db, "trust-and-confidence")
    assert ids(member, course_id=other_course) == []

    assert visibility.get_visible_session(db, member, private.id) is private
    with pytest.raises(NotFound):
        visibility.get_visible_session(db, outsider, private.id)
    with pytest.raises(NotFound):
        visibility.get_visible_session(db, None, private.id)
