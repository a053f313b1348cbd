"""One overlap rule for venues and facilitators: same instants, not just the same dates.

A venue is a building: the parallel tracks of one series date share it by design (each
in its own room), every other session there at overlapping hours is refused. Online
sessions and cancelled ones never clash.
"""

from __future__ import annotations

from datetime import date, time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.errors import Conflict
from app.scheduling import service
from app.scheduling.models import CourseSession, Series, Venue
from tests.enrollment.helpers import fast_courses
from tests.factories import log_in, make_user, post_form
from tests.scheduling.factories import make_series, make_session, make_venue

FRIDAY = date(2027, 2, 26)
IN_THE_WAY = "“Client expectations” on Friday 26 February 2027, 09:00–16:30"


def _standalone(
    venue: Venue | None,
    start: time,
    end: time,
    *,
    on: date = FRIDAY,
    tz: str = "America/New_York",
    slug: str = "status-communication",
) -> service.SessionInput:
    return service.SessionInput(
        course_slug=slug,
        format_id="one-day",
        starts_on=on,
        start_time=start,
        end_time=end,
        timezone=tz,
        capacity=10,
        venue_id=venue.id if venue is not None else None,
        online_url=None if venue is not None else "https://meet.example.com/apex",
    )


def _in_the_way(db: Session, venue: Venue | None = None, **kwargs: object) -> CourseSession:
    """“Client expectations” on Friday 26 February 2027, 09:00–16:30 (New York)."""
    fast_courses(db)
    return make_session(
        db,
        course_slug="client-expectations",
        starts_on=FRIDAY,
        start_time=time(9),
        end_time=time(16, 30),
        venue=venue,
        **kwargs,  # type: ignore[arg-type]
    )


def _count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


# --- venues ------------------------------------------------------------------------


def test_a_venue_is_not_booked_twice_at_overlapping_hours(db: Session) -> None:
    room = make_venue(db, name="Training Room A")
    _in_the_way(db, room)
    with pytest.raises(Conflict) as caught:
        service.create_session(db, _standalone(room, time(16), time(18)))
    assert caught.value.message == (
        f"Training Room A is already booked for {IN_THE_WAY}, which overlaps this session."
    )
    assert _count(db, CourseSession) == 1


def test_the_same_venue_and_date_at_other_hours_is_allowed(db: Session) -> None:
    fast_courses(db)
    room = make_venue(db)
    service.create_session(db, _standalone(room, time(8), time(10)))
    service.create_session(db, _standalone(room, time(13), time(15), slug="client-expectations"))
    service.create_session(db, _standalone(room, time(10), time(12), slug="trust-and-confidence"))
    assert _count(db, CourseSession) == 3


def test_venue_hours_are_compared_as_instants(db: Session) -> None:
    room = make_venue(db, name="Atlantic Suite")
    _in_the_way(db, room)  # 09:00–16:30 New York is 14:00–21:30 in London (GMT)
    with pytest.raises(Conflict) as caught:
        service.create_session(db, _standalone(room, time(20), time(22), tz="Europe/London"))
    assert caught.value.message == (
        f"Atlantic Suite is already booked for {IN_THE_WAY} (America/New_York), "
        "which overlaps this session."
    )
    # 09:00–13:00 in London ends at 08:00 in New York: before the other one begins.
    service.create_session(db, _standalone(room, time(9), time(13), tz="Europe/London"))


def test_cancelled_and_online_sessions_never_clash(db: Session) -> None:
    room = make_venue(db)
    _in_the_way(db, room, status="cancelled")
    service.create_session(db, _standalone(room, time(9), time(17)))
    _in_the_way(db, online_url="https://meet.example.com/one")
    service.create_session(db, _standalone(None, time(9), time(17)))
    service.create_session(db, _standalone(None, time(9), time(17), slug="trust-and-confidence"))


def test_moving_a_session_into_a_booked_venue_is_refused(db: Session) -> None:
    room, other_room = make_venue(db, name="Room North"), make_venue(db)
    _in_the_way(db, room)
    moving = make_session(db, starts_on=date(2027, 3, 5), venue=room)
    with pytest.raises(Conflict, match=f"Room North is already booked for {IN_THE_WAY}"):
        service.update_session(db, moving, service.SessionChanges(starts_on=FRIDAY))
    elsewhere = make_session(db, starts_on=FRIDAY, start_time=time(9), venue=other_room)
    with pytest.raises(Conflict, match=f"Room North is already booked for {IN_THE_WAY}"):
        service.update_session(db, elsewhere, service.SessionChanges(venue_id=room.id))
    # Only the hours that overlap are refused: the afternoon after it is free.
    afternoon = service.SessionChanges(start_time=time(16, 30), end_time=time(18), venue_id=room.id)
    assert service.update_session(db, elsewhere, afternoon)


