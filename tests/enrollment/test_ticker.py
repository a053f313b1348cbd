"""Time-driven work: go/no-go, reminders and expiry, each safe to run twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.enrollment.models import Enrollment, Reminder
from app.enrollment.ticker import run_due_work
from tests.factories import make_user, read_outbox
from tests.scheduling.calendars.helpers import body_text, enrol, facilitate, ics_attachments
from tests.scheduling.factories import load_session, make_session

SESSION_DAY = date(2026, 12, 18)  # Friday
DECISION_DAY = date(2026, 12, 11)
NOW = datetime(2026, 12, 11, 15, 0, tzinfo=UTC)  # 10:00 in New York, 15:00 in London


def _statuses(db: Session, session_id: int) -> list[str]:
    query = select(Enrollment.status).where(Enrollment.session_id == session_id)
    return sorted(db.scalars(query.execution_options(populate_existing=True)))


def test_go_no_go_cancels_a_session_under_its_minimum_once(db: Session, outbox: Path) -> None:
    session = make_session(
        db, starts_on=SESSION_DAY, capacity=3, min_participants=3, go_no_go_on=DECISION_DAY
    )
    people = [make_user(db) for _ in range(4)]
    enrol(db, session, people[0])
    enrol(db, session, people[1])
    enrol(db, session, people[2], "held", hold_expires_at=NOW + timedelta(minutes=20))
    enrol(db, session, people[3], "waitlisted")

    done = run_due_work(db, NOW)
    db.commit()  # notices go out when the change is committed

    assert done["sessions_cancelled"] == 1
    session = load_session(db, session.id)
    assert session.status == "cancelled"
    assert session.cancel_reason == "Cancelled at go/no-go: 2 of 3 minimum participants"
    assert session.sequence == 1
    assert _statuses(db, session.id) == ["cancelled"] * 4
    messages = read_outbox(outbox)
    assert sorted(m["To"] for m in messages) == sorted(p.email for p in people)
    assert all("2 of 3 minimum participants" in body_text(m) for m in messages)
    assert all(ics_attachments(m) for m in messages)

    again = run_due_work(db, NOW + timedelta(minutes=1))
    db.commit()

    assert again["sessions_cancelled"] == 0
    assert load_session(db, session.id).sequence == 1
    assert len(read_outbox(outbox)) == len(people)


def test_a_session_at_its_minimum_goes_ahead(db: Session, outbox: Path) -> None:
    session = make_session(db, starts_on=SESSION_DAY, min_participants=2, go_no_go_on=DECISION_DAY)
    enrol(db, session, make_user(db))
    enrol(db, session, make_user(db))
    assert run_due_work(db, NOW)["sessions_cancelled"] == 0
    assert load_session(db, session.id).status == "scheduled"
    assert read_outbox(outbox) == []


def test_the_decision_happens_on_the_local_go_no_go_date(db: Session) -> None:
    # 03:00 UTC on the 11th is still the 10th in New York but already the 11th in London.
    early = datetime(2026, 12, 11, 3, 0, tzinfo=UTC)
    new_york = make_session(
        db,
        starts_on=SESSION_DAY,
        tz="America/New_York",
        min_participants=1,
        go_no_go_on=DECISION_DAY,
    )
    london = make_session(
        db,
        starts_on=SESSION_DAY,
        tz="Europe/London",
        min_participants=1,
        go_no_go_on=DECISION_DAY,
    )
    assert run_due_work(db, early)["sessions_cancelled"] == 1
    assert load_session(db, london.id).status == "cancelled"
    assert load_session(db, new_york.id).status == "scheduled"
    assert run_due_work(db, early + timedelta(hours=3))["sessions_cancelled"] == 1  # 00:00 NY
    assert load_session(db, new_york.id).status == "cancelled"


def test_a_passed_go_no_go_date_is_not_decided_again(db: Session) -> None:
    # The session went ahead on its date; someone dropping out later does not cancel it,
    # and a session created after its go/no-go date is not cancelled on sight.
    session = make_session(
        db, starts_on=SESSION_DAY, min_participants=5, go_no_go_on=DECISION_DAY - timedelta(1)
    )
    assert run_due_work(db, NOW)["sessions_cancelled"] == 0
    assert load_session(db, session.id).status == "scheduled"


def test_reminders_go_out_three_days_before_once(db: Session, outbox: Path) -> None:
    now = datetime(2026, 12, 15, 14, 0, tzinfo=UTC)  # 09:00 on Tuesday in New York
    soon = make_session(db, starts_on=SESSION_DAY, tz="America/New_York")
    later = make_session(db, starts_on=date(2026, 12, 22), tz="America/New_York")
    early_bird, last_minute, holder = make_user(db), make_user(db), make_user(db)
    reminded = enrol(db, soon, early_bird, confirmed_at=datetime(2026, 12, 1, tzinfo=UTC))
    enrol(db, soon, last_minute, confirmed_at=now - timedelta(hours=1))  # just confirmed
    enrol(db, soon, holder, "held", hold_expires_at=now + timedelta(minutes=10))
    enrol(db, later, make_user(db), confirmed_at=datetime(2026, 12, 1, tzinfo=UTC))

    done = run_due_work(db, now)
    db.commit()

    assert done["reminders_sent"] == 1
    (message,) = read_outbox(outbox)
    assert message["To"] == early_bird.email
    assert "Reminder" in message["Subject"]
    assert "Friday 18 December 2026, 09:00–17:00 EST (America/New_York)" in body_text(message)
    rows = db.scalars(select(Reminder).where(Reminder.enrollment_id == reminded.id)).all()
    assert [row.kind for row in rows] == ["3-days"]

    assert run_due_work(db, now + timedelta(hours=1))["reminders_sent"] == 0
    assert run_due_work(db, now + timedelta(days=1))["reminders_sent"] == 0
    assert len(read_outbox(outbox)) == 1


def test_a_missed_reminder_day_catches_up_but_not_after_the_start(db: Session) -> None:
    session = make_session(db, starts_on=SESSION_DAY, tz="Europe/London")
    enrol(db, session, make_user(db), confirmed_at=datetime(2026, 12, 1, tzinfo=UTC))
    after_start = datetime(2026, 12, 18, 10, 0, tzinfo=UTC)
    assert run_due_work(db, after_start)["reminders_sent"] == 0
    two_days_before = datetime(2026, 12, 16, 8, 0, tzinfo=UTC)
    assert run_due_work(db, two_days_before)["reminders_sent"] == 1


def test_due_work_expires_holds_through_the_waitlist_service(db: Session) -> None:
    session = make_session(db, starts_on=SESSION_DAY)
    hold = enrol(db, session, make_user(db), "held", hold_expires_at=NOW - timedelta(minutes=1))
    done = run_due_work(db, NOW)
    assert done["holds_expired"] == 1
    db.refresh(hold)
    assert hold.status == "expired"


def test_an_empty_session_cancelled_at_go_no_go_tells_its_facilitator(
    db: Session, outbox: Path
) -> None:
    session = make_session(db, starts_on=SESSION_DAY, min_participants=1, go_no_go_on=DECISION_DAY)
    facilitator = make_user(db, roles={Role.FACILITATOR})
    facilitate(db, session, facilitator)
    assert run_due_work(db, NOW)["sessions_cancelled"] == 1
    db.commit()
    (message,) = read_outbox(outbox)
    assert message["To"] == facilitator.email
    assert "0 of 1 minimum participants" in body_text(message)
