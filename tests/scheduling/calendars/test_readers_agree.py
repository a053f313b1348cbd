"""Every calendar reader puts every session at the same wall-clock time and UTC instant.

Weekly sessions through two whole years in New York and London, so each reader crosses
both changes of both zones, the weeks between the US and EU changes in March and in
October/November, and the later years a zone's first rule no longer covers (where the
old comma-separated RDATEs sent Thunderbird's ical.js an hour off). Zone names are made
private first, so no reader can fall back on its own copy of the zone database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from app.scheduling import calendar, feeds
from app.scheduling.models import CourseSession, SessionDay
from tests.scheduling.calendars import readers
from tests.scheduling.calendars.helpers import make_series_row
from tests.scheduling.factories import load_session, make_session

ZONES = ("America/New_York", "Europe/London")
FIRST, LAST = date(2027, 1, 1), date(2028, 12, 31)  # Fridays, weekly


def _weekly(db: Session) -> list[CourseSession]:
    sessions = []
    for tz in ZONES:
        day = FIRST
        while day <= LAST:
            sessions.append(make_session(db, starts_on=day, tz=tz, start_time=time(9, 30)))
            day += timedelta(days=7)
    # A week of teaching across New York's spring change (Thu, Fri, Mon, Tue: an RRULE) ...
    sessions.append(make_session(db, starts_on=date(2028, 3, 9), days=4, tz=ZONES[0]))
    # ... and days that no rule says across London's autumn change (RDATEs).
    sessions.append(_on_days(db, ZONES[1], [date(2028, 10, 27), date(2028, 10, 31)]))
    return sessions


def _on_days(db: Session, tz: str, days: list[date]) -> CourseSession:
    session = make_session(db, starts_on=days[0], tz=tz)
    for index, day in enumerate(days[1:], start=2):
        db.add(SessionDay(session_id=session.id, day_index=index, date=day))
    session.ends_on = days[-1]
    db.flush()
    return load_session(db, session.id)


def _expected(sessions: list[CourseSession]) -> list[readers.Occurrence]:
    found = []
    for session in sessions:
        for day in calendar.session_days(session):
            local = datetime.combine(day, session.start_time, ZoneInfo(session.timezone))
            found.append(
                (
                    session.uid,
                    local.replace(tzinfo=None).isoformat(timespec="seconds"),
                    local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                )
            )
    return sorted(found)


@pytest.fixture
def feed(db: Session) -> tuple[bytes, list[readers.Occurrence]]:
    """The public feed of a series holding every session, and where each should be."""
    series = make_series_row(db, tz=ZONES[0])
    sessions = _weekly(db)
    for session in sessions:
        session.series_id = series.id
    db.flush()
    body = feeds.series_feed(db, series.id, today=date(2026, 12, 8))
    return readers.private_zone_names(body), _expected(sessions)


def test_the_feed_carries_each_zone_as_yearly_rules(
    feed: tuple[bytes, list[readers.Occurrence]],
) -> None:
    body, expected = feed
    assert len(expected) == 2 * 105 + 4 + 2
    vtimezones = body.split(b"BEGIN:VEVENT")[0]
    assert b"RDATE" not in vtimezones  # ical.js reads one value of each RDATE, at most
    assert b"RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\n" in vtimezones  # New York, open-ended
    assert b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n" in vtimezones  # London


def test_icalendar_and_recurring_ical_events_read_every_session_right(
    feed: tuple[bytes, list[readers.Occurrence]],
) -> None:
    body, expected = feed
    assert readers.read_with_icalendar(body) == expected


def test_vobject_reads_every_session_right(feed: tuple[bytes, list[readers.Occurrence]]) -> None:
    body, expected = feed
    assert readers.read_with_vobject(body) == expected


def test_mozilla_icaljs_reads_every_session_right(
    feed: tuple[bytes, list[readers.Occurrence]], tmp_path: Path
) -> None:
    body, expected = feed
    assert readers.read_with_icaljs(body, tmp_path) == expected


def test_an_invitation_reads_the_same_in_every_reader(db: Session, tmp_path: Path) -> None:
    # One session in its zone's summer two years out: the first year an RDATE list missed.
    session = make_session(db, starts_on=date(2028, 7, 7), days=3, tz=ZONES[1])
    body = feeds.invitation(db, session, method="REQUEST", attendee="ann@example.com")
    body = readers.private_zone_names(body)
    expected = _expected([session])
    assert [occurrence[2] for occurrence in expected][:1] == ["2028-07-07T08:00:00Z"]
    assert readers.read_with_icalendar(body) == expected
    assert readers.read_with_vobject(body) == expected
    assert readers.read_with_icaljs(body, tmp_path) == expected
