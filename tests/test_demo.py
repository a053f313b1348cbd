"""Demo data for `make run`: accounts, Northwind, and a 'last Friday' schedule."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.service import find_user_by_email
from app.config import PROJECT_ROOT
from app.content.sync import sync_folder
from app.demo import DEMO_ACCOUNTS, DEMO_FACILITATOR, DEMO_PARTICIPANTS, load_demo_data
from app.enrollment import programmes, seat_packs
from app.enrollment.attendance import facilitator_sessions
from app.enrollment.models import Enrollment, SeatPack
from app.learning.models import Completion
from app.scheduling.models import CourseSession, Series


def test_demo_data_loads_once_with_a_schedule(db: Session) -> None:
    assert sync_folder(db, PROJECT_ROOT / "courses").ok
    assert load_demo_data(db) is True
    emails = set(db.scalars(select(User.email)))
    assert {account.email for account in DEMO_ACCOUNTS} <= emails
    series = db.scalar(select(Series).where(Series.title == "APEX Last Friday"))
    assert series is not None and series.holiday_policy == "previous"
    sessions = db.scalar(
        select(func.count()).select_from(CourseSession).where(CourseSession.series_id == series.id)
    )
    assert sessions and sessions % 3 == 0 and sessions >= 33  # 3 courses, ~12 months
    assert db.scalar(select(func.count()).select_from(SeatPack)) == 1
    (completion,) = db.scalars(select(Completion))  # Lena's, so My learning has a certificate
    learner = db.get(User, completion.user_id)
    assert learner is not None and learner.email == DEMO_ACCOUNTS[0].email
    assert load_demo_data(db) is False
    assert db.scalar(select(func.count()).select_from(Series)) == 1


def test_demo_facilitator_runs_a_session_today_and_one_next_week(db: Session) -> None:
    assert sync_folder(db, PROJECT_ROOT / "courses").ok
    assert load_demo_data(db) is True
    facilitator = find_user_by_email(db, DEMO_FACILITATOR)
    assert facilitator is not None
    today = date.today()
    sessions = facilitator_sessions(db, facilitator)
    assert [s.session.starts_on for s in sessions] == [today, today + timedelta(days=7)]
    participants = set(DEMO_PARTICIPANTS)
    for seats in sessions:
        booked = db.scalars(
            select(User.email)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.session_id == seats.session.id, Enrollment.status == "confirmed")
        )
        assert set(booked) == participants
        assert seats.taken == len(participants)
    # Their seats come from Northwind's pack: every confirmed seat has a payer.
    (usage,) = seat_packs.pack_usages(db)
    assert usage.used == 2 * len(participants) and usage.unused == 10 - usage.used


def test_the_demo_programme_costs_less_than_its_courses_and_a_learner_can_book_it(
    db: Session,
) -> None:
    assert sync_folder(db, PROJECT_ROOT / "courses").ok
    assert load_demo_data(db) is True
    (programme,) = programmes.list_programmes(db)
    pat = find_user_by_email(db, DEMO_ACCOUNTS[1].email)  # pays by card
    assert pat is not None
    offer = programmes.programme_offer(db, pat, programme)
    assert len(offer.courses) == 3 and offer.bookable
    assert programme.price_cents < offer.single_total_cents  # 1,190.00 < 3 x 495.00
    # One course on each of the next three last Fridays.
    chosen = [course.sessions[index].session for index, course in enumerate(offer.courses)]
    group, seats = programmes.book_programme(db, pat, programme, chosen)
    assert len({s.starts_on for s in chosen}) == 3 and len(seats) == 3
    assert group.price_cents == programme.price_cents
