"""``scheduling.visibility``: the one rule for who sees and books a session, and its dates."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import organisations
from app.accounts.models import Role
from app.errors import NotFound
from app.scheduling import sessions, visibility
from app.scheduling.models import CourseSession, SessionFacilitator
from tests.factories import make_organisation, make_user
from tests.scheduling.factories import ensure_courses, make_session


@pytest.fixture(autouse=True)
def _courses(db: Session) -> None:
    ensure_courses(db)


def test_a_facilitator_sees_the_in_house_session_they_facilitate(db: Session) -> None:
    # Bug: enrolment pages let the facilitator open it, the scheduling service did not.
    org = make_organisation(db)
    private = make_session(db, starts_on=date(2027, 3, 5), organisation=org)
    other = make_session(db, starts_on=date(2027, 3, 12), organisation=org)
    facilitator = make_user(db, roles={Role.FACILITATOR})
    db.add(SessionFacilitator(session_id=private.id, user_id=facilitator.id))
    db.flush()

    assert visibility.can_see_session(db, facilitator, private)
    assert not visibility.can_see_session(db, facilitator, other)
    assert visibility.get_visible_session(db, facilitator, private.id) is private
    with pytest.raises(NotFound):
        visibility.get_visible_session(db, facilitator, other.id)
    found = {s.id for s in visibility.visible_sessions(db, facilitator)}
    assert private.id in found and other.id not in found
    # Seeing is not booking: in-house seats stay for the organisation's members.
    assert not visibility.can_book(db, facilitator, private)


def test_the_list_and_the_single_check_agree_for_everyone(db: Session) -> None:
    org = make_organisation(db)
    member, outsider = make_user(db), make_user(db)
    organisations.add_member(db, org, email=member.email)
    staff = make_user(db, roles={Role.COORDINATOR})
    facilitator = make_user(db, roles={Role.FACILITATOR})
    made = [
        make_session(db, starts_on=date(2027, 4, 2)),
        make_session(db, starts_on=date(2027, 4, 9), organisation=org),
        make_session(db, starts_on=date(2027, 4, 16), organisation=make_organisation(db)),
    ]
    db.add(SessionFacilitator(session_id=made[2].id, user_id=facilitator.id))
    db.flush()
    ids = {s.id for s in made}
    for user in (None, member, outsider, staff, facilitator):
        listed = set(
            db.scalars(
                select(CourseSession.id).where(
                    CourseSession.id.in_(ids), visibility.visible_clause(db, user)
                )
            )
        )
        checked = {s.id for s in made if visibility.can_see_session(db, user, s)}
        assert listed == checked
        bookable = set(
            db.scalars(
                select(CourseSession.id).where(
                    CourseSession.id.in_(ids), visibility.bookable_clause(db, user)
                )
            )
        )
        if user is not None:
            assert bookable == {s.id for s in made if visibility.can_book(db, user, s)}


def test_from_a_date_means_still_running_on_it(db: Session) -> None:
    # Bug: "from D" was the first day in one list and the last day in the other.
    three_days = make_session(db, starts_on=date(2027, 5, 3), days=3)  # Mon to Wed
    assert three_days.ends_on == date(2027, 5, 5)

    def listed(**dates: date) -> bool:
        found = visibility.visible_sessions(db, None, **dates)  # type: ignore[arg-type]
        return three_days.id in {s.id for s in found}

    assert listed(date_from=date(2027, 5, 4))
    assert listed(date_from=date(2027, 5, 5))
    assert not listed(date_from=date(2027, 5, 6))
    assert listed(date_to=date(2027, 5, 3))
    assert not listed(date_to=date(2027, 5, 2))
    assert three_days in sessions.sessions_between(db, date(2027, 5, 4), date(2027, 5, 4))


def test_a_session_starts_at_its_start_time_in_its_own_zone(db: Session) -> None:
    session = make_session(db, starts_on=date(2027, 1, 8), start_time=time(9, 0), tz="Asia/Tokyo")
    start = datetime.fromisoformat("2027-01-08T00:00:00+00:00")  # 09:00 in Tokyo
    assert visibility.session_start(session) == start
    assert not visibility.has_started(session, datetime.fromisoformat("2027-01-07T23:59:59+00:00"))
    assert visibility.has_started(session, start)
