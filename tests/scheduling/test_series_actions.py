"""Ending a series from a date and removing a date exception: a confirmation page first
(which changes nothing), then the change only with ``confirm=yes``."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.enrollment.models import Enrollment
from app.scheduling import series as series_service
from app.scheduling.materialise import REMOVED_FROM_SERIES, load_series_sessions
from app.scheduling.models import CourseSession, Series, SeriesException, SessionStatus
from tests.factories import log_in, make_user, post_form
from tests.scheduling.factories import ensure_courses, make_series


@pytest.fixture
def coordinator(client: TestClient, db: Session) -> TestClient:
    """The client, signed in as a coordinator, with the real courses loaded."""
    ensure_courses(db)
    log_in(client, make_user(db, roles={Role.COORDINATOR}).email)
    return client


def _scheduled(db: Session, series_id: int) -> list[CourseSession]:
    db.expire_all()
    return [s for s in load_series_sessions(db, series_id) if s.status == SessionStatus.SCHEDULED]


def test_ending_a_series_asks_first_then_removes_free_sessions_and_keeps_booked_ones(
    coordinator: TestClient, db: Session
) -> None:
    created = make_series(db, materialise_from=date.today(), starts_on=date.today())
    dates = sorted({s.starts_on for s in _scheduled(db, created.id)})
    cut = dates[2]  # the third date: two dates stay, the rest go
    later = [s for s in _scheduled(db, created.id) if s.starts_on >= cut]
    busy = later[0]
    db.add(Enrollment(session_id=busy.id, user_id=make_user(db).id, status="confirmed"))
    db.commit()
    before = len(_scheduled(db, created.id))
    path = f"/coordinator/series/{created.id}"

    page = post_form(coordinator, f"{path}/end", {"from_date": cut.isoformat()}, token_from=path)
    assert page.status_code == 200
    assert "Yes, end the series" in page.text and 'name="confirm" value="yes"' in page.text
    kept = page.text.split("Kept: sessions with enrolments (1)")[1].split("</section>")[0]
    assert f'href="/coordinator/sessions/{busy.id}"' in kept and "1 seat taken" in kept
    assert f"Removed: sessions without enrolments ({len(later) - 1})" in page.text
    # The confirmation page changed nothing (its preview was rolled back).
    assert len(_scheduled(db, created.id)) == before
    assert db.get(Series, created.id).ends_on is None  # type: ignore[union-attr]

    done = post_form(
        coordinator,
        f"{path}/end",
        {"from_date": cut.isoformat(), "confirm": "yes"},
        token_from=path,
    )
    assert done.status_code == 303 and done.headers["location"] == f"{path}?kept={busy.id}"
    left = _scheduled(db, created.id)
    assert {s.id for s in left if s.starts_on >= cut} == {busy.id}
    assert len(left) == before - (len(later) - 1)
    item = db.get(Series, created.id)
    assert item is not None and item.ends_on is not None and item.ends_on < cut
    # The series generates nothing after its end, however far it is extended.
    series_service.extend_series(db, series_service.get_series(db, created.id), months=24)
    db.commit()
    assert {s.id for s in _scheduled(db, created.id) if s.starts_on >= cut} == {busy.id}
    shown = coordinator.get(done.headers["location"]).text
    assert "with enrolments kept" in shown


def test_ending_a_series_refuses_bad_dates_and_needs_a_coordinator(
    client: TestClient, db: Session
) -> None:
    created = make_series(db, materialise_from=date.today(), starts_on=date.today())
    db.commit()
    path = f"/coordinator/series/{created.id}"
    learner = make_user(db)
    log_in(client, learner.email)
    refused = post_form(client, f"{path}/end", {"from_date": "2030-01-01"}, token_from="/bookings")
    assert refused.status_code == 403
    client.cookies.clear()
    log_in(client, make_user(db, roles={Role.COORDINATOR}).email)
    for bad, message in [
        ("yesterday", "End from: give a date as YYYY-MM-DD."),
        ("2001-01-01", "is in the past"),
        ("", "End from: give a date as YYYY-MM-DD."),
    ]:
        response = post_form(client, f"{path}/end", {"from_date": bad}, token_from=path)
        assert response.status_code == 303, bad
        assert message in client.get(path).text, bad
    # A NUL byte is refused by the input guard (400, as every form), never a 500.
    nul = post_form(client, f"{path}/end", {"from_date": "2026-12-\x00"}, token_from=path)
    assert nul.status_code == 400
    missing = post_form(client, "/coordinator/series/999999/end", {}, token_from=path)
    assert missing.status_code == 404
    assert db.get(Series, created.id).ends_on is None  # type: ignore[union-attr]


def test_removing_an_exception_asks_first_and_brings_the_date_back_at_once(
    coordinator: TestClient, db: Session
) -> None:
    created = make_series(db, materialise_from=date.today(), starts_on=date.today())
    first = _scheduled(db, created.id)[0]
    item = series_service.get_series(db, created.id)
    series_service.add_exception(db, item, "cancel", first.starts_on, note="Closed")
    db.commit()
    assert first.id not in {s.id for s in _scheduled(db, created.id)}
    (exception,) = db.scalars(
        select(SeriesException).where(SeriesException.series_id == created.id)
    )
    exception_id = exception.id
    path = f"/coordinator/series/{created.id}"
    assert f"/exceptions/{exception_id}/remove" in coordinator.get(path).text
    remove = f"{path}/exceptions/{exception_id}/remove"

    page = post_form(coordinator, remove, {}, token_from=path)
    assert page.status_code == 200 and "Yes, remove the exception" in page.text
    assert "Moved back to the rule, or brought back" in page.text
    assert db.scalar(select(func.count()).select_from(SeriesException)) == 1
    assert first.id not in {s.id for s in _scheduled(db, created.id)}

    done = post_form(coordinator, remove, {"confirm": "yes"}, token_from=path)
    assert done.status_code == 303
    assert db.scalar(select(func.count()).select_from(SeriesException)) == 0
    back = db.get(CourseSession, first.id)
    assert back is not None and back.status == SessionStatus.SCHEDULED
    assert back.cancel_reason != REMOVED_FROM_SERIES
    assert "is removed" in coordinator.get(path).text
    # Removed already, or another series' exception: 404, not a 500.
    assert post_form(coordinator, remove, {}, token_from=path).status_code == 404
    other = make_series(db, title="Other", materialise_from=date.today(), starts_on=date.today())
    db.commit()
    wrong = f"/coordinator/series/{other.id}/exceptions/{exception_id}/remove"
    assert post_form(coordinator, wrong, {"confirm": "yes"}, token_from=path).status_code == 404
