"""The catalogue pages and API: search, filters, course page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import PROJECT_ROOT
from app.content.sync import sync_folder


@pytest.fixture
def courses(db: Session) -> None:
    result = sync_folder(db, PROJECT_ROOT / "courses")
    assert result.ok


def test_catalogue_lists_every_course(client: TestClient, courses: None) -> None:
    page = client.get("/courses")
    assert page.status_code == 200
    for title in (
        "Relationship Management for Technical Professionals",
        "Defining and Managing Client Expectations",
        "Communicating Status Clients Trust",
        "Building Trust and Confidence",
    ):
        assert title in page.text
    assert "4 courses." in page.text


def test_search_needs_every_word(client: TestClient, courses: None) -> None:
    ids = {c["id"] for c in client.get("/api/v1/courses", params={"q": "status"}).json()}
    assert "status-communication" in ids
    none = client.get("/api/v1/courses", params={"q": "status zzzunheardof"}).json()
    assert none == []
    page = client.get("/courses", params={"q": "zzzunheardof"})
    assert "No course matches" in page.text


def test_filters_by_format_skill_and_audience(client: TestClient, courses: None) -> None:
    three_day = client.get("/api/v1/courses", params={"format": "three-day"}).json()
    assert [c["id"] for c in three_day] == ["relationship-management"]
    skill = three_day[0]["skills"][0]
    by_skill = client.get("/api/v1/courses", params={"skill": skill}).json()
    assert "relationship-management" in {c["id"] for c in by_skill}
    by_audience = client.get("/api/v1/courses", params={"audience": "business analysts"}).json()
    assert len(by_audience) == 4
    assert client.get("/api/v1/courses", params={"audience": "astronauts"}).json() == []


def test_course_page_shows_modules_formats_and_credit_hours(
    client: TestClient, courses: None
) -> None:
    detail = client.get("/api/v1/courses/relationship-management").json()
    assert 4 <= len(detail["modules"]) <= 6
    assert {f["id"] for f in detail["formats"]} == {"one-day", "three-day"}
    page = client.get("/courses/relationship-management")
    assert page.status_code == 200
    for module in detail["modules"]:
        assert module["title"].replace("'", "&#39;") in page.text
        assert f"{module['minutes']} min" in page.text
    assert 'href="/learn/relationship-management"' in page.text
    # Each format's credit hours beside the teaching hours they were checked against.
    hours = {f["id"]: (f["credit_hours"], f["teaching_minutes"]) for f in detail["formats"]}
    assert hours == {"one-day": (6.0, 375), "three-day": (18.5, 1125)}
    assert "1 day, 6.25 teaching hours, <strong>6 credit hours</strong>" in page.text
    assert "3 days, 18.75 teaching hours, <strong>18.5 credit hours</strong>" in page.text
    assert (detail["online_credit_hours"], detail["min_online_minutes"]) == (5.5, 330)
    assert "5.75 hours of modules, <strong>5.5 credit hours</strong>" in page.text
    assert "at least 330 minutes of study" in page.text


def test_unknown_course_is_404_as_page_and_problem(client: TestClient, courses: None) -> None:
    page = client.get("/courses/no-such-course")
    assert page.status_code == 404 and "no course" in page.text
    api = client.get("/api/v1/courses/no-such-course")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"


def test_empty_catalogue_says_so(client: TestClient) -> None:
    page = client.get("/courses")
    assert "No courses are published yet" in page.text
