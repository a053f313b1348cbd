"""iCalendar (RFC 5545) for course sessions: one VEVENT per session, calendars around them.

Pure building: no database access, no enrolment. A multi-day session is one event whose
days are its recurrence set (an RRULE for consecutive business days, RDATEs otherwise), so
it keeps a single stable UID: calendars show each day at its own local times, and a
METHOD:REQUEST or METHOD:CANCEL e-mail (RFC 5546 wants one UID per message) covers all days.
Times carry the session's TZID and the calendar carries a VTIMEZONE for every zone used,
written as yearly rules every reader expands alike (``vtimezone``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import inspect

from app.config import get_settings
from app.formatting import long_date, time_range
from app.scheduling import vtimezone
from app.scheduling.models import CourseSession, SessionStatus, Venue

PRODID = "-//APEX//Course sessions//EN"
CONFIRMED = "CONFIRMED"
TENTATIVE = "TENTATIVE"  # a held seat or a waitlist offer: not yet the learner's for sure
CANCELLED = "CANCELLED"
STATUSES = frozenset({CONFIRMED, TENTATIVE, CANCELLED})
FEED_REFRESH = timedelta(hours=1)
_WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"]


def new_uid(local_part: str) -> str:
    """A UID for a new session, on the sender's domain (``APEX_MAIL_DOMAIN``).

    Only new sessions get it: a session keeps the UID it was stored with, so changing the
    domain never shows subscribers a second copy of an event they already have.
    """
    return f"{local_part}@{get_settings().mail_domain}"


def session_days(session: CourseSession) -> list[date]:
    """The session's teaching dates (its loaded ``days``, else its single start date)."""
    if "days" not in inspect(session).unloaded and session.days:
        return [day.date for day in session.days]
    if session.starts_on != session.ends_on:
        raise ValueError(f"session {session.id}: load CourseSession.days for a multi-day session")
    return [session.starts_on]


def local_start(session: CourseSession, day: date) -> datetime:
    """The start of the session on ``day`` as an aware datetime in the session's zone."""
    return datetime.combine(day, session.start_time, tzinfo=ZoneInfo(session.timezone))


def local_end(session: CourseSession, day: date) -> datetime:
    """The end of the session on ``day`` as an aware datetime in the session's zone."""
    return datetime.combine(day, session.end_time, tzinfo=ZoneInfo(session.timezone))


def location_text(session: CourseSession, venue: Venue | None) -> str:
    """Where it happens: venue name and address, or the online link."""
    online = session.online_url or (venue.online_url if venue is not None else None)
    if venue is not None and venue.address.strip():
        address = ", ".join(line.strip() for line in venue.address.splitlines() if line.strip())
        return f"{venue.name}, {address}"
    if online:
        return online
    return venue.name if venue is not None else ""


def when_and_where(session: CourseSession, venue: Venue | None) -> tuple[str, str]:
    """When and where a session is, as its participants' messages say it (both lines)."""
    where = location_text(session, venue) or "to be announced"
    online = session.online_url or (venue.online_url if venue is not None else None) or ""
    return when_text(session), f"{where}\n{online}".strip()


def when_text(session: CourseSession, days: Sequence[date] | None = None) -> str:
    """Human dates and times in the session's own zone, naming the zone."""
    chosen = list(days) if days is not None else session_days(session)
    lines = []
    for day in chosen:
        start, end = local_start(session, day), local_end(session, day)
        lines.append(
            f"{long_date(start)}, {time_range(start, end)} {start:%Z} ({session.timezone})"
        )
    return "\n".join(lines)


def _is_business_run(days: Sequence[date]) -> bool:
    """True when ``days`` are consecutive Monday–Friday dates (what one RRULE can say)."""
    if days[0].weekday() >= 5:
        return False
    expected = days[0]
    for day in days:
        if day != expected:
            return False
        expected += timedelta(days=1)
        while expected.weekday() >= 5:
            expected += timedelta(days=1)
    return True


