"""Sessions pin the course version they teach; coordinators see it and may move a session on."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.errors import Conflict, Invalid
from app.scheduling import series as series_service
from app.scheduling import sessions as service
from app.scheduling.materialise import load_series_sessions
from app.scheduling.schemas import SeriesUpdate
from tests.factories import log_in, make_user, post_form
from tests.scheduling.factories import (
    current_version_id,
    ensure_courses,
    load_session,
    make_series,
    make_session,
    make_venue,
    publish_new_version,
)

BEFORE_IT_STARTS = datetime(2026, 1, 5, tzinfo=UTC)


def _standalone(db: Session, starts_on: date = date(2027, 3, 3)) -> service.SessionInput:
    ensure_courses(db)
    return service.SessionInput(
        course_slug="relationship-management",
        format_id="one-day",
        starts_on=starts_on,
        start_time=time(9),
        end_time=time(17),
        timezone="America/New_York",
        capacity=12,
        venue_id=make_venue(db).id,
    )


def test_a_standalone_session_pins_the_current_version(db: Session, tmp_path: Path) -> None:
    session = service.create_session(db, _standalone(db))
    first = current_version_id(db, "relationship-management")
    assert session.course_version_id == first
    newer = publish_new_version(db, tmp_path)
    assert newer.id != first
    # Publishing leaves the session where it was; a session created now takes the new one.
    assert load_session(db, session.id).course_version_id == first
    assert service.create_session(db, _standalone(db)).course_version_id == newer.id


def test_series_sessions_pin_their_courses_current_versions(db: Session, tmp_path: Path) -> None:
    series = make_series(db, starts_on=date(2026, 12, 1), horizon_months=2)
    created = load_series_sessions(db, series.id)
    assert created
    for session in created:
        assert session.course_version_id is not None
        assert session.course_version_id == current_version_id(db, _slug(db, session.course_id))


@pytest.mark.usefixtures("app")  # create_app wires the real sessions_in_use
def test_series_edits_keep_the_pin_unless_the_course_changes(db: Session, tmp_path: Path) -> None:
    series = make_series(db, starts_on=date(2026, 12, 1), horizon_months=2)
    old_ce = current_version_id(db, "client-expectations")
    publish_new_version(db, tmp_path, slug="client-expectations")
    # A new start time re-applies every future session; track 3 also changes course.
    changes = SeriesUpdate(
        start_time=time(8, 30),
        courses=["client-expectations", "status-communication", "relationship-management"],
    )
    series_service.update_series(db, series, changes, today=date(2026, 12, 1))
    sessions = load_series_sessions(db, series.id)
    assert sessions and all(s.start_time == time(8, 30) for s in sessions)
    for session in sessions:
        if session.track_position == 1:  # same course: still the version it was pinned to
            assert session.course_version_id == old_ce
        if session.track_position == 3:
            assert session.course_version_id == current_version_id(db, "relationship-management")


def _slug(db: Session, course_id: int) -> str:
    return {c.id: slug for slug, c in ensure_courses(db).items()}[course_id]


def test_moving_a_session_that_has_not_started(db: Session, tmp_path: Path) -> None:
    session = make_session(db, starts_on=date(2026, 3, 2))
    with pytest.raises(Conflict, match=r"already teaches version 1\.1\.0"):
        service.move_to_current_version(db, session, now=BEFORE_IT_STARTS)
    newer = publish_new_version(db, tmp_path)
    versions = service.session_versions(db, session)
    assert versions.behind and versions.taught is versions.pinned
    moved = service.move_to_current_version(db, session, now=BEFORE_IT_STARTS)
    assert moved.id == newer.id == session.course_version_id
    assert not service.session_versions(db, session).behind


def test_a_session_that_started_or_was_cancelled_keeps_its_version(
    db: Session, tmp_path: Path
) -> None:
    session = make_session(db, starts_on=date(2026, 3, 2))  # 09:00 New York = 14:00 UTC
    publish_new_version(db, tmp_path)
    pinned = session.course_version_id
    with pytest.raises(Conflict, match="has started"):
        service.move_to_current_version(db, session, now=datetime(2026, 3, 2, 14, tzinfo=UTC))
    cancelled = make_session(db, starts_on=date(2026, 3, 2), status="cancelled")
    with pytest.raises(Conflict, match="cancelled"):
        service.move_to_current_version(db, cancelled, now=BEFORE_IT_STARTS)
    assert session.course_version_id == pinned


def test_a_version_whose_format_changed_length_is_refused(db: Session, tmp_path: Path) -> None:
    # A one-day format session laid out over three days cannot take the new version's
    # one-day agenda silently.
    session = make_session(db, starts_on=date(2026, 3, 2), days=3, format_id="one-day")
    publish_new_version(db, tmp_path)
    with pytest.raises(Invalid, match="over 1 day, this session over 3 days"):
        service.move_to_current_version(db, session, now=BEFORE_IT_STARTS)


@pytest.fixture
def coordinator(client: TestClient, db: Session) -> TestClient:
    """The client, signed in as a coordinator, with the real courses loaded."""
    ensure_courses(db)
    log_in(client, make_user(db, roles={Role.COORDINATOR}).email)
    return client


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_the_session_page_shows_the_version_and_moves_it_on(
    coordinator: TestClient, db: Session, tmp_path: Path
) -> None:
    session = make_session(db, starts_on=date.today() + timedelta(days=400))
    path = f"/coordinator/sessions/{session.id}/edit"
    page = coordinator.get(path)
    assert "Course version 1.1.0" in _text(page.text)
    assert "/course-version" not in page.text  # nothing newer to move to

    publish_new_version(db, tmp_path)
    page = coordinator.get(path)
    assert "Course version 1.1.0 (the newest is 9.0.0)" in _text(page.text)
    assert "Move this session to version 9.0.0" in _text(page.text)

    response = post_form(coordinator, f"/coordinator/sessions/{session.id}/course-version", {},
                         token_from=path)  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"] == path
    page = coordinator.get(path)
    text = _text(page.text)
    assert "The session now teaches version 9.0.0" in text
    assert "Course version 9.0.0" in text and "the newest is" not in text
    assert load_session(db, session.id).course_version_id == current_version_id(
        db, "relationship-management"
    )


def test_moving_needs_the_csrf_token(coordinator: TestClient, db: Session, tmp_path: Path) -> None:
    session = make_session(db, starts_on=date.today() + timedelta(days=400))
    pinned = session.course_version_id
    publish_new_version(db, tmp_path)
    db.commit()  # a refused request rolls back to here
    response = coordinator.post(f"/coordinator/sessions/{session.id}/course-version", data={})
    assert response.status_code == 403
    assert load_session(db, session.id).course_version_id == pinned
