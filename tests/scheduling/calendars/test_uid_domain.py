"""Calendar UIDs are on the sender's domain (APEX_MAIL_DOMAIN), and a stored UID never moves."""

from __future__ import annotations

from datetime import date, time

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.config import Settings, get_settings
from app.scheduling import calendar, service
from app.scheduling.materialise import load_series_sessions
from tests.scheduling.calendars.helpers import events, parse
from tests.scheduling.factories import ensure_courses, make_series, make_session, make_venue


@pytest.fixture
def courses_domain(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(get_settings(), "mail_domain", "courses.example.org")
    return "courses.example.org"


def test_the_domain_defaults_to_the_from_address_and_can_be_set() -> None:
    assert Settings(mail_from="APEX <no-reply@Mail.Example.org>").mail_domain == "mail.example.org"
    assert Settings(mail_from="bare@example.net").mail_domain == "example.net"
    assert Settings(mail_domain="Courses.Example.org").mail_domain == "courses.example.org"
    assert get_settings().mail_domain == "apex.example.com"  # the suite's default From
    for bad in ("not a domain", "apex..example", "-apex.example", "a" * 59, "ünï.example"):
        with pytest.raises(ValidationError, match="APEX_MAIL_DOMAIN"):
            Settings(mail_domain=bad)


def test_new_sessions_and_series_sessions_take_the_configured_domain(
    db: Session, courses_domain: str
) -> None:
    ensure_courses(db)
    created = service.create_session(
        db,
        service.SessionInput(
            course_slug="relationship-management",
            format_id="one-day",
            starts_on=date(2027, 6, 4),
            start_time=time(9),
            end_time=time(17),
            timezone="Europe/London",
            capacity=12,
            price_cents=0,
            venue_id=make_venue(db).id,
        ),
    )
    assert created.uid.startswith("session-") and created.uid.endswith("@courses.example.org")
    series = make_series(db, materialise_from=date(2026, 12, 1))
    materialised = load_series_sessions(db, series.id)
    assert materialised
    for session in materialised:
        assert session.uid.endswith("@courses.example.org"), session.uid
        assert len(session.uid) <= 100


def test_a_session_stored_before_the_change_keeps_its_uid_in_every_calendar(
    db: Session, courses_domain: str
) -> None:
    # Subscribed calendars match events by UID: a moved UID would show the session twice.
    older = make_session(db, starts_on=date(2027, 6, 4))
    assert older.uid.endswith("@apex")
    body = calendar.calendar_for([calendar.session_event(older, "Trust", None)], "Test")
    assert set(events(parse(body))) == {older.uid}
    assert calendar.new_uid("x") == "x@courses.example.org"