def session_event(
    session: CourseSession,
    course_title: str,
    venue: Venue | None,
    *,
    status: str | None = None,
    url: str | None = None,
    description: str | None = None,
    stamp: datetime | None = None,
    organizer: str | None = None,
    attendee: str | None = None,
) -> icalendar.Event:
    """The VEVENT for a session: stable UID, SEQUENCE, STATUS, times in the session's zone.

    ``status`` overrides what the session says (a cancelled enrolment in a personal feed is
    CANCELLED; a held seat TENTATIVE). ``organizer``/``attendee`` are e-mail addresses, needed
    for METHOD:REQUEST/CANCEL invitations. ``stamp`` defaults to the session's last change,
    so a feed renders the same bytes until something changes.
    """
    chosen = status or (CANCELLED if session.status == SessionStatus.CANCELLED else CONFIRMED)
    if chosen not in STATUSES:
        raise ValueError(f"unknown event status {chosen!r}")
    days = session_days(session)
    event = icalendar.Event()
    event.add("uid", session.uid)
    event.add("dtstamp", (stamp or session.updated_at or datetime.now(UTC)).astimezone(UTC))
    event.add("sequence", session.sequence)
    event.add("status", chosen)
    event.add("summary", course_title)
    event.add("dtstart", local_start(session, days[0]))
    event.add("dtend", local_end(session, days[0]))
    if len(days) > 1:
        if _is_business_run(days):
            event.add("rrule", {"FREQ": "DAILY", "BYDAY": _WEEKDAYS, "COUNT": len(days)})
        else:
            # The first day too, though DTSTART already names it: ical.js (Thunderbird)
            # leaves DTSTART out of an RDATE-only set, and RFC 5545 counts duplicates once.
            event.add("rdate", [local_start(session, day) for day in days])
    location = location_text(session, venue)
    if location:
        event.add("location", location)
    event.add("description", description or _default_description(session, venue, url))
    if url:
        event.add("url", url)
    if organizer:
        event.add("organizer", f"mailto:{organizer}", parameters={"CN": "APEX"})
    if attendee:
        event.add(
            "attendee",
            f"mailto:{attendee}",
            parameters={
                "ROLE": "REQ-PARTICIPANT",
                "PARTSTAT": "DECLINED" if chosen == CANCELLED else "ACCEPTED",
                "RSVP": "FALSE",
            },
        )
    return event


def _default_description(session: CourseSession, venue: Venue | None, url: str | None) -> str:
    parts = [when_text(session)]
    online = session.online_url or (venue.online_url if venue is not None else None)
    if online:
        parts.append(f"Online: {online}")
    if session.status == SessionStatus.CANCELLED and session.cancel_reason:
        parts.append(f"Cancelled: {session.cancel_reason}")
    if url:
        parts.append(url)
    return "\n\n".join(parts)


def _year_span(events: Iterable[icalendar.Event]) -> tuple[date, date] | None:
    starts = [event.decoded("dtstart") for event in events if "dtstart" in event]
    if not starts:
        return None
    # Room on both sides: recurring days and a zone's transitions around the dates.
    first = min(start.year for start in starts) - 1
    last = max(start.year for start in starts) + 2
    return date(first, 1, 1), date(last, 1, 1)


def _zones_used(events: Iterable[icalendar.Event]) -> set[str]:
    zones = set()
    for event in events:
        for key in ("dtstart", "dtend"):
            if key in event and "TZID" in event[key].params:
                zones.add(str(event[key].params["TZID"]))
    return zones


def calendar_for(
    events: Iterable[icalendar.Event], name: str, *, method: str | None = None
) -> bytes:
    """A complete VCALENDAR (CRLF lines, folded) with a VTIMEZONE for every zone used.

    ``method`` is "REQUEST" or "CANCEL" for e-mail invitations; subscribed feeds have none.
    """
    chosen = list(events)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method is not None:
        if method not in {"REQUEST", "CANCEL", "PUBLISH"}:
            raise ValueError(f"unsupported iTIP method {method!r}")
        calendar.add("method", method)
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    if method is None:
        # Subscribed calendars: ask clients to poll hourly (RFC 7986 and the Apple/MS name).
        calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
    # Zones first: a reader that resolves TZIDs while it reads (vobject) has them ready.
    span = _year_span(chosen)
    if span is not None:
        for tzid in sorted(_zones_used(chosen)):
            calendar.add_component(vtimezone.vtimezone(tzid, span[0], span[1]))
    for event in chosen:
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical
