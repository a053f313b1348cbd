"""Calendar and notice test helpers: series rows, enrolments, parsing .ics bytes."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time
from email.message import Message

import icalendar
from sqlalchemy.orm import Session

from app.accounts.models import Organisation, User
from app.enrollment.models import Enrollment
from app.scheduling.models import CourseSession, Series, SessionFacilitator
from tests.scheduling.factories import ensure_courses

_sequence = itertools.count(1)


def make_series_row(
    db: Session,
    *,
    title: str | None = None,
    tz: str = "America/New_York",
    organisation: Organisation | None = None,
) -> Series:
    """A bare series row (no materialisation), to hang hand-made sessions on."""
    ensure_courses(db)
    series = Series(
        title=title or f"Series {next(_sequence)}",
        rrule="FREQ=MONTHLY;BYDAY=-1FR",
        timezone=tz,
        starts_on=date(2026, 1, 1),
        start_time=time(9, 0),
        end_time=time(17, 0),
        default_capacity=20,
        organisation_id=organisation.id if organisation is not None else None,
    )
    db.add(series)
    db.flush()
    return series


def enrol(
    db: Session,
    session: CourseSession,
    user: User,
    status: str = "confirmed",
    *,
    hold_expires_at: datetime | None = None,
    offer_expires_at: datetime | None = None,
    confirmed_at: datetime | None = None,
) -> Enrollment:
    """An enrolment row inserted directly, in any status."""
    now = datetime.now(UTC)
    enrollment = Enrollment(
        session_id=session.id,
        user_id=user.id,
        status=status,
        hold_expires_at=hold_expires_at,
        offer_expires_at=offer_expires_at,
        waitlisted_at=now if status == "waitlisted" else None,
        confirmed_at=confirmed_at or (now if status == "confirmed" else None),
        cancelled_at=now if status == "cancelled" else None,
    )
    db.add(enrollment)
    db.flush()
    return enrollment


def facilitate(db: Session, session: CourseSession, user: User) -> None:
    """Book ``user`` as a facilitator of ``session``."""
    db.add(SessionFacilitator(session_id=session.id, user_id=user.id))
    db.flush()


def parse(body: bytes) -> icalendar.Calendar:
    """Parse iCalendar bytes, asserting CRLF line ends throughout."""
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b""), "bare LF line end"
    return icalendar.Calendar.from_ical(body)


def events(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    """The calendar's VEVENTs by UID."""
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def assert_zones_defined(calendar: icalendar.Calendar) -> None:
    """Every TZID used by a DTSTART/DTEND has its VTIMEZONE in the calendar."""
    defined = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    for event in calendar.walk("VEVENT"):
        for key in ("DTSTART", "DTEND"):
            tzid = event[key].params.get("TZID")
            assert tzid, f"{key} of {event['UID']} has no TZID"
            assert tzid in defined, f"no VTIMEZONE for {tzid}"


def utc_start(calendar: icalendar.Calendar, event: icalendar.Event) -> datetime:
    """DTSTART converted to UTC through the calendar's own VTIMEZONE (not the host's zone db)."""
    tzid = event["DTSTART"].params["TZID"]
    vtimezone = next(tz for tz in calendar.walk("VTIMEZONE") if str(tz["TZID"]) == tzid)
    local = event.decoded("DTSTART").replace(tzinfo=None)
    return local.replace(tzinfo=vtimezone.to_tz(lookup_tzid=False)).astimezone(UTC)


def ics_attachments(message: Message) -> list[Message]:
    """The text/calendar parts of an e-mail."""
    return [part for part in message.walk() if part.get_content_type() == "text/calendar"]


def body_text(message: Message) -> str:
    """The plain-text body of an e-mail."""
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode()
    raise AssertionError("no text body")
