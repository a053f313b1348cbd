"""Completion: the course's rule decides; recorded once with the version and time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import get_settings
from app.content.models import Course, CourseModule
from app.content.sync import sync_folder
from app.learning import grading, player, service
from app.learning.completion import completion_status, evaluate_completion
from app.learning.models import Completion, ModuleVisit
from tests.factories import log_in, make_user
from tests.learning.helpers import completions, finish_course, open_modules
from tests.learning.packs import sync_pack


def test_completion_is_recorded_once_with_version_and_time(
    db: Session, free_course: Course, learner: User
):
    progress = finish_course(db, learner, free_course.slug)
    assert progress.completed_at is not None
    row = db.scalars(select(Completion)).one()
    assert (row.user_id, row.course_id, row.course_version_id) == (
        learner.id,
        free_course.id,
        progress.course_version_id,
    )
    assert row.completed_at == progress.completed_at

    first = evaluate_completion(db, progress)
    second = evaluate_completion(db, progress)
    assert first.complete and second.complete
    assert first.completed_at == second.completed_at == row.completed_at
    # Answering again after completion changes nothing either.
    grading.answer_check(db, progress, "last", "final", [1])
    assert completions(db) == 1


def test_recorded_once_even_when_the_run_forgets_it_was_finished(
    db: Session, free_course: Course, learner: User
):
    progress = finish_course(db, learner, free_course.slug)
    recorded = progress.completed_at
    # As if a second request evaluated the same run before seeing the first one's result.
    progress.completed_at = None
    status = evaluate_completion(db, progress)
    assert status.complete and status.completed_at == recorded
    assert completions(db) == 1


def test_not_complete_while_a_check_is_below_the_threshold(
    db: Session, free_course: Course, learner: User
):
    progress = service.start_or_resume(db, learner, free_course.slug)
    open_modules(db, progress, 3)
    grading.answer_check(db, progress, "basics", "pick-one", [2])
    grading.answer_check(db, progress, "basics", "pick-many", [1, 3])  # 66 % < 80 %
    grading.answer_check(db, progress, "middle", "mid", [1])
    result = grading.answer_check(db, progress, "last", "final", [3])
    assert not result.course_complete
    status = evaluate_completion(db, progress)
    assert not status.complete and status.missing_modules == []
    assert [(g.check_id, g.best_score) for g in status.weak_checks] == [("pick-many", 66)]
    assert progress.completed_at is None and completions(db) == 0

    result = grading.answer_check(db, progress, "basics", "pick-many", [1, 3, 4])
    assert result.course_complete
    assert progress.completed_at is not None and completions(db) == 1


def test_every_module_must_be_visited(db: Session, tmp_path: Path, learner: User):
    course = sync_pack(db, tmp_path, slug="no-checks", free_online=True, min_check_score=0)
    progress = service.start_or_resume(db, learner, course.slug)
    open_modules(db, progress, 2)
    status = evaluate_completion(db, progress)
    assert not status.complete
    assert [(g.position, g.title) for g in status.missing_modules] == [(3, "The last one")]
    assert status.weak_checks == []  # a threshold of 0 makes the checks optional
    player.open_module(db, progress, 3)
    assert progress.completed_at is not None and completions(db) == 1


def test_a_rule_without_visits_or_scores_completes_on_the_first_module(
    db: Session, tmp_path: Path, learner: User
):
    course = sync_pack(
        db, tmp_path, slug="loose", free_online=True, min_check_score=0, modules_visited="none"
    )
    progress = service.start_or_resume(db, learner, course.slug)
    assert completion_status(db, progress).complete  # the rule asks for nothing
    assert progress.completed_at is None  # recorded when the learner next opens a module
    player.open_module(db, progress, 1)
    assert progress.completed_at is not None


def test_last_module_shows_what_is_missing_then_course_complete(
    client: TestClient, db: Session, free_course: Course, learner: User
):
    progress = service.start_or_resume(db, learner, free_course.slug)
    open_modules(db, progress, 3)
    grading.answer_check(db, progress, "basics", "pick-one", [1])
    db.commit()
    log_in(client, learner.email)
    url = f"/learn/{free_course.slug}/3"
    html = client.get(url).text
    panel = html[html.index('aria-labelledby="completion-heading"') :]
    assert "To complete the course" in panel
    assert "Knowledge checks below 80 %" in panel
    assert "Module 1: The basics" in panel and "Module 3: The last one" in panel
    assert "Which letter is second?</a> (best score 0 %)" in panel
    assert "Which are odd positions or the fourth?</a> (not answered yet)" in panel
    assert "Which number is three?</a> (not answered yet)" in panel
    assert f'href="/learn/{free_course.slug}/1#check-pick-many"' in panel
    assert "Course complete" not in html

    for position, check, answer in [
        (1, "pick-one", "2"),
        (1, "pick-many", ["1", "3", "4"]),
        (2, "mid", "1"),
        (3, "final", "3"),
    ]:
        page = f"/learn/{free_course.slug}/{position}"
        token = client.get(page).text.split('name="csrf_token" value="')[1].split('"')[0]
        response = client.post(
            f"{page}/checks/{check}", data={"choice": answer, "csrf_token": token}
        )
        assert response.status_code == 303
    html = client.get(url).text
    assert '<h2 id="completion-heading">Course complete</h2>' in html
    assert "(version 1.0.0) on <time" in html
    assert completions(db) == 1


def test_completing_a_real_course_from_the_courses_folder(db: Session):
    """The shipped packs load, and the free one can be completed online without attendance."""
    result = sync_folder(db, get_settings().courses_dir)
    assert result.ok, result.failed
    assert len(result.loaded) + len(result.unchanged) == 4
    learner = make_user(db)
    others = [c for c in db.scalars(select(Course)) if c.slug != "status-communication"]
    assert len(others) == 3
    assert not any(service.has_access(db, learner, c) for c in others)

    progress = service.start_or_resume(db, learner, "status-communication")
    # The pack asks for 330 minutes of study: as if the first module had been opened
    # that long before the rest of the run.
    player.open_module(db, progress, 1)
    first = db.get(ModuleVisit, (progress.id, "why-status-fails"))
    assert first is not None
    first.first_visited_at -= timedelta(minutes=330)
    modules = list(
        db.scalars(
            select(CourseModule)
            .where(CourseModule.course_version_id == progress.course_version_id)
            .order_by(CourseModule.position)
        )
    )
    assert len(modules) == 5
    for module in modules:
        player.open_module(db, progress, module.position)
        for check in module.checks:
            answer = check["answer"]
            chosen = [answer] if isinstance(answer, int) else answer
            assert progress.completed_at is None  # not before the very last right answer
            result = grading.answer_check(db, progress, module.slug, check["id"], chosen)
            assert result.correct and result.score == 100
    # The pack asks for attendance, which applies to instructor-led formats only.
    spec_rule = service.current_version(db, service.get_course(db, "status-communication")).spec
    assert spec_rule["completion"]["attendance"] is True
    assert progress.completed_at is not None
    assert db.scalars(select(Completion)).one().course_version_id == progress.course_version_id


def test_completing_online_issues_the_certificate_at_once(
    db: Session, free_course: Course, learner: User
):
    # Certificates used to appear only when the learner next opened a page (a GET that
    # wrote); the completion now tells documents through learning's COURSE_COMPLETED hook.
    from app.documents.certificates.service import certificates_of

    finish_course(db, learner, free_course.slug)
    (certificate,) = certificates_of(db, learner)
    assert certificate.course_version_id == db.scalars(select(Completion)).one().course_version_id
