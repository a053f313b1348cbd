"""Series: creation materialises sessions, extend is idempotent, edits spare sessions in use."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.enrollment.models import Enrollment
from app.errors import Invalid
from app.scheduling import series as series_service
from app.scheduling.materialise import REMOVED_FROM_SERIES, load_series_sessions
from app.scheduling.models import CourseSession, Series
from app.scheduling.schemas import SeriesCreate, SeriesUpdate
from app.scheduling.sessions import cancel_session
from tests.factories import make_organisation, make_user
from tests.scheduling.factories import course_id, ensure_courses, make_series, make_venue

TODAY = date(2026, 11, 26)
THREE = ("client-expectations", "status-communication", "trust-and-confidence")


def _by_date(sessions: list[CourseSession]) -> dict[date, list[CourseSession]]:
    grouped: dict[date, list[CourseSession]] = {}
    for session in sessions:
        grouped.setdefault(session.starts_on, []).append(session)
    return grouped


def _enrol(db: Session, session: CourseSession, status: str = "confirmed") -> Enrollment:
    """A real enrolment row, so the real ``sessions_in_use`` (wired by create_app) sees it."""
    learner = make_user(db)
    enrollment = Enrollment(session_id=session.id, user_id=learner.id, status=status)
    db.add(enrollment)
    db.flush()
    return enrollment


def _input(db: Session, **changes: object) -> SeriesCreate:
    ensure_courses(db)
    base = SeriesCreate(
        title="APEX Last Friday",
        rrule="last-friday",
        timezone="America/New_York",
        starts_on=date(2026, 12, 1),
        start_time=time(9),
        end_time=time(17),
        courses=list(THREE),
        capacity=20,
        holiday_country="US",
        holiday_policy="previous",
    )
    # Not validated: bad values must reach the service, which words the refusals.
    return base.model_copy(update=changes)


def test_creating_a_series_materialises_twelve_months_of_each_track(db: Session) -> None:
    venue = make_venue(db)
    created = make_series(db, venue=venue, materialise_from=TODAY)
    sessions = load_series_sessions(db, created.id)
    assert len(sessions) == 36
    assert created.materialised_until == date(2027, 11, 26)
    by_date = _by_date(sessions)
    assert len(by_date) == 12 and all(len(group) == 3 for group in by_date.values())
    assert min(by_date) == date(2026, 12, 24)  # Christmas moved to the previous business day
    assert max(by_date) == date(2027, 11, 26)
    christmas = by_date[date(2026, 12, 24)]
    assert {s.course_id for s in christmas} == {course_id(db, slug) for slug in THREE}
    first = christmas[0]
    assert first.occurrence_date == date(2026, 12, 25)
    assert first.uid == f"series-{created.id}-t1-20261225@apex.example.com"
    assert first.sequence == 0 and first.status == "scheduled"
    assert first.go_no_go_on == date(2026, 12, 17)
    assert [d.date for d in first.days] == [date(2026, 12, 24)]
    assert first.venue_id == venue.id and first.organisation_id is None
    assert (first.capacity, first.price_cents, first.timezone) == (20, 49500, "America/New_York")
    assert len({s.uid for s in sessions}) == 36


def test_a_three_day_series_runs_over_consecutive_business_days(db: Session) -> None:
    created = make_series(
        db,
        course_slugs=["relationship-management"],
        format_id="three-day",
        materialise_from=TODAY,
        horizon_months=3,
    )
    sessions = load_series_sessions(db, created.id)
    assert [[d.date for d in s.days] for s in sessions] == [
        [date(2026, 12, 24), date(2026, 12, 28), date(2026, 12, 29)],
        [date(2027, 1, 29), date(2027, 2, 1), date(2027, 2, 2)],
        [date(2027, 2, 26), date(2027, 3, 1), date(2027, 3, 2)],
    ]
    assert sessions[0].ends_on == date(2026, 12, 29)


def test_an_in_house_series_carries_its_organisation(db: Session) -> None:
    client = make_organisation(db)
    created = make_series(db, organisation=client, materialise_from=TODAY, horizon_months=2)
    assert created.organisation_id == client.id
    assert {s.organisation_id for s in load_series_sessions(db, created.id)} == {client.id}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"courses": []}, "Choose 1 to 3 courses"),
        ({"courses": [*THREE, "relationship-management"]}, "Choose 1 to 3 courses"),
        ({"courses": ["trust-and-confidence"] * 2}, "a course is listed twice"),
        ({"courses": ["underwater-basket-weaving"]}, "no course 'underwater-basket-weaving'"),
        ({"format_id": "three-day"}, "has no three-day format"),
        ({"capacity": 0}, "Capacity must be at least 1"),
        ({"price_cents": -1}, "Prices cannot be negative"),
        ({"end_time": time(9)}, "end time must be after the start time"),
        ({"organisation_id": 987654}, "no organisation 987654"),
        ({"venue_id": 987654}, "no venue 987654"),
        ({"timezone": "Europe/Atlantis"}, "not a known time zone"),
        ({"rrule": "FREQ=FORTNIGHTLY"}, "not a valid RRULE"),
        ({"holiday_country": "QQ"}, "not a country with known holidays"),
        ({"holiday_policy": "maybe"}, "Holiday policy must be one of"),
        ({"title": "  "}, "Give the series a title"),
        ({"currency": "dollars"}, "three-letter code"),
        ({"min_participants": 21}, "between 0 and the capacity"),
        ({"horizon_months": 99}, "horizon is 1 to 36 months"),
    ],
)
def test_bad_series_are_refused_and_nothing_is_written(
    db: Session, changes: dict[str, object], message: str
) -> None:
    before = db.scalar(select(func.count()).select_from(Series))
    with pytest.raises(Invalid) as caught:
        series_service.create_series(db, _input(db, **changes), today=TODAY)
    assert message in caught.value.message
    assert db.scalar(select(func.count()).select_from(Series)) == before


def test_extend_moves_the_horizon_and_never_duplicates(db: Session) -> None:
    created = make_series(db, materialise_from=TODAY, horizon_months=6)
    assert len(load_series_sessions(db, created.id)) == 15  # Dec to Apr: May 28 is past May 26
    added = series_service.extend_series(db, created, months=12, today=TODAY)
    assert len(added) == 21
    assert created.materialised_until == date(2027, 11, 26)
    assert series_service.extend_series(db, created, months=12, today=TODAY) == []
    results = series_service.extend_all(db, until=date(2027, 11, 26), today=TODAY)
    assert [(s.id, made) for s, made in results if s.id == created.id] == [(created.id, [])]
    sessions = load_series_sessions(db, created.id)
    assert len(sessions) == 36
    keys = {(s.track_position, s.occurrence_date) for s in sessions}
    assert len(keys) == 36


def test_extend_all_ignores_inactive_series(db: Session) -> None:
    created = make_series(db, materialise_from=TODAY, horizon_months=1)
    created.is_active = False
    results = series_service.extend_all(db, months=12, today=TODAY)
    assert created.id not in {s.id for s, _ in results}


@pytest.mark.usefixtures("app")  # create_app wires the real sessions_in_use
def test_an_edit_changes_future_sessions_but_not_those_with_enrolments(db: Session) -> None:
    created = make_series(db, materialise_from=TODAY)
    january = _by_date(load_series_sessions(db, created.id))[date(2027, 1, 29)]
    busy = january[0]
    _enrol(db, busy)
    _enrol(db, january[1], status="cancelled")  # a cancelled enrolment leaves a session free
    room = make_venue(db)

    result = series_service.update_series(
        db,
        created,
        SeriesUpdate(start_time=time(10), capacity=24, venue_id=room.id),
        today=TODAY,
    )

    assert result.not_changed == [busy]
    assert len(result.changed) == 35 and not result.created and not result.cancelled
    db.refresh(busy)
    assert (busy.start_time, busy.capacity, busy.sequence) == (time(9), 20, 0)
    for session in result.changed:
        assert (session.start_time, session.capacity, session.venue_id) == (time(10), 24, room.id)
        assert session.sequence == 1
    assert created.default_capacity == 24


@pytest.mark.usefixtures("app")
def test_a_new_rule_cancels_vanished_dates_and_creates_the_new_ones(db: Session) -> None:
    created = make_series(db, materialise_from=TODAY, horizon_months=3)
    old = load_series_sessions(db, created.id)
    busy = old[0]
    _enrol(db, busy, status="waitlisted")

    result = series_service.update_series(
        db, created, SeriesUpdate(rrule="first-tuesday"), today=TODAY
    )

    assert result.not_changed == [busy]
    assert len(result.cancelled) == 8
    assert all(s.cancel_reason == REMOVED_FROM_SERIES and s.sequence == 1 for s in result.cancelled)
    assert {s.starts_on for s in result.created} == {
        date(2026, 12, 1),
        date(2027, 1, 5),
        date(2027, 2, 2),
    }
    assert busy.status == "scheduled"


@pytest.mark.usefixtures("app")
def test_dropping_a_track_cancels_its_free_sessions(db: Session) -> None:
    created = make_series(db, materialise_from=TODAY, horizon_months=3)
    result = series_service.update_series(
        db, created, SeriesUpdate(courses=list(THREE[:2])), today=TODAY
    )
    assert {s.track_position for s in result.cancelled} == {3}
    assert len(result.cancelled) == 3
    assert len(created.tracks) == 2


@pytest.mark.usefixtures("app")
def test_an_edit_never_touches_past_sessions_nor_revives_a_cancelled_one(db: Session) -> None:
    created = make_series(db, materialise_from=TODAY, horizon_months=4)
    sessions = load_series_sessions(db, created.id)
    past = sessions[0]  # 2026-12-24, in the past once "today" is March 2027
    called_off = sessions[-1]
    cancel_session(db, called_off, "Facilitator ill")
    result = series_service.update_series(
        db, created, SeriesUpdate(end_time=time(16, 30)), today=date(2027, 3, 1)
    )
    assert past not in result.changed and past.end_time == time(17)
    assert called_off not in result.changed and called_off.status == "cancelled"
    assert {s.starts_on for s in result.changed} == {date(2027, 3, 26)}


@pytest.mark.usefixtures("app")
def test_exceptions_apply_at_once(db: Session) -> None:
    created = make_series(db, materialise_from=TODAY, horizon_months=4)

    cancelled = series_service.add_exception(
        db, created, "cancel", date(2027, 1, 29), note="Venue closed", today=TODAY
    )
    assert {s.starts_on for s in cancelled.cancelled} == {date(2027, 1, 29)}
    assert len(cancelled.cancelled) == 3

    moved = series_service.add_exception(
        db, created, "move", date(2027, 2, 26), date(2027, 2, 25), today=TODAY
    )
    assert len(moved.changed) == 3
    for session in moved.changed:
        assert session.starts_on == date(2027, 2, 25) and session.sequence == 1
        assert session.uid.endswith(
            "-20270226@apex.example.com"
        )  # the UID stays with the rule's date

    added = series_service.add_exception(
        db, created, "add", None, date(2027, 3, 5), note="Extra date", today=TODAY
    )
    assert {s.starts_on for s in added.created} == {date(2027, 3, 5)}
    assert len(created.exceptions) == 3


@pytest.mark.usefixtures("app")
def test_an_exception_on_a_session_in_use_is_reported(db: Session) -> None:
    created = make_series(db, materialise_from=TODAY, horizon_months=3)
    busy = _by_date(load_series_sessions(db, created.id))[date(2027, 1, 29)][2]
    _enrol(db, busy)
    result = series_service.add_exception(db, created, "cancel", date(2027, 1, 29), today=TODAY)
    assert result.not_changed == [busy] and len(result.cancelled) == 2
    assert busy.status == "scheduled"


@pytest.mark.parametrize(
    ("kind", "original", "new", "message"),
    [
        ("cancel", date(2027, 1, 28), None, "2027-01-28 is not a date of this series"),
        ("move", date(2027, 1, 29), None, "Give the new date"),
        ("add", None, date(2027, 1, 29), "2027-01-29 is already a date of this series"),
        ("add", None, date(2026, 11, 1), "2026-11-01 is in the past"),
        ("postpone", date(2027, 1, 29), None, "An exception is one of cancel, move, add"),
    ],
)
def test_bad_exceptions_are_refused(
    db: Session, kind: str, original: date | None, new: date | None, message: str
) -> None:
    created = make_series(db, materialise_from=TODAY, horizon_months=3)
    with pytest.raises(Invalid) as caught:
        series_service.add_exception(db, created, kind, original, new, today=TODAY)
    assert message in caught.value.message
    assert created.exceptions == []
