"""``/api/v1/learning``: answers graded over the API, and the learner's course list."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import User
from app.content.models import Course
from app.learning import player, service
from tests.learning.helpers import attempts, completions, finish_course

PROBLEM = "application/problem+json"


@pytest.fixture
def token(db: Session, learner: User) -> dict[str, str]:
    """Authorization header with the learner's personal API token."""
    secret = accounts.issue_api_token(db, learner, name="tests")
    db.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def opened(db: Session, free_course: Course, learner: User) -> None:
    """The learner has opened the first module of the free course."""
    player.open_module(db, service.start_or_resume(db, learner, free_course.slug), 1)
    db.commit()


def _answer_url(slug: str, module: str = "basics", check: str = "pick-many") -> str:
    return f"/api/v1/learning/{slug}/modules/{module}/checks/{check}"


def test_answer_is_graded(
    client: TestClient, db: Session, free_course: Course, token: dict, opened: None
):
    url = _answer_url(free_course.slug)
    first = client.post(url, json={"chosen": [1, 3]}, headers=token)
    assert first.status_code == 200
    assert first.json() == {
        "correct": False,
        "score": 66,
        "best_score": 66,
        "explanation": "One, three and four were asked for.",
        "course_complete": False,
    }
    right = client.post(url, json={"chosen": [1, 3, 4]}, headers=token).json()
    assert (right["correct"], right["score"], right["best_score"]) == (True, 100, 100)
    worse = client.post(url, json={"chosen": [2]}, headers=token).json()
    assert (worse["correct"], worse["score"], worse["best_score"]) == (False, 0, 100)
    assert attempts(db) == 3


@pytest.mark.parametrize(
    ("check", "body"),
    [
        ("pick-many", {"chosen": [9]}),
        ("pick-many", {"chosen": []}),
        ("pick-many", {"chosen": [1, 1]}),
        ("pick-one", {"chosen": [1, 2]}),
        ("pick-one", {"chosen": [0]}),
        ("no-such-check", {"chosen": [1]}),
        ("pick-one", {"chosen": ["1"]}),  # not a number
        ("pick-one", {"chosen": [True]}),
        ("pick-one", {"chosen": 1}),
        ("pick-one", {}),
        ("pick-one", {"chosen": [1], "extra": 1}),
    ],
)
def test_invalid_answers_are_422_problems_and_record_nothing(
    client: TestClient,
    db: Session,
    free_course: Course,
    token: dict,
    opened: None,
    check: str,
    body: dict,
):
    response = client.post(_answer_url(free_course.slug, check=check), json=body, headers=token)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == 422
    assert attempts(db) == 0


def test_no_access_and_unknown_course_are_404(
    client: TestClient, db: Session, course: Course, token: dict
):
    for slug in (course.slug, "no-such-course"):
        response = client.post(
            _answer_url(slug, "basics", "pick-one"), json={"chosen": [2]}, headers=token
        )
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
    assert attempts(db) == 0


def test_unknown_module_is_404(client: TestClient, free_course: Course, token: dict, opened: None):
    response = client.post(
        _answer_url(free_course.slug, "nope", "pick-one"), json={"chosen": [2]}, headers=token
    )
    assert response.status_code == 404


def test_a_module_not_opened_yet_is_409(
    client: TestClient, db: Session, free_course: Course, token: dict, opened: None
):
    response = client.post(
        _answer_url(free_course.slug, "middle", "mid"), json={"chosen": [1]}, headers=token
    )
    assert response.status_code == 409
    assert "Open module 2" in response.json()["detail"]
    assert attempts(db) == 0


def test_a_token_is_required(client: TestClient, free_course: Course):
    response = client.post(_answer_url(free_course.slug), json={"chosen": [1]})
    assert response.status_code == 401
    assert client.get("/api/v1/learning").status_code == 401


def test_the_last_right_answer_completes_the_course(
    client: TestClient, db: Session, free_course: Course, learner: User, token: dict
):
    progress = service.start_or_resume(db, learner, free_course.slug)
    for position in (1, 2, 3):
        player.open_module(db, progress, position)
    db.commit()
    answers = [
        ("basics", "pick-one", [2]),
        ("basics", "pick-many", [1, 3, 4]),
        ("middle", "mid", [1]),
    ]
    for module, check, chosen in answers:
        body = client.post(
            _answer_url(free_course.slug, module, check), json={"chosen": chosen}, headers=token
        ).json()
        assert body["course_complete"] is False
    last = client.post(
        _answer_url(free_course.slug, "last", "final"), json={"chosen": [3]}, headers=token
    ).json()
    assert last["course_complete"] is True
    assert completions(db) == 1


def test_my_learning_over_the_api(
    client: TestClient, db: Session, free_course: Course, learner: User, token: dict
):
    assert client.get("/api/v1/learning", headers=token).json() == []
    finish_course(db, learner, free_course.slug)
    db.commit()
    rows = client.get("/api/v1/learning", headers=token).json()
    assert len(rows) == 1
    row = rows[0]
    assert {k: row[k] for k in row if k != "completed_at"} == {
        "course_slug": free_course.slug,
        "course_title": "Learning demo",
        "version": "1.0.0",
        "modules_visited": 3,
        "modules_total": 3,
        "percent": 100,
        "started": True,
        "resume_url": f"/learn/{free_course.slug}/3",
    }
    assert row["completed_at"] is not None
