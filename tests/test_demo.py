"""Demo data for `make run`: accounts, Northwind, and a 'last Friday' schedule."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import PROJECT_ROOT
from app.content.sync import sync_folder
from app.demo import DEMO_ACCOUNTS, load_demo_data
from app.enrollment.models import SeatPack
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
