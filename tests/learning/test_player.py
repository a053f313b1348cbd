"""The module player: in order, progress shown, resume after leaving, pinned versions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.content.models import Course, CourseVersion
from app.errors import NotFound
from app.learning import player, service
from app.learning.models import CourseProgress
from app.learning.player import NotReachable
from tests.conftest import PersonClient
from tests.factories import log_in, make_user
from tests.learning.helpers import count, finish_course, open_modules
from tests.learning.packs import sync_pack


def test_start_creates_one_run_on_the_current_version(
    db: Session, free_course: Course, learner: User
):
    progress = service.start_or_resume(db, learner, free_course.slug)
    again = service.start_or_resume(db, learner, free_course.slug)
    assert again.id == progress.id
    assert progress.current_position == 1 and progress.completed_at is None
    version = db.get(CourseVersion, progress.course_version_id)
    assert version is not None and version.is_current
    assert count(db, CourseProgress) == 1


def test_modules_open_in_order(db: Session, free_course: Course, learner: User):
    progress = service.start_or_resume(db, learner, free_course.slug)
    with pytest.raises(NotReachable) as refused:
        player.open_module(db, progress, 2)
    assert refused.value.position == 1
    assert service.visited_slugs(db, progress.id) == set()
    for position in (1, 2, 3):
        player.open_module(db, progress, position)
        assert progress.current_position == position
    assert service.visited_slugs(db, progress.id) == {"basics", "middle", "last"}


def test_a_module_beyond_the_first_unvisited_is_not_reachable(
    db: Session, free_course: Course, learner: User
):
    progress = service.start_or_resume(db, learner, free_course.slug)
    player.open_module(db, progress, 1)
    with pytest.raises(NotReachable) as refused:
        player.open_module(db, progress, 3)
    assert refused.value.position == 2
    assert service.visited_slugs(db, progress.id) == {"basics"}
    assert progress.current_position == 1


def test_earlier_modules_can_be_revisited(db: Session, free_course: Course, learner: User):
    progress = service.start_or_resume(db, learner, free_course.slug)
    open_modules(db, progress, 2)
    player.open_module(db, progress, 1)
    assert progress.current_position == 1
    assert service.visited_slugs(db, progress.id) == {"basics", "middle"}


def test_unknown_module_position_is_404(
    client: TestClient, db: Session, free_course: Course, learner: User
):
    progress = service.start_or_resume(db, learner, free_course.slug)
    with pytest.raises(NotFound):
        player.open_module(db, progress, 4)
    db.commit()
    log_in(client, learner.email)
    assert client.get(f"/learn/{free_course.slug}/4").status_code == 404
    assert client.get(f"/learn/{free_course.slug}/0").status_code == 404


def test_skipping_ahead_redirects_to_the_first_unvisited_module(
    client: TestClient, free_course: Course, learner: User
):
    log_in(client, learner.email)
    response = client.get(f"/learn/{free_course.slug}/3")
    assert response.status_code == 303
    assert response.headers["location"] == f"/learn/{free_course.slug}/1"
    page = client.get(response.headers["location"])
    assert "Modules open in order: continue with module 1, “The basics”, first." in page.text


def test_module_page_shows_position_progress_lesson_and_checks(
    client: TestClient, free_course: Course, learner: User
):
    log_in(client, learner.email)
    page = client.get(f"/learn/{free_course.slug}/1")
    assert page.status_code == 200
    html = page.text
    assert "Module 1 of 3" in html
    assert '<h1 id="module-title">The basics</h1>' in html
    assert '<progress id="course-progress" max="100" value="33">33 %</progress>' in html
    assert 'label for="course-progress">Course progress: 1 of 3 modules visited' in html
    assert "Tell the basics apart." in html  # objectives
    assert "The basics lesson body." in html  # the lesson
    assert html.count("<fieldset") == 2 and html.count("<legend>") == 2
    assert html.count('type="radio"') == 3 and html.count('type="checkbox"') == 5
    assert f'action="/learn/{free_course.slug}/1/checks/pick-one"' in html
    assert f'action="/learn/{free_course.slug}/1/checks/pick-many"' in html
    assert 'rel="next"' in html and 'rel="prev"' not in html
    assert "To complete the course" not in html  # the panel is on the last module only

    second = client.get(f"/learn/{free_course.slug}/2").text
    assert "Module 2 of 3" in second and 'value="66"' in second
    assert 'rel="prev"' in second


def test_resume_after_leaving(
    app: FastAPI, db: Session, client: TestClient, free_course: Course, learner: User
):
    log_in(client, learner.email)
    client.get(f"/learn/{free_course.slug}/1")
    client.get(f"/learn/{free_course.slug}/2")

    # Leaving: a new browser (no cookies), signing in again.
    with PersonClient(app, db, base_url="http://testserver", follow_redirects=False) as later:
        log_in(later, learner.email)
        response = later.get(f"/learn/{free_course.slug}")
        assert response.headers["location"] == f"/learn/{free_course.slug}/2"
        rows = later.get("/learning").text
        assert f'href="/learn/{free_course.slug}/2"' in rows


def test_run_stays_on_the_version_it_started(
    db: Session, tmp_path: Path, free_course: Course, learner: User
):
    progress = service.start_or_resume(db, learner, free_course.slug)
    player.open_module(db, progress, 1)
    started_on = progress.course_version_id

    sync_pack(
        db,
        tmp_path,
        slug="free-demo",
        free_online=True,
        version="2.0.0",
        first_title="The basics, revised",
    )
    newer = service.current_version(db, free_course)
    assert newer.id != started_on and newer.version == "2.0.0"

    resumed = service.start_or_resume(db, learner, free_course.slug)
    assert resumed.id == progress.id and resumed.course_version_id == started_on
    view = player.study_module(db, learner, free_course.slug, 1)
    assert view.module.title == "The basics" and view.version == "1.0.0"

    newcomer = make_user(db)
    fresh = service.start_or_resume(db, newcomer, free_course.slug)
    assert fresh.course_version_id == newer.id
    assert player.study_module(db, newcomer, free_course.slug, 1).module.title == (
        "The basics, revised"
    )


def test_after_completion_a_new_run_uses_the_current_version(
    db: Session, tmp_path: Path, free_course: Course, learner: User
):
    finished = finish_course(db, learner, free_course.slug)
    assert finished.completed_at is not None
    # Until a new version arrives, the finished run is the one to review.
    assert service.start_or_resume(db, learner, free_course.slug).id == finished.id

    sync_pack(
        db,
        tmp_path,
        slug="free-demo",
        free_online=True,
        version="2.0.0",
        first_title="The basics, revised",
    )
    second = service.start_or_resume(db, learner, free_course.slug)
    assert second.id != finished.id
    assert second.course_version_id == service.current_version(db, free_course).id
    assert second.completed_at is None
    rows = service.my_learning(db, learner)
    assert [(r.version, r.completed_at) for r in rows] == [("2.0.0", None)]


def test_my_learning_empty_state(client: TestClient, learner: User):
    log_in(client, learner.email)
    page = client.get("/learning")
    assert page.status_code == 200
    assert "<h1>My learning</h1>" in page.text
    assert "You have not started a course yet." in page.text
    assert 'href="/courses"' in page.text


def test_my_learning_lists_runs_and_granted_courses(
    client: TestClient,
    db: Session,
    course: Course,
    free_course: Course,
    learner: User,
    coordinator: User,
):
    service.grant_access(db, course.slug, learner.email, coordinator)
    progress = service.start_or_resume(db, learner, free_course.slug)
    open_modules(db, progress, 2)
    db.commit()

    rows = service.my_learning(db, learner)
    assert [
        (r.course_slug, r.modules_visited, r.modules_total, r.percent, r.started) for r in rows
    ] == [
        ("free-demo", 2, 3, 66, True),
        (course.slug, 0, 3, 0, False),
    ]
    assert rows[0].resume_url == "/learn/free-demo/2"
    assert rows[1].resume_url == f"/learn/{course.slug}"

    log_in(client, learner.email)
    html = client.get("/learning").text
    assert "2 of 3 modules visited" in html
    assert re.search(r'<progress id="progress-free-demo" max="100" value="66">', html)
    assert "not started yet (3 modules)" in html
    assert ">Resume<span" in html and ">Start<span" in html
    assert "Completed on" not in html


def test_my_learning_shows_completion(
    client: TestClient, db: Session, free_course: Course, learner: User
):
    finish_course(db, learner, free_course.slug)
    db.commit()
    log_in(client, learner.email)
    html = client.get("/learning").text
    assert "Completed on <time" in html
    assert 'value="100"' in html and "3 of 3 modules visited" in html
    assert ">Review<span" in html