def test_a_series_tracks_share_their_building_but_nothing_else_does(db: Session) -> None:
    fast_courses(db)
    centre = make_venue(db, name="APEX Training Centre")
    series = make_series(db, starts_on=date(2027, 1, 1), horizon_months=2, venue=centre)
    tracks = db.scalars(
        select(CourseSession).where(
            CourseSession.series_id == series.id, CourseSession.starts_on == date(2027, 1, 29)
        )
    ).all()
    assert len(tracks) == 3 and {t.venue_id for t in tracks} == {centre.id}
    with pytest.raises(Conflict) as caught:
        service.create_session(db, _standalone(centre, time(12), time(13), on=date(2027, 1, 29)))
    assert caught.value.message.startswith(
        "APEX Training Centre is already booked for “Client expectations” on Friday "
        "29 January 2027, 09:00–17:00"
    )
    # A second series in the same building at the same hours is refused whole.
    with pytest.raises(Conflict, match="APEX Training Centre is already booked for"):
        make_series(db, title="Clash", starts_on=date(2027, 1, 1), horizon_months=2, venue=centre)


def test_a_series_that_would_double_book_a_room_shows_why_on_its_form(
    client: TestClient, db: Session
) -> None:
    fast_courses(db)
    room = make_venue(db, name="Room Seven")
    _in_the_way(db, room)  # the last Friday of February 2027
    log_in(client, make_user(db, roles={Role.COORDINATOR}).email)
    page = "/coordinator/series/new"
    form = {
        "title": "Last Fridays",
        "preset": "last-friday",
        "starts_on": "2027-02-01",
        "timezone": "America/New_York",
        "start_time": "09:00",
        "end_time": "17:00",
        "format_id": "one-day",
        "course_1": "trust-and-confidence",
        "venue_id": str(room.id),
        "capacity": "20",
        "price": "495.00",
        "currency": "USD",
        "holiday_policy": "skip",
        "horizon_months": "12",
    }
    before = _count(db, Series)
    response = post_form(client, page, form, token_from=page)
    assert response.status_code == 422
    assert f"Room Seven is already booked for {IN_THE_WAY}" in response.text
    assert _count(db, Series) == before


def test_the_session_form_says_the_venue_is_booked(client: TestClient, db: Session) -> None:
    room = make_venue(db, name="Room Nine")
    _in_the_way(db, room)
    log_in(client, make_user(db, roles={Role.COORDINATOR}).email)
    page = "/coordinator/sessions/new"
    form = {
        "course_slug": "status-communication",
        "format_id": "one-day",
        "starts_on": FRIDAY.isoformat(),
        "start_time": "13:00",
        "end_time": "15:00",
        "timezone": "America/New_York",
        "capacity": "10",
        "price": "0.00",
        "currency": "USD",
        "venue_id": str(room.id),
    }
    response = post_form(client, page, form, token_from=page)
    assert response.status_code == 422
    assert f"Room Nine is already booked for {IN_THE_WAY}" in response.text
    assert _count(db, CourseSession) == 1


# --- facilitators ------------------------------------------------------------------


def test_a_facilitator_may_run_a_morning_and_an_afternoon_but_not_two_at_once(
    db: Session,
) -> None:
    fast_courses(db)
    dana = make_user(db, name="Dana Reyes", roles={Role.FACILITATOR})
    morning = make_session(db, starts_on=FRIDAY, start_time=time(8), end_time=time(10))
    afternoon = make_session(db, starts_on=FRIDAY, start_time=time(13), end_time=time(15))
    service.assign_facilitator(db, morning, dana)
    service.assign_facilitator(db, afternoon, dana)  # same date, other hours
    clash = _in_the_way(db)
    with pytest.raises(Conflict) as caught:
        service.assign_facilitator(db, clash, dana)
    assert caught.value.message == (
        "Dana Reyes is already facilitating “Relationship management” on Friday "
        "26 February 2027, 08:00–10:00, which overlaps this session."
    )
    # Re-timing a session of hers onto another of hers is refused the same way.
    with pytest.raises(Conflict, match="Dana Reyes is already facilitating"):
        service.update_session(db, afternoon, service.SessionChanges(start_time=time(9, 30)))
    # Cancelled sessions no longer bind her.
    service.cancel_session(db, morning, "Too few participants")
    with pytest.raises(Conflict, match="13:00–15:00, which overlaps"):
        service.assign_facilitator(db, clash, dana)
    service.cancel_session(db, afternoon, "Too few participants")
    service.assign_facilitator(db, clash, dana)


def test_re_timing_a_series_onto_a_booked_room_is_refused(db: Session) -> None:
    from app.scheduling import series as series_service
    from app.scheduling.schemas import SeriesUpdate

    fast_courses(db)
    room = make_venue(db, name="Room Eleven")
    series = make_series(
        db,
        starts_on=date(2027, 1, 1),
        horizon_months=2,
        venue=room,
        course_slugs=["client-expectations"],
    )
    evening = _standalone(room, time(18), time(20), on=date(2027, 1, 29))
    service.create_session(db, evening)  # after the series' 09:00–17:00: free
    with pytest.raises(Conflict) as caught:
        series_service.update_series(
            db, series, SeriesUpdate(end_time=time(19)), today=date(2027, 1, 1)
        )
    assert caught.value.message == (
        "Room Eleven is already booked for “Status communication” on Friday 29 January "
        "2027, 18:00–20:00, which overlaps this session."
    )
