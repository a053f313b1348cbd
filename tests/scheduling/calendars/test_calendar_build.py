"""iCalendar output for sessions: zones, DST, stable UIDs, SEQUENCE, STATUS, CRLF."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from dateutil.rrule import rrulestr
from sqlalchemy.orm import Session

from app.scheduling import calendar
from tests.scheduling.calendars.helpers import assert_zones_defined, events, parse, utc_start
from tests.scheduling.factories import load_session, make_session, make_venue


def _render(*sessions, method=None, **kwargs) -> bytes:
    built = [calendar.session_event(s, f"Course {s.id}", None, **kwargs) for s in sessions]
    return calendar.calendar_for(built, "Test", method=method)


def test_every_start_names_a_zone_whose_vtimezone_is_in_the_calendar(db: Session) -> None:
    new_york = make_session(db, starts_on=date(2026, 12, 18), tz="America/New_York")
    london = make_session(db, starts_on=date(2026, 12, 18), tz="Europe/London")
    parsed = parse(_render(new_york, london))
    assert_zones_defined(parsed)
    assert {str(tz["TZID"]) for tz in parsed.walk("VTIMEZONE")} == {
        "America/New_York",
        "Europe/London",
    }
    assert str(parsed["VERSION"]) == "2.0"
    assert "APEX" in str(parsed["PRODID"])
    assert "METHOD" not in parsed  # a feed, not an invitation
    found = events(parsed)
    assert found[new_york.uid]["DTSTART"].params["TZID"] == "America/New_York"
    assert found[london.uid]["DTSTART"].params["TZID"] == "Europe/London"


def test_start_times_are_right_in_utc_across_daylight_saving_changes(db: Session) -> None:
    # 09:00 local before and after each zone's spring and autumn changes in 2026.
    cases = {
        ("America/New_York", date(2026, 3, 6)): datetime(2026, 3, 6, 14, tzinfo=UTC),  # EST
        ("America/New_York", date(2026, 3, 9)): datetime(2026, 3, 9, 13, tzinfo=UTC),  # EDT
        ("America/New_York", date(2026, 10, 30)): datetime(2026, 10, 30, 13, tzinfo=UTC),
        ("America/New_York", date(2026, 11, 2)): datetime(2026, 11, 2, 14, tzinfo=UTC),
        ("Europe/London", date(2026, 3, 27)): datetime(2026, 3, 27, 9, tzinfo=UTC),  # GMT
        ("Europe/London", date(2026, 3, 30)): datetime(2026, 3, 30, 8, tzinfo=UTC),  # BST
        ("Europe/London", date(2026, 10, 23)): datetime(2026, 10, 23, 8, tzinfo=UTC),
        ("Europe/London", date(2026, 10, 26)): datetime(2026, 10, 26, 9, tzinfo=UTC),
    }
    sessions = {key: make_session(db, starts_on=key[1], tz=key[0]) for key in cases}
    parsed = parse(_render(*sessions.values()))
    found = events(parsed)
    for key, expected in cases.items():
        event = found[sessions[key].uid]
        # Through the calendar's own VTIMEZONE, as a calendar client would compute it.
        assert utc_start(parsed, event) == expected, key
        assert event.decoded("DTSTART").astimezone(UTC) == expected, key
        assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=8)


def test_a_multi_day_session_is_one_event_repeating_on_each_day(db: Session) -> None:
    # Friday, Monday, Tuesday across the US spring change (8 March 2026).
    session = make_session(db, starts_on=date(2026, 3, 6), days=3, tz="America/New_York")
    assert [d.date for d in session.days] == [date(2026, 3, 6), date(2026, 3, 9), date(2026, 3, 10)]
    parsed = parse(_render(session))
    (event,) = parsed.walk("VEVENT")
    assert str(event["UID"]) == session.uid
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=event.decoded("DTSTART"))
    starts = [moment.astimezone(UTC) for moment in rule]
    assert starts == [
        datetime(2026, 3, 6, 14, tzinfo=UTC),
        datetime(2026, 3, 9, 13, tzinfo=UTC),
        datetime(2026, 3, 10, 13, tzinfo=UTC),
    ]


def test_days_that_skip_a_business_day_are_listed_as_rdates(db: Session) -> None:
    session = make_session(db, starts_on=date(2026, 12, 23), days=3, tz="Europe/London")
    # Move the third day past the holidays: the run is no longer consecutive business days.
    third = next(d for d in session.days if d.day_index == 3)
    third.date = date(2026, 12, 29)
    db.flush()
    session = load_session(db, session.id)
    parsed = parse(_render(session))
    (event,) = parsed.walk("VEVENT")
    assert "RRULE" not in event
    assert event["RDATE"].params["TZID"] == "Europe/London"
    rdates = [moment.dt.astimezone(UTC) for moment in event["RDATE"].dts]
    # The first day is listed too (ical.js drops DTSTART from an RDATE-only set).
    assert rdates == [
        datetime(2026, 12, 23, 9, tzinfo=UTC),
        datetime(2026, 12, 24, 9, tzinfo=UTC),
        datetime(2026, 12, 29, 9, tzinfo=UTC),
    ]


def test_uids_are_stable_and_sequence_follows_the_session(db: Session) -> None:
    session = make_session(db, starts_on=date(2026, 12, 18))
    first = _render(session)
    assert _render(session) == first  # same bytes: DTSTAMP is the session's last change
    assert str(events(parse(first))[session.uid]["SEQUENCE"]) == "0"
    session.sequence += 1
    session.start_time = session.start_time.replace(hour=10)
    db.flush()
    again = parse(_render(session))
    event = events(again)[session.uid]
    assert int(event["SEQUENCE"]) == 1
    assert utc_start(again, event) == datetime(2026, 12, 18, 15, tzinfo=UTC)


def test_status_is_confirmed_or_cancelled(db: Session) -> None:
    running = make_session(db, starts_on=date(2026, 12, 18))
    cancelled = make_session(db, starts_on=date(2026, 12, 18), status="cancelled")
    found = events(parse(_render(running, cancelled)))
    assert str(found[running.uid]["STATUS"]) == "CONFIRMED"
    assert str(found[cancelled.uid]["STATUS"]) == "CANCELLED"
    override = events(parse(_render(running, status=calendar.CANCELLED)))
    assert str(override[running.uid]["STATUS"]) == "CANCELLED"


def test_location_is_the_venue_and_address_or_the_online_link(db: Session) -> None:
    room = make_venue(db, name="Harbour Room", address="12 Quay Street\nBoston, MA")
    in_room = make_session(db, venue=room)
    online = make_session(db, online_url="https://meet.example.com/apex")
    built = [
        calendar.session_event(in_room, "Trust", room, url="http://testserver/sessions/1"),
        calendar.session_event(online, "Status", None),
    ]
    found = events(parse(calendar.calendar_for(built, "Test")))
    assert str(found[in_room.uid]["LOCATION"]) == "Harbour Room, 12 Quay Street, Boston, MA"
    assert str(found[in_room.uid]["URL"]) == "http://testserver/sessions/1"
    assert str(found[in_room.uid]["SUMMARY"]) == "Trust"
    assert str(found[online.uid]["LOCATION"]) == "https://meet.example.com/apex"
    assert "https://meet.example.com/apex" in str(found[online.uid]["DESCRIPTION"])


def test_invitations_carry_a_method_organizer_and_attendee(db: Session) -> None:
    session = make_session(db, starts_on=date(2026, 12, 18))
    event = calendar.session_event(
        session, "Trust", None, organizer="no-reply@apex.example.com", attendee="ann@example.com"
    )
    parsed = parse(calendar.calendar_for([event], "APEX", method="REQUEST"))
    assert str(parsed["METHOD"]) == "REQUEST"
    (found,) = parsed.walk("VEVENT")
    assert str(found["ORGANIZER"]) == "mailto:no-reply@apex.example.com"
    assert str(found["ATTENDEE"]) == "mailto:ann@example.com"
    assert_zones_defined(parsed)


def test_an_empty_calendar_is_still_valid() -> None:
    parsed = parse(calendar.calendar_for([], "Nothing yet"))
    assert list(parsed.walk("VEVENT")) == []
    assert str(parsed["X-WR-CALNAME"]) == "Nothing yet"


def test_session_days_must_be_loaded_for_multi_day_sessions(db: Session) -> None:
    session = make_session(db, starts_on=date(2026, 12, 14), days=3)
    db.expire(session, ["days"])
    with pytest.raises(ValueError, match=r"load CourseSession\.days"):
        calendar.session_days(session)
