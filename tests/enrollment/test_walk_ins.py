"""Walk-ins on the day: who may add one, who pays, capacity and its recorded override."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.service import find_user_by_email
from app.enrollment import rules
from app.enrollment.models import Attendance, EnrollmentStatus, SeatPayer
from app.enrollment.payers import PayerChoice
from app.enrollment.walk_ins import WalkIn, add_walk_in
from app.errors import Conflict, Invalid, NotFound
from app.payments.models import OrderLine
from app.scheduling.models import CourseSession
from tests.enrollment import helpers as h
from tests.factories import log_in, post_form, read_outbox
from tests.scheduling.calendars.helpers import body_text, enrol

DAY = date(2027, 2, 26)  # a Friday; New York is on standard time (UTC-5)
MORNING = datetime(2027, 2, 26, 15, 0, tzinfo=UTC)  # 10:00 in New York, after the 09:00 start


def _today_session(db: Session, **kwargs: object) -> CourseSession:
    return h.session(db, starts_on=DAY, price_cents=49500, **kwargs)


def test_a_facilitator_adds_an_existing_learner_who_is_invoiced_and_present(db: Session) -> None:
    course = _today_session(db)
    facilitator = h.facilitator(db, course)
    walker = h.learner(db, name="Wanda Walker")

    added = add_walk_in(db, course.id, facilitator, WalkIn(email=walker.email), now=MORNING)

    seat = added.enrollment
    assert (seat.status, seat.source, seat.payer) == (
        EnrollmentStatus.CONFIRMED,
        "walk_in",
        SeatPayer.ORDER,
    )
    assert not added.invited and not added.over_capacity
    # Nobody is held at the door for a card: the seat is invoiced to the person.
    lines = db.scalar(select(func.count(OrderLine.id)).where(OrderLine.enrollment_id == seat.id))
    assert lines == 1
    mark = db.get(Attendance, (seat.id, 1))
    assert mark is not None and mark.present and mark.marked_by_id == facilitator.id


def test_a_new_person_gets_an_account_and_an_invitation(db: Session, outbox: Path) -> None:
    course = _today_session(db)
    facilitator = h.facilitator(db, course)
    with pytest.raises(Invalid, match="enter the person's name"):
        add_walk_in(db, course.id, facilitator, WalkIn(email="new@example.com"), now=MORNING)

    added = add_walk_in(
        db,
        course.id,
        facilitator,
        WalkIn(email="New.Person@Example.com", name="  Noor   Haddad "),
        now=MORNING,
    )
    db.commit()

    person = find_user_by_email(db, "new.person@example.com")
    assert person is not None and person.id == added.person.id and added.invited
    assert person.display_name == "Noor Haddad" and person.unconfirmed_since is not None
    mails = {m["Subject"]: m for m in read_outbox(outbox) if m["To"] == "new.person@example.com"}
    assert any(subject.startswith("Confirmed:") for subject in mails)  # the seat, as usual
    mail = mails["Your APEX account: choose a password"]
    body = body_text(mail)
    assert "/password-reset/" in body and "on the day" in body


def test_a_full_session_takes_a_walk_in_only_with_a_coordinators_reason(db: Session) -> None:
    course = _today_session(db, capacity=2)
    facilitator, coordinator = h.facilitator(db, course), h.coordinator(db)
    for person in (h.learner(db), h.learner(db)):
        add_walk_in(db, course.id, facilitator, WalkIn(email=person.email), now=MORNING)
    extra = h.learner(db, name="One Too Many")

    with pytest.raises(Conflict, match="Only a coordinator"):
        add_walk_in(db, course.id, facilitator, WalkIn(email=extra.email), now=MORNING)
    with pytest.raises(Invalid, match="give the reason"):
        add_walk_in(db, course.id, coordinator, WalkIn(email=extra.email), now=MORNING)
    assert rules.live_enrollment(db, course.id, extra.id, MORNING) is None  # nothing written

    added = add_walk_in(
        db,
        course.id,
        coordinator,
        WalkIn(email=extra.email, over_capacity_reason="Sponsor asked; a spare chair"),
        now=MORNING,
    )
    assert added.over_capacity
    seat = added.enrollment
    assert seat.capacity_override_by_id == coordinator.id
    assert seat.capacity_override_reason == "Sponsor asked; a spare chair"
    assert rules.count_seats(db, course.id, MORNING) == 3


def test_walk_ins_are_for_the_day_and_the_sessions_own_staff(db: Session) -> None:
    course = _today_session(db)
    person = h.learner(db)
    stranger = h.facilitator(db, h.session(db))
    with pytest.raises(NotFound):
        add_walk_in(db, course.id, stranger, WalkIn(email=person.email), now=MORNING)
    with pytest.raises(NotFound):
        add_walk_in(db, course.id, person, WalkIn(email=h.learner(db).email), now=MORNING)
    facilitator = h.facilitator(db, course)
    the_day_before = datetime(2027, 2, 25, 15, 0, tzinfo=UTC)
    with pytest.raises(Conflict, match="added on the day"):
        add_walk_in(db, course.id, facilitator, WalkIn(email=person.email), now=the_day_before)
    that_evening = datetime(2027, 2, 26, 23, 0, tzinfo=UTC)  # 18:00, after the 17:00 end
    with pytest.raises(Conflict, match="over"):
        add_walk_in(db, course.id, facilitator, WalkIn(email=person.email), now=that_evening)


def test_only_a_coordinator_gives_a_complimentary_walk_in(db: Session) -> None:
    course = _today_session(db)
    facilitator, coordinator = h.facilitator(db, course), h.coordinator(db)
    person = h.learner(db)
    free = WalkIn(email=person.email, payer=PayerChoice.COMPLIMENTARY, reason="Guest speaker")
    with pytest.raises(Invalid, match="coordinators"):
        add_walk_in(db, course.id, facilitator, free, now=MORNING)
    added = add_walk_in(db, course.id, coordinator, free, now=MORNING)
    assert added.enrollment.payer == SeatPayer.COMPLIMENTARY
    assert added.enrollment.payer_note == "Guest speaker"


def test_someone_on_the_waitlist_who_turns_up_takes_the_seat(db: Session) -> None:
    course = _today_session(db, capacity=1)
    facilitator, coordinator = h.facilitator(db, course), h.coordinator(db)
    add_walk_in(db, course.id, facilitator, WalkIn(email=h.learner(db).email), now=MORNING)
    waiting = h.learner(db)
    row = enrol(db, course, waiting, "waitlisted")
    added = add_walk_in(
        db,
        course.id,
        coordinator,
        WalkIn(email=waiting.email, over_capacity_reason="Was first on the waitlist"),
        now=MORNING,
    )
    assert added.enrollment.id == row.id and row.status == EnrollmentStatus.CONFIRMED
    already = WalkIn(email=waiting.email, over_capacity_reason="again")
    with pytest.raises(Conflict, match="already has a confirmed seat"):
        add_walk_in(db, course.id, coordinator, already, now=MORNING)


def test_an_early_start_is_a_walk_in_day_from_its_first_minute(db: Session) -> None:
    course = _today_session(db, start_time=time(8, 0), end_time=time(16, 0))
    facilitator = h.facilitator(db, course)
    early = datetime(2027, 2, 26, 13, 5, tzinfo=UTC)  # 08:05 in New York
    added = add_walk_in(db, course.id, facilitator, WalkIn(email=h.learner(db).email), now=early)
    assert added.enrollment.status == EnrollmentStatus.CONFIRMED


def _running_now(db: Session) -> CourseSession:
    """A session taking place today (in its zone), all day, whatever the weekday."""
    course = h.session(db, start_time=time(0, 0), end_time=time(23, 59), price_cents=49500)
    today = h.local_today(course)
    course.days[0].date = course.starts_on = course.ends_on = today
    db.flush()
    return course


def test_the_sheet_adds_a_walk_in_and_refuses_wrong_input_without_a_500(
    db: Session, client: TestClient
) -> None:
    course = _running_now(db)
    facilitator = h.facilitator(db, course)
    walker = h.learner(db, name="Wanda Walker")
    log_in(client, facilitator.email)
    sheet = f"/facilitator/sessions/{course.id}"
    page = client.get(sheet)
    assert page.status_code == 200 and "Add a walk-in" in page.text
    assert "Reason to go over capacity" not in page.text  # a facilitator cannot override

    nul = post_form(client, f"{sheet}/walk-ins", {"email": "a\x00b@example.com"}, token_from=sheet)
    assert nul.status_code == 400  # the input guard's page, which names the problem
    for bad in ({"email": "not-an-address"}, {"payer": "gift"}):
        answer = post_form(
            client, f"{sheet}/walk-ins", {"email": walker.email, **bad}, token_from=sheet
        )
        assert answer.status_code == 303 and answer.headers["location"] == sheet
    assert rules.live_enrollment(db, course.id, walker.id, datetime.now(UTC)) is None

    done = post_form(
        client,
        f"{sheet}/walk-ins",
        {"email": walker.email, "present_today": "yes"},
        token_from=sheet,
    )
    assert done.status_code == 303
    shown = client.get(sheet).text
    assert "Wanda Walker is on the session as a walk-in." in shown
    assert "Wanda Walker" in shown.split("Confirmed participants")[1]

    elsewhere = h.session(db)
    answer = post_form(
        client,
        f"/facilitator/sessions/{elsewhere.id}/walk-ins",
        {"email": walker.email},
        token_from=sheet,
    )
    assert answer.status_code == 404
    answer = post_form(
        client,
        "/facilitator/sessions/99999999999/walk-ins",
        {"email": "x@example.com"},
        token_from=sheet,
    )
    assert answer.status_code == 404
