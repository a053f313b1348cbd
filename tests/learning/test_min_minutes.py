"""Online completion: the pack's minimum study time, and the online credit hours it earns."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.content.credits import credit_hours_for
from app.content.models import CourseVersion
from app.documents.models import Certificate
from app.learning import player, service
from app.learning.completion import completion_status
from app.learning.models import CourseProgress, ModuleVisit
from tests.factories import log_in
from tests.learning.helpers import completions, finish_course
from tests.learning.packs import sync_pack


def _earlier(db: Session, progress: CourseProgress, minutes: int) -> None:
    """As if the learner had opened the first module ``minutes`` earlier than they did."""
    for visit in db.scalars(select(ModuleVisit).where(ModuleVisit.progress_id == progress.id)):
        visit.first_visited_at -= timedelta(minutes=minutes)
    db.flush()


def test_a_run_clicked_through_at_once_is_not_a_completion(
    db: Session, tmp_path: Path, learner: User
) -> None:
    course = sync_pack(db, tmp_path, slug="timed", free_online=True, min_minutes=60,
                       online_credit_hours=1)  # fmt: skip
    progress = finish_course(db, learner, course.slug)
    status = completion_status(db, progress)
    assert not status.complete and progress.completed_at is None
    assert (status.missing_modules, status.weak_checks) == ([], [])
    assert (status.min_minutes, status.studied_minutes, status.minutes_needed) == (60, 0, 60)
    assert completions(db) == 0 and db.scalars(select(Certificate)).first() is None

    # Fifty minutes in: still ten to go.
    _earlier(db, progress, 50)
    player.open_module(db, progress, 3)
    assert completion_status(db, progress).minutes_needed == 10
    assert progress.completed_at is None

    # An hour in, the next module opened completes the course, with the online hours.
    _earlier(db, progress, 10)
    player.open_module(db, progress, 3)
    assert progress.completed_at is not None and completions(db) == 1
    cert = db.scalars(select(Certificate).where(Certificate.user_id == learner.id)).one()
    assert cert.session_id is None and cert.credit_hours == 1.0


def test_the_learner_is_told_how_much_time_is_still_needed(
    client: TestClient, db: Session, tmp_path: Path, learner: User
) -> None:
    course = sync_pack(db, tmp_path, slug="timed-page", free_online=True, min_minutes=90,
                       online_credit_hours=1.5)  # fmt: skip
    progress = finish_course(db, learner, course.slug)
    _earlier(db, progress, 30)
    db.commit()
    log_in(client, learner.email)
    page = client.get(f"/learn/{course.slug}/3")
    assert page.status_code == 200
    assert "This course asks for at least 90 minutes of study in its modules" in page.text
    assert "You have 30 so far: <strong>60 more minutes</strong> needed." in page.text
    assert "Course complete" not in page.text


def test_without_a_minimum_a_run_completes_at_once(
    db: Session, free_course: object, learner: User
) -> None:
    progress = finish_course(db, learner, "free-demo")
    assert progress.completed_at is not None


def test_online_hours_default_to_the_top_level_credit_hours(
    db: Session, tmp_path: Path, learner: User
) -> None:
    course = sync_pack(db, tmp_path, slug="legacy", free_online=True)
    version = db.scalars(select(CourseVersion).where(CourseVersion.course_id == course.id)).one()
    assert credit_hours_for(version, None) == credit_hours_for(version, "one-day") == 1.5
    # A version stored before per-format hours: the spec has none, the column answers.
    version.spec = {key: value for key, value in version.spec.items() if key != "online"}
    version.spec = {**version.spec, "credit_hours": None}
    assert credit_hours_for(version, None) == version.credit_hours == 1.5
    assert service.start_or_resume(db, learner, course.slug).course_version_id == version.id
