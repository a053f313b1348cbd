"""Who may study a course: free courses, grants, staff; the 403 page; the grants page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.content.models import Course
from app.errors import Conflict, Forbidden, NotFound
from app.learning import service
from app.learning.models import AccessGrant, CourseProgress
from tests.factories import log_in, make_user, post_form


def _grants(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(AccessGrant)) or 0


def test_free_course_is_open_to_every_learner(db: Session, free_course: Course, learner: User):
    assert service.has_access(db, learner, free_course)


def test_course_needs_a_grant(db: Session, course: Course, learner: User, coordinator: User):
    assert not service.has_access(db, learner, course)
    grant = service.grant_access(db, course.slug, learner.email.upper(), coordinator)
    assert (grant.user_id, grant.course_id, grant.source) == (learner.id, course.id, "coordinator")
    assert grant.granted_by_id == coordinator.id
    assert service.has_access(db, learner, course)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_staff_may_study_every_course(db: Session, course: Course, role: Role):
    assert service.has_access(db, make_user(db, roles={role}), course)


def test_facilitator_alone_has_no_access(db: Session, course: Course):
    assert not service.has_access(db, make_user(db, roles={Role.FACILITATOR}), course)


def test_granting_twice_is_a_conflict(
    db: Session, course: Course, learner: User, coordinator: User
):
    service.grant_access(db, course.slug, learner.email, coordinator)
    with pytest.raises(Conflict, match="already has access"):
        service.grant_access(db, course.slug, learner.email, coordinator)
    assert _grants(db) == 1


def test_grant_for_unknown_learner_or_course(
    db: Session, course: Course, learner: User, coordinator: User
):
    with pytest.raises(NotFound, match="no account"):
        service.grant_access(db, course.slug, "nobody@example.com", coordinator)
    with pytest.raises(NotFound, match="no course"):
        service.grant_access(db, "no-such-course", learner.email, coordinator)
    assert _grants(db) == 0


def test_only_staff_grant_access(db: Session, course: Course, learner: User):
    other = make_user(db)
    with pytest.raises(Forbidden):
        service.grant_access(db, course.slug, other.email, learner)
    assert _grants(db) == 0


def test_without_access_a_403_page_explains_how_to_get_it(
    client: TestClient, db: Session, course: Course, learner: User
):
    log_in(client, learner.email)
    for path in (f"/learn/{course.slug}", f"/learn/{course.slug}/1"):
        response = client.get(path)
        assert response.status_code == 403
        assert "You do not have access to this course yet" in response.text
        assert "Ask your training coordinator" in response.text
        assert learner.email in response.text
        assert "Traceback" not in response.text
    assert db.scalar(select(func.count()).select_from(CourseProgress)) == 0


def test_answering_without_access_is_refused(
    client: TestClient, db: Session, course: Course, learner: User
):
    log_in(client, learner.email)
    response = post_form(
        client, f"/learn/{course.slug}/1/checks/pick-one", {"choice": "2"}, token_from="/learning"
    )
    assert response.status_code == 403


def test_signed_out_visitors_are_sent_to_log_in(client: TestClient, free_course: Course):
    response = client.get(f"/learn/{free_course.slug}/1")
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=/learn/{free_course.slug}/1"
    assert client.get("/learning").headers["location"] == "/login?next=/learning"


def test_unknown_course_is_404(client: TestClient, learner: User):
    log_in(client, learner.email)
    assert client.get("/learn/no-such-course").status_code == 404


def test_coordinator_grants_access_on_the_grants_page(
    client: TestClient, db: Session, course: Course, learner: User, coordinator: User
):
    log_in(client, coordinator.email)
    page = client.get("/learning/grants")
    assert page.status_code == 200
    assert f'<option value="{course.slug}"' in page.text
    assert "No access has been given yet." in page.text

    response = post_form(
        client,
        "/learning/grants",
        {"course": course.slug, "email": learner.email},
        token_from="/learning/grants",
    )
    assert response.status_code == 303
    listed = client.get("/learning/grants").text
    assert f"Access granted: {learner.email} can now study “Learning demo” online." in listed
    assert learner.display_name in listed and coordinator.display_name in listed
    assert service.has_access(db, learner, course)

    again = post_form(
        client,
        "/learning/grants",
        {"course": course.slug, "email": learner.email},
        token_from="/learning/grants",
    )
    assert again.status_code == 409
    assert "already has access" in again.text
    assert _grants(db) == 1


def test_grant_form_reports_unknown_email(
    client: TestClient, db: Session, course: Course, coordinator: User
):
    log_in(client, coordinator.email)
    response = post_form(
        client,
        "/learning/grants",
        {"course": course.slug, "email": "ghost@example.com"},
        token_from="/learning/grants",
    )
    assert response.status_code == 404
    assert 'role="alert"' in response.text and "ghost@example.com" in response.text
    assert _grants(db) == 0


def test_learners_cannot_open_the_grants_page(client: TestClient, course: Course, learner: User):
    log_in(client, learner.email)
    assert client.get("/learning/grants").status_code == 403
    response = post_form(
        client,
        "/learning/grants",
        {"course": course.slug, "email": learner.email},
        token_from="/learning",
    )
    assert response.status_code == 403


def test_a_granted_learner_can_study(
    client: TestClient, db: Session, course: Course, learner: User, coordinator: User
):
    service.grant_access(db, course.slug, learner.email, coordinator)
    db.commit()
    log_in(client, learner.email)
    response = client.get(f"/learn/{course.slug}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/learn/{course.slug}/1"
