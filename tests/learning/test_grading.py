"""Knowledge checks graded on the server: scores, partial credit, 422s that record nothing."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.content.models import Course
from app.errors import Conflict, Invalid
from app.learning import grading, player, service
from app.learning.models import CheckAttempt, CourseProgress
from tests.factories import log_in, post_form
from tests.learning.helpers import attempts

SINGLE = {"id": "s", "type": "single", "choices": ["a", "b", "c"], "answer": 2}
MULTIPLE = {
    "id": "m",
    "type": "multiple",
    "choices": ["1", "2", "3", "4", "5"],
    "answer": [1, 3, 4],
}


@pytest.mark.parametrize(
    ("check", "chosen", "correct", "score"),
    [
        (SINGLE, [2], True, 100),
        (SINGLE, [1], False, 0),
        (MULTIPLE, [1, 3, 4], True, 100),
        (MULTIPLE, [4, 1, 3], True, 100),  # order does not matter
        (MULTIPLE, [1], False, 33),  # 1 of 3 right, rounded down
        (MULTIPLE, [1, 3], False, 66),  # 66.7 rounded down
        (MULTIPLE, [1, 3, 2], False, 33),  # 2 right - 1 wrong
        (MULTIPLE, [1, 3, 4, 2], False, 66),  # 3 right - 1 wrong
        (MULTIPLE, [1, 2], False, 0),  # 1 right - 1 wrong
        (MULTIPLE, [2, 5], False, 0),  # never below zero
        (MULTIPLE, [1, 2, 3, 4, 5], False, 33),  # picking everything does not pay
    ],
)
def test_grade(check: dict, chosen: list[int], correct: bool, score: int):
    assert grading.grade(check, chosen) == (correct, score)


@pytest.mark.parametrize(
    ("check", "chosen", "message"),
    [
        (SINGLE, [0], "numbered 1 to 3"),
        (SINGLE, [4], "numbered 1 to 3"),
        (SINGLE, [-1], "numbered 1 to 3"),
        (SINGLE, [1, 2], "exactly one"),
        (SINGLE, [], "exactly one"),
        (SINGLE, [2, 2], "only once"),
        (SINGLE, [True], "by their numbers"),
        (MULTIPLE, [], "at least one"),
        (MULTIPLE, [6], "numbered 1 to 5"),
        (MULTIPLE, [1, 1, 3], "only once"),
    ],
)
def test_grade_refuses_answers_that_were_not_offered(check: dict, chosen: list, message: str):
    with pytest.raises(Invalid, match=message):
        grading.grade(check, chosen)


@pytest.fixture
def progress(db: Session, free_course: Course, learner: User) -> CourseProgress:
    """A run with the first module opened."""
    run = service.start_or_resume(db, learner, free_course.slug)
    player.open_module(db, run, 1)
    db.commit()
    return run


def test_a_right_answer_is_recorded(db: Session, progress: CourseProgress):
    result = grading.answer_check(db, progress, "basics", "pick-one", [2])
    assert (result.correct, result.score, result.best_score) == (True, 100, 100)
    assert result.explanation == "Bravo comes second in the spelling alphabet."
    stored = db.query(CheckAttempt).one()
    assert (stored.progress_id, stored.module_slug, stored.check_id) == (
        progress.id,
        "basics",
        "pick-one",
    )
    assert (stored.chosen, stored.correct, stored.score) == ([2], True, 100)


def test_partial_credit_for_multiple(db: Session, progress: CourseProgress):
    result = grading.answer_check(db, progress, "basics", "pick-many", [1, 3])
    assert (result.correct, result.score, result.best_score) == (False, 66, 66)


@pytest.mark.parametrize(
    ("check_id", "chosen"),
    [
        ("pick-one", [4]),
        ("pick-one", [0]),
        ("pick-one", [1, 2]),
        ("pick-one", []),
        ("pick-one", [2, 2]),
        ("pick-many", []),
        ("pick-many", [6]),
        ("pick-many", [1, 1]),
        ("no-such-check", [1]),
    ],
)
def test_invalid_answers_are_422_and_record_nothing(
    db: Session, progress: CourseProgress, check_id: str, chosen: list[int]
):
    with pytest.raises(Invalid) as refused:
        grading.answer_check(db, progress, "basics", check_id, chosen)
    assert refused.value.status == 422
    assert attempts(db) == 0
    assert progress.completed_at is None


def test_checks_of_a_module_not_opened_yet_are_refused(db: Session, progress: CourseProgress):
    with pytest.raises(Conflict, match="Open module 2"):
        grading.answer_check(db, progress, "middle", "mid", [1])
    assert attempts(db) == 0


def test_retries_keep_every_attempt_and_the_best_score(db: Session, progress: CourseProgress):
    scores = []
    for chosen in ([2, 5], [1, 3], [1, 3, 4], [1]):
        result = grading.answer_check(db, progress, "basics", "pick-many", chosen)
        scores.append((result.score, result.best_score))
    assert scores == [(0, 0), (66, 66), (100, 100), (33, 100)]
    assert attempts(db) == 4
    assert service.best_scores(db, progress.id) == {("basics", "pick-many"): 100}


def test_answering_on_the_page_shows_result_explanation_and_try_again(
    client: TestClient, db: Session, progress: CourseProgress, learner: User, free_course: Course
):
    log_in(client, learner.email)
    url = f"/learn/{free_course.slug}/1"
    response = post_form(client, f"{url}/checks/pick-many", {"choice": ["1", "3"]}, token_from=url)
    assert response.status_code == 303
    assert response.headers["location"] == f"{url}#check-pick-many"
    html = client.get(url).text
    assert "Not quite: 66 %. Read the explanation and try again." in html
    section = html[html.index('id="check-pick-many"') :]
    assert "Partly right" in section
    assert "this answer 66 % · your best score 66 %" in section
    assert "One, three and four were asked for." in section
    assert 'href="?retry=pick-many#check-pick-many"' in section
    # The other check still offers its form.
    assert f'action="{url}/checks/pick-one"' in html
    assert f'action="{url}/checks/pick-many"' not in html

    retry = client.get(f"{url}?retry=pick-many").text
    assert f'action="{url}/checks/pick-many"' in retry
    assert "Your best score so far: 66 % (1 attempt)." in retry

    post_form(client, f"{url}/checks/pick-many", {"choice": ["1", "3", "4"]}, token_from=url)
    again = client.get(url).text
    assert "Correct. The explanation is below the question." in again
    assert "this answer 100 % · your best score 100 %" in again
    assert attempts(db) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"choice": "9"}, "numbered 1 to 3"),
        ({"choice": "two"}, "Choose among the offered answers."),
        ({}, "Choose exactly one answer."),
        ({"choice": ["1", "2"]}, "Choose exactly one answer."),
    ],
)
def test_invalid_answers_on_the_page_are_422_next_to_the_question(
    client: TestClient,
    db: Session,
    progress: CourseProgress,
    learner: User,
    free_course: Course,
    data: dict,
    message: str,
):
    log_in(client, learner.email)
    url = f"/learn/{free_course.slug}/1"
    response = post_form(client, f"{url}/checks/pick-one", data, token_from=url)
    assert response.status_code == 422
    error = re.search(
        r'<div class="form-error" role="alert" id="error-pick-one"><p>([^<]*)</p>', response.text
    )
    assert error and message in error.group(1)
    assert 'aria-describedby="error-pick-one"' in response.text
    assert attempts(db) == 0


def test_unknown_check_on_the_page_is_422(
    client: TestClient, db: Session, progress: CourseProgress, learner: User, free_course: Course
):
    log_in(client, learner.email)
    url = f"/learn/{free_course.slug}/1"
    response = post_form(client, f"{url}/checks/nope", {"choice": "1"}, token_from=url)
    assert response.status_code == 422
    assert "has no knowledge check &#39;nope&#39;" in response.text
    assert attempts(db) == 0


def test_a_refused_answer_does_not_open_a_module_ahead(
    client: TestClient, db: Session, progress: CourseProgress, learner: User, free_course: Course
):
    log_in(client, learner.email)
    response = post_form(
        client,
        f"/learn/{free_course.slug}/3/checks/final",
        {"choice": "9"},
        token_from=f"/learn/{free_course.slug}/1",
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/learn/{free_course.slug}/2"
    assert "The last lesson body." not in response.text
    assert attempts(db) == 0
