"""No person holds two seats at overlapping times, by any path that takes a seat.

Overlap is ``scheduling.overlaps``: the same date is not enough, the hours must meet, as
instants (each session in its own zone). Cancelled sessions never clash; a place on a
waitlist is not a seat, but accepting its offer is checked.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.enrollment import changes, group_bookings, programmes, seat_packs
from app.enrollment.models import Enrollment
from app.enrollment.seats import take_seat
from app.enrollment.waitlist import accept_offer
from app.errors import Conflict
from app.scheduling.models import CourseSession
from app.scheduling.sessions import cancel_session
from tests.enrollment import helpers as h
from tests.factories import log_in, post_form

FRIDAY = date(2027, 2, 26)
IN_THE_WAY = (
    "a seat on “Client expectations” on Friday 26 February 2027, 09:00–16:30, "
    "which overlaps this session."
)


def _session(
    db: Session,
    slug: str,
    start: time,
    end: time,
    *,
    on: date = FRIDAY,
    tz: str = "America/New_York",
    capacity: int = 10,
) -> CourseSession:
    return h.session(
        db, course_slug=slug, starts_on=on, start_time=start, end_time=end, tz=tz, capacity=capacity
    )


def _first(db: Session) -> CourseSession:
    """The session in the way: “Client expectations”, Friday 26 February 2027, 09:00–16:30."""
    return _session(db, "client-expectations", time(9), time(16, 30))


def _seats(db: Session, session: CourseSession) -> int:
    query = select(func.count()).select_from(Enrollment).where(Enrollment.session_id == session.id)
    return db.scalar(query) or 0


def test_a_learner_cannot_book_a_second_session_at_the_same_hours(db: Session) -> None:
    pat = h.learner(db, name="Pat Doe")
    take_seat(db, _first(db), pat)
    afternoon = _session(db, "status-communication", time(13), time(17))
    with pytest.raises(Conflict) as caught:
        take_seat(db, afternoon, pat)
    assert caught.value.message == f"You already have {IN_THE_WAY}"
    assert _seats(db, afternoon) == 0


def test_the_same_date_at_other_hours_is_allowed(db: Session) -> None:
    pat = h.learner(db)
    take_seat(db, _session(db, "client-expectations", time(8), time(10)), pat)
    take_seat(db, _session(db, "status-communication", time(13), time(15)), pat)
    # Back to back: one ends at 10:00 as the next begins, which is not an overlap.
    take_seat(db, _session(db, "trust-and-confidence", time(10), time(12)), pat)
    live = select(func.count()).select_from(Enrollment).where(Enrollment.user_id == pat.id)
    assert db.scalar(live) == 3


def test_time_zones_are_compared_as_instants(db: Session) -> None:
    pat = h.learner(db)
    # 14:00–16:00 in London is 09:00–11:00 in New York in February (GMT, EST).
    take_seat(db, _session(db, "client-expectations", time(14), time(16), tz="Europe/London"), pat)
    new_york = _session(db, "status-communication", time(9), time(11))
    with pytest.raises(Conflict) as caught:
        take_seat(db, new_york, pat)
    assert caught.value.message == (
        "You already have a seat on “Client expectations” on Friday 26 February 2027, "
        "14:00–16:00 (Europe/London), which overlaps this session."
    )
    # The same wall-clock hours in both cities are five hours apart: no clash.
    other = h.learner(db)
    take_seat(
        db, _session(db, "trust-and-confidence", time(9), time(12), tz="Europe/London"), other
    )
    take_seat(db, _session(db, "relationship-management", time(9), time(12)), other)


def test_a_cancelled_session_does_not_clash(db: Session) -> None:
    pat = h.learner(db)
    first = _first(db)
    take_seat(db, first, pat)
    cancel_session(db, first, "The trainer is ill")
    assert take_seat(db, _session(db, "status-communication", time(9), time(17)), pat)


def test_a_coordinator_is_told_in_the_third_person(db: Session) -> None:
    pat = h.learner(db, name="Pat Doe")
    coordinator = h.coordinator(db)
    changes.coordinator_enrol(db, _first(db), pat.email, coordinator)
    second = _session(db, "status-communication", time(9), time(12))
    with pytest.raises(Conflict) as caught:
        changes.coordinator_enrol(db, second, pat.email, coordinator)
    assert caught.value.message == f"Pat Doe already has {IN_THE_WAY}"


def test_a_seat_pack_seat_is_refused_at_the_same_hours(db: Session) -> None:
    pat = h.learner(db, name="Pat Doe")
    boss = h.learner(db)
    org = h.organisation(db, members=[pat], coordinators=[boss])
    pack = h.seat_pack(db, org, seats=5)
    seat_packs.assign_seat(db, pack, employee_email=pat.email, session=_first(db), acting=boss)
    second = _session(db, "status-communication", time(12), time(13))
    with pytest.raises(Conflict) as caught:
        seat_packs.assign_seat(db, pack, employee_email=pat.email, session=second, acting=boss)
    assert caught.value.message == f"Pat Doe already has {IN_THE_WAY}"


def test_a_place_in_line_blocks_nothing_but_accepting_its_offer_is_checked(db: Session) -> None:
    pat, first_in = h.learner(db), h.learner(db)
    full = _session(db, "client-expectations", time(9), time(16, 30), capacity=1)
    holder = take_seat(db, full, first_in)
    waiting = take_seat(db, full, pat)
    assert waiting.status == "waitlisted"
    # Waiting for one session does not stop a seat on another at the same hours.
    other = take_seat(db, _session(db, "status-communication", time(9), time(12)), pat)
    assert other.status == "confirmed"
    changes.cancel_enrollment(db, holder, first_in)
    offered = db.get_one(Enrollment, waiting.id, populate_existing=True)
    assert offered.status == "offered"
    with pytest.raises(Conflict) as caught:
        accept_offer(db, offered, pat)
    assert caught.value.message == (
        "You already have a seat on “Status communication” on Friday 26 February 2027, "
        "09:00–12:00, which overlaps this session."
    )


def test_a_transfer_or_move_onto_a_clash_is_refused(db: Session) -> None:
    pat = h.learner(db, name="Pat Doe")
    seat = take_seat(db, _session(db, "status-communication", time(9), time(17), on=FRIDAY), pat)
    take_seat(db, _session_on(db, date(2027, 3, 5)), pat)
    later = _session(db, "status-communication", time(13), time(17), on=date(2027, 3, 5))
    in_the_way = (
        "a seat on “Client expectations” on Friday 5 March 2027, 09:00–16:30, "
        "which overlaps this session."
    )
    with pytest.raises(Conflict) as caught:
        changes.transfer_enrollment(db, seat, pat, later)
    assert caught.value.message == f"You already have {in_the_way}"
    with pytest.raises(Conflict) as caught:
        changes.coordinator_move(db, seat, later, h.coordinator(db))
    assert caught.value.message == f"Pat Doe already has {in_the_way}"
    # Moving within the same hours of the same person's own seat is no clash with itself.
    same_hours = _session(db, "status-communication", time(9), time(17), on=date(2027, 3, 12))
    assert changes.transfer_enrollment(db, seat, pat, same_hours).session_id == same_hours.id


def _session_on(db: Session, on: date) -> CourseSession:
    return _session(db, "client-expectations", time(9), time(16, 30), on=on)


def test_a_group_booking_is_refused_when_a_colleague_is_elsewhere_then(db: Session) -> None:
    series, tracks = h.series_day(db, on=FRIDAY)
    booker, pat = h.learner(db), h.learner(db)
    take_seat(db, _session(db, "relationship-management", time(16), time(18)), pat)
    day = group_bookings.group_day(db, booker, series.id, FRIDAY)
    picks = [(tracks[0].id, booker.email), (tracks[1].id, pat.email)]
    with pytest.raises(Conflict) as caught:
        group_bookings.book_group(db, booker, day, picks)
    assert caught.value.message.startswith(
        f"{pat.display_name} already has a seat on “Relationship management” on Friday "
        "26 February 2027, 16:00–18:00, which overlaps this session."
    )
    assert h.statuses(db, tracks[0].id) == {}  # all or nothing: the booker has no seat either


def test_the_booking_page_says_which_seat_is_in_the_way(db: Session, client: TestClient) -> None:
    pat = h.learner(db)
    take_seat(db, _first(db), pat)
    afternoon = _session(db, "status-communication", time(13), time(17))
    db.commit()
    log_in(client, pat.email)
    page = f"/sessions/{afternoon.id}"
    post_form(client, f"{page}/book", {}, token_from=page)
    assert f"You already have {IN_THE_WAY}" in client.get(page).text
    assert _seats(db, afternoon) == 0


def test_a_programme_whose_own_sessions_overlap_books_nothing(db: Session) -> None:
    courses = ("relationship-management", "client-expectations")
    programme, _ = h.programme_run(db, courses=courses)
    start = date(2027, 3, 1)
    workshop = h.session(db, course_slug=courses[0], starts_on=start, days=3, price_cents=49500)
    inside = h.session(db, course_slug=courses[1], starts_on=start + timedelta(days=1))
    pat = h.learner(db)
    with pytest.raises(Conflict, match=r"overlap, so .* cannot take both; nothing was booked"):
        programmes.book_programme(db, pat, programme, [workshop, inside])
    assert h.statuses(db, workshop.id) == {} and h.statuses(db, inside.id) == {}
