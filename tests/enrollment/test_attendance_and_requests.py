"""Attendance per day (who may mark what) and in-house delivery requests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from app.enrollment.attendance import attendance_sheet, facilitator_sessions, mark_attendance
from app.enrollment.inhouse import create_request, list_requests, set_request_status
from app.enrollment.models import Attendance, Enrollment
from app.errors import Forbidden, Invalid, NotFound
from app.scheduling.models import CourseSession
from tests.enrollment import helpers as h


def _confirmed(db: Session, session_id: int, user_id: int) -> Enrollment:
    # Past sessions take no bookings, so the seat is written as it was on the day.
    enrollment = Enrollment(session_id=session_id, user_id=user_id, status="confirmed")
    db.add(enrollment)
    db.flush()
    return enrollment


def _started_yesterday(db: Session, days: int = 1) -> CourseSession:
    course = h.session(db, days=days)
    # Pin the days from yesterday on (whatever the weekday): day 3 is always tomorrow.
    for day in course.days:
        day.date = h.local_today(course) + timedelta(days=day.day_index - 2)
    course.starts_on, course.ends_on = course.days[0].date, course.days[-1].date
    db.flush()
    return course


def test_the_sessions_facilitator_marks_attendance_per_day(db: Session) -> None:
    course = _started_yesterday(db)
    facilitator = h.facilitator(db, course)
    person = h.learner(db)
    seat = _confirmed(db, course.id, person.id)
    assert mark_attendance(db, course, facilitator, {(seat.id, 1): True}) == 1
    # Marking again updates the row rather than adding a second one.
    mark_attendance(db, course, facilitator, {(seat.id, 1): False})
    row = db.get(Attendance, (seat.id, 1), populate_existing=True)
    assert row is not None and row.present is False and row.marked_by_id == facilitator.id
    sheet = attendance_sheet(db, course)
    assert [(r.person.id, r.marks) for r in sheet.rows] == [(person.id, {1: False})]


def test_other_facilitators_and_learners_cannot_mark(db: Session) -> None:
    course = _started_yesterday(db)
    elsewhere = h.facilitator(db, h.session(db))
    seat = _confirmed(db, course.id, h.learner(db).id)
    for outsider in (elsewhere, h.learner(db)):
        with pytest.raises(NotFound):
            mark_attendance(db, course, outsider, {(seat.id, 1): True})
    assert db.get(Attendance, (seat.id, 1)) is None
    assert mark_attendance(db, course, h.coordinator(db), {(seat.id, 1): True}) == 1


def test_only_confirmed_participants_and_days_that_have_begun(db: Session) -> None:
    course = _started_yesterday(db, days=3)
    facilitator = h.facilitator(db, course)
    seat = _confirmed(db, course.id, h.learner(db).id)
    waiting = Enrollment(session_id=course.id, user_id=h.learner(db).id, status="waitlisted")
    db.add(waiting)
    db.flush()
    with pytest.raises(Invalid, match="confirmed participants"):
        mark_attendance(db, course, facilitator, {(waiting.id, 1): True})
    with pytest.raises(Invalid, match="no day 4"):
        mark_attendance(db, course, facilitator, {(seat.id, 4): True})
    with pytest.raises(Invalid, match="not begun"):
        mark_attendance(db, course, facilitator, {(seat.id, 1): True, (seat.id, 3): True})
    assert db.get(Attendance, (seat.id, 1)) is None  # nothing half-written


def test_facilitators_see_their_sessions(db: Session) -> None:
    mine, other = h.session(db), h.session(db)
    facilitator = h.facilitator(db, mine)
    h.facilitator(db, other)
    assert [s.session.id for s in facilitator_sessions(db, facilitator)] == [mine.id]


def test_in_house_requests_land_in_the_inbox_and_are_answered(db: Session) -> None:
    requester = h.learner(db)
    org = h.organisation(db, members=[requester])
    h.fast_courses(db)
    request = create_request(
        db,
        requester,
        course_slug="relationship-management",
        format_id="three-day",
        participants=12,
        preferred_dates="any Tuesday in March",
        organisation_id=org.id,
    )
    staff = h.coordinator(db)
    rows = list_requests(db, staff)
    assert [(r.request.id, r.organisation_name, r.format_title) for r in rows] == [
        (request.id, org.name, "Three days")
    ]
    assert set_request_status(db, request.id, staff).status == "answered"
    with pytest.raises(Forbidden):
        list_requests(db, requester)
    with pytest.raises(NotFound):
        set_request_status(db, request.id, requester)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"course_slug": "nope"}, "Choose one of the courses"),
        ({"format_id": "ten-day"}, "offered as"),
        ({"participants": 0}, "number of participants"),
        ({"organisation_id": -1}, "your organisations"),
    ],
)
def test_in_house_requests_are_checked(db: Session, changes: dict, message: str) -> None:
    h.fast_courses(db)
    values = {
        "course_slug": "relationship-management",
        "format_id": "one-day",
        "participants": 5,
        **changes,
    }
    with pytest.raises(Invalid, match=message):
        create_request(db, h.learner(db), **values)
