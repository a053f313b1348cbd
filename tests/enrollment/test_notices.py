"""E-mails about enrolments: content in the session's zone, .ics attachments, no raising."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.enrollment import notices
from tests.factories import make_user, read_outbox
from tests.scheduling.calendars.helpers import (
    assert_zones_defined,
    body_text,
    enrol,
    events,
    facilitate,
    ics_attachments,
    parse,
    utc_start,
)
from tests.scheduling.factories import make_session, make_venue

DAY = date(2026, 12, 18)  # a Friday, in standard time on both sides of the Atlantic


def test_the_confirmation_carries_a_valid_invitation(db: Session, outbox: Path) -> None:
    learner = make_user(db, name="Ann Lee", email="ann@example.com")
    room = make_venue(db, name="Harbour Room", address="12 Quay Street, Boston")
    session = make_session(
        db, starts_on=DAY, tz="America/New_York", venue=room, course_slug="trust-and-confidence"
    )
    enrollment = enrol(db, session, learner)

    notices.enrollment_confirmed(db, enrollment)
    db.commit()  # notices go out when the change is committed

    (message,) = read_outbox(outbox)
    assert message["To"] == "ann@example.com"
    assert "Confirmed: Building Trust and Confidence" in message["Subject"]
    text = body_text(message)
    assert "Hello Ann Lee" in text
    assert "Friday 18 December 2026, 09:00–17:00 EST (America/New_York)" in text
    assert "Harbour Room, 12 Quay Street, Boston" in text
    assert f"http://testserver/sessions/{session.id}" in text
    (attachment,) = ics_attachments(message)
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_param("method") == "REQUEST"
    calendar = parse(attachment.get_payload(decode=True))
    assert str(calendar["METHOD"]) == "REQUEST"
    assert_zones_defined(calendar)
    event = events(calendar)[session.uid]
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert utc_start(calendar, event) == datetime(2026, 12, 18, 14, tzinfo=UTC)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ATTENDEE"]) == "mailto:ann@example.com"
    assert str(event["ORGANIZER"]).startswith("mailto:")


def test_a_hold_names_its_expiry_in_the_session_zone(db: Session, outbox: Path) -> None:
    session = make_session(db, starts_on=DAY, tz="Europe/London")
    enrollment = enrol(
        db,
        session,
        make_user(db),
        "held",
        hold_expires_at=datetime(2026, 11, 30, 14, 30, tzinfo=UTC),
    )
    notices.enrollment_held(db, enrollment)
    db.commit()  # notices go out when the change is committed
    (message,) = read_outbox(outbox)
    assert "Seat held" in message["Subject"]
    assert "Monday 30 November 2026, 14:30 GMT" in body_text(message)
    assert ics_attachments(message) == []


def test_a_waitlist_offer_names_its_expiry_and_the_bookings_page(db: Session, outbox: Path) -> None:
    session = make_session(db, starts_on=DAY, tz="America/New_York")
    enrollment = enrol(
        db,
        session,
        make_user(db),
        "offered",
        offer_expires_at=datetime(2026, 12, 2, 17, 0, tzinfo=UTC),
    )
    notices.waitlist_offer(db, enrollment)
    db.commit()  # notices go out when the change is committed
    (message,) = read_outbox(outbox)
    text = body_text(message)
    assert "A seat is free for you" in message["Subject"]
    assert "Wednesday 2 December 2026, 12:00 EST" in text
    assert "http://testserver/bookings" in text


def test_joining_the_waitlist_is_acknowledged(db: Session, outbox: Path) -> None:
    session = make_session(db, starts_on=DAY)
    notices.waitlist_joined(db, enrol(db, session, make_user(db), "waitlisted"))
    db.commit()  # notices go out when the change is committed
    (message,) = read_outbox(outbox)
    assert "On the waitlist" in message["Subject"]
    assert "waitlist" in body_text(message)


def test_a_cancellation_carries_a_cancelling_invitation(db: Session, outbox: Path) -> None:
    session = make_session(db, starts_on=DAY, tz="Europe/London")
    session.sequence = 2
    enrollment = enrol(db, session, make_user(db), "cancelled")
    notices.enrollment_cancelled(db, enrollment)
    db.commit()  # notices go out when the change is committed
    (message,) = read_outbox(outbox)
    (attachment,) = ics_attachments(message)
    assert attachment.get_param("method") == "CANCEL"
    calendar = parse(attachment.get_payload(decode=True))
    assert str(calendar["METHOD"]) == "CANCEL"
    event = events(calendar)[session.uid]
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 2
    assert_zones_defined(calendar)


def test_a_move_invites_to_the_new_date_and_cancels_the_old(db: Session, outbox: Path) -> None:
    old = make_session(db, starts_on=DAY, tz="America/New_York")
    new = make_session(db, starts_on=date(2027, 1, 29), tz="America/New_York")
    enrollment = enrol(db, new, make_user(db))
    notices.enrollment_moved(db, enrollment, old)
    db.commit()  # notices go out when the change is committed
    (message,) = read_outbox(outbox)
    assert "Moved" in message["Subject"]
    text = body_text(message)
    assert "Friday 29 January 2027" in text and "Friday 18 December 2026" in text
    by_name = {part.get_filename(): part for part in ics_attachments(message)}
    invite = parse(by_name["invite.ics"].get_payload(decode=True))
    cancel = parse(by_name["cancel-previous.ics"].get_payload(decode=True))
    assert str(invite["METHOD"]) == "REQUEST" and set(events(invite)) == {new.uid}
    assert str(cancel["METHOD"]) == "CANCEL" and set(events(cancel)) == {old.uid}


def test_a_cancelled_session_tells_everyone_once(db: Session, outbox: Path) -> None:
    session = make_session(db, starts_on=DAY)
    session.status = "cancelled"
    session.cancel_reason = "Cancelled at go/no-go: 1 of 4 minimum participants"
    learners = [make_user(db) for _ in range(3)]
    enrollments = [enrol(db, session, person, "cancelled") for person in learners]
    enrollments.append(enrol(db, session, learners[0], "cancelled"))  # a second row, one mail
    facilitator = make_user(db, roles={Role.FACILITATOR})
    facilitate(db, session, facilitator)

    notices.session_cancelled(db, session, enrollments)
    db.commit()  # notices go out when the change is committed

    messages = read_outbox(outbox)
    assert sorted(m["To"] for m in messages) == sorted(
        [p.email for p in learners] + [facilitator.email]
    )
    for message in messages:
        assert "Session cancelled" in message["Subject"]
        assert "1 of 4 minimum participants" in body_text(message)
        (attachment,) = ics_attachments(message)
        assert str(parse(attachment.get_payload(decode=True))["METHOD"]) == "CANCEL"


def test_a_mail_failure_is_logged_not_raised(
    db: Session, outbox: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(**_kwargs: object) -> None:
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(notices, "send_template", broken)
    enrollment = enrol(db, make_session(db, starts_on=DAY), make_user(db))
    with caplog.at_level(logging.ERROR, logger="app.enrollment.notices"):
        notices.enrollment_confirmed(db, enrollment)
        notices.enrollment_cancelled(db, enrollment)
    assert read_outbox(outbox) == []
    assert "could not send" in caplog.text and "smtp down" in caplog.text
