"""Changes that reach people: a moved session's updated invitation, expired holds and offers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.enrollment.models import EnrollmentStatus
from app.enrollment.waitlist import settle_session
from app.scheduling import feeds
from app.scheduling.sessions import SessionChanges, update_session
from tests.factories import log_in, make_user, post_form, read_outbox
from tests.scheduling.calendars import readers
from tests.scheduling.calendars.helpers import (
    body_text,
    enrol,
    events,
    facilitate,
    ics_attachments,
    parse,
    utc_start,
)
from tests.scheduling.factories import make_session, make_venue

JULY_DAY = date(2027, 7, 30)  # a last Friday in summer time: 09:00 EDT is 13:00 UTC
BEFORE = datetime(2027, 7, 1, 12, 0, tzinfo=UTC)


def _invitation(message):  # type: ignore[no-untyped-def]
    (part,) = ics_attachments(message)
    assert part.get_param("method") == "REQUEST"
    return parse(part.get_payload(decode=True))


def test_moving_a_booked_session_by_an_hour_sends_everyone_an_updated_invitation(
    db: Session, outbox: Path
) -> None:
    session = make_session(db, starts_on=JULY_DAY, tz="America/New_York")
    ann, bo = make_user(db, name="Ann Lee"), make_user(db, name="Bo Chen")
    waiting = make_user(db, name="Cy Waits")
    femi = make_user(db, name="Femi Ade")
    for person in (ann, bo):
        enrol(db, session, person)
    enrol(db, session, waiting, "waitlisted")
    facilitate(db, session, femi)
    before = session.sequence
    db.commit()
    for old in outbox.glob("*.eml"):
        old.unlink()

    changed = SessionChanges(start_time=time(10, 0), end_time=time(18, 0))
    assert update_session(db, session, changed, now=BEFORE)
    db.commit()

    messages = {m["To"]: m for m in read_outbox(outbox)}
    assert set(messages) == {ann.email, bo.email, femi.email}  # not the waitlist
    for person in (ann, bo, femi):
        message = messages[person.email]
        assert message["Subject"].startswith("Changed: ")
        text = body_text(message)
        assert "Friday 30 July 2027, 10:00–18:00 EDT" in text
        assert "Friday 30 July 2027, 09:00–17:00 EDT" in text  # what it was
        calendar = _invitation(message)
        event = events(calendar)[session.uid]  # the same event, updated in place
        assert int(event["SEQUENCE"]) == before + 1
        assert utc_start(calendar, event) == datetime(2027, 7, 30, 14, 0, tzinfo=UTC)
        assert event.decoded("DTSTART").replace(tzinfo=None) == datetime(2027, 7, 30, 10, 0)
        # Two independent readers, each through the message's own VTIMEZONE only.
        body = readers.private_zone_names(ics_attachments(message)[0].get_payload(decode=True))
        new_time = [(session.uid, "2027-07-30T10:00:00", "2027-07-30T14:00:00Z")]
        assert readers.read_with_icalendar(body) == new_time
        assert readers.read_with_vobject(body) == new_time
    assert "facilitate" in body_text(messages[femi.email])


def test_a_new_venue_is_a_change_but_capacity_alone_tells_nobody(db: Session, outbox: Path) -> None:
    session = make_session(db, starts_on=JULY_DAY)
    ann = make_user(db)
    enrol(db, session, ann)
    db.commit()
    for old in outbox.glob("*.eml"):
        old.unlink()

    assert update_session(db, session, SessionChanges(capacity=30), now=BEFORE)
    db.commit()
    assert read_outbox(outbox) == []

    room = make_venue(db, name="Harbour Room", address="12 Quay Street, Boston")
    assert update_session(db, session, SessionChanges(venue_id=room.id), now=BEFORE)
    db.commit()
    (message,) = read_outbox(outbox)
    assert "Harbour Room, 12 Quay Street, Boston" in body_text(message)


def test_an_expired_hold_and_an_expired_offer_are_each_told_once(db: Session, outbox: Path) -> None:
    session = make_session(db, starts_on=JULY_DAY, capacity=2)
    held, offered = make_user(db, name="Hal Held"), make_user(db, name="Ofe Offered")
    hold = enrol(db, session, held, "held", hold_expires_at=BEFORE - timedelta(minutes=1))
    offer = enrol(db, session, offered, "offered", offer_expires_at=BEFORE - timedelta(hours=1))
    db.commit()
    for old in outbox.glob("*.eml"):
        old.unlink()

    done = settle_session(db, session, BEFORE)
    settle_session(db, session, BEFORE)  # nothing left to expire: nobody told twice
    db.commit()

    assert (done["holds_expired"], done["offers_expired"]) == (1, 1)
    assert hold.status == offer.status == EnrollmentStatus.EXPIRED
    subjects = sorted((m["To"], m["Subject"].split(":")[0]) for m in read_outbox(outbox))
    assert subjects == sorted([(held.email, "Seat released"), (offered.email, "Offer passed on")])
    texts = {m["To"]: body_text(m) for m in read_outbox(outbox)}
    assert "by Thursday 1 July 2027, 07:59 EDT" in texts[held.email]
    assert "next person on the waitlist" in texts[offered.email]


def test_a_coordinator_moves_a_booked_session_by_an_hour_on_its_edit_page(
    db: Session, client: TestClient, outbox: Path
) -> None:
    session = make_session(db, starts_on=JULY_DAY, tz="America/New_York")
    ann = make_user(db, name="Ann Lee")
    enrol(db, session, ann)
    coordinator = make_user(db, roles={Role.COORDINATOR})
    token = feeds.feed_token(db, ann.id)
    db.commit()
    feed_before = parse(client.get(f"/calendars/{token}.ics").content)
    sequence = int(events(feed_before)[session.uid]["SEQUENCE"])
    for old in outbox.glob("*.eml"):
        old.unlink()

    log_in(client, coordinator.email)
    edit = f"/coordinator/sessions/{session.id}/edit"
    wrong = post_form(client, edit, {"start_time": "25:00"}, token_from=edit)
    assert wrong.status_code in (303, 422) and read_outbox(outbox) == []
    moved = post_form(client, edit, {"start_time": "10:00", "end_time": "18:00"}, token_from=edit)
    assert moved.status_code == 303, moved.text

    (message,) = read_outbox(outbox)
    assert message["To"] == ann.email
    calendar = _invitation(message)
    event = events(calendar)[session.uid]
    assert int(event["SEQUENCE"]) == sequence + 1
    assert utc_start(calendar, event) == datetime(2027, 7, 30, 14, 0, tzinfo=UTC)
    feed_after = parse(client.get(f"/calendars/{token}.ics").content)
    assert int(events(feed_after)[session.uid]["SEQUENCE"]) == sequence + 1
