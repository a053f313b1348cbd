"""The day of the session in a browser: attendance, a walk-in, and certificates only once
the session is over.

A facilitator marks two participants present on today's session and adds a walk-in who
has no account (a wrong address first, refused with a message); the session's documents
say no certificate exists yet. Then the clock moves past the session's end (the ticker's
certificate pass is run as it would run then: the data is not touched), each participant
who attended gets a "certificate ready" e-mail, and one of them signs in and downloads a
certificate that says it was earned by attending.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as clock
from email import message_from_bytes
from email.message import Message
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import BrowserContext, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.config import get_settings
from app.db import utcnow
from app.documents.certificates.issuing import issue_due_certificates
from app.documents.models import Certificate
from app.enrollment.models import Enrollment
from app.scheduling import visibility
from app.scheduling.models import CourseSession, SessionDay, SessionFacilitator
from tests.documents.cert_helpers import one_line, pdf_text
from tests.e2e.journey_fixtures import (
    Journey,
    contexts,  # noqa: F401  (fixture used by name)
    expect_refusal,
    flash,
    make_person,
    new_tag,
    sign_in,
)
from tests.e2e.learning_fixtures import learning_db  # noqa: F401  (fixture used by name)
from tests.scheduling.factories import course_id, current_version_id, make_session, make_venue

pytestmark = [pytest.mark.e2e]

COURSE = "relationship-management"
TITLE = "Relationship Management for Technical Professionals"
ZONE = "America/New_York"
PRESENT = ("Amara Okafor", "Björn Lindqvist")
WALK_IN = "Wen Walker"


def _seed(db: Session, tag: str) -> tuple[int, str, list[str], int]:
    """Today's session (all day in its zone), a facilitator, two participants."""
    today = datetime.now(ZoneInfo(ZONE)).date()
    facilitator = make_person(db, name="Femi Adeyemi", role=Role.FACILITATOR, tag=tag)
    venue = make_venue(db, name=f"Day Hall {tag}", address="9 Quay Street, Atlanta")
    # All day, so that "not over yet" holds whenever the suite runs; built by hand since
    # today may be a weekend day, which the factory would move to Monday.
    session = CourseSession(
        uid=f"session-day-{tag}@apex", course_id=course_id(db, COURSE),
        course_version_id=current_version_id(db, COURSE), format_id="one-day",
        starts_on=today, ends_on=today, start_time=clock(0, 0), end_time=clock(23, 59),
        timezone=ZONE, capacity=10, venue_id=venue.id, price_cents=0,
    )  # fmt: skip
    db.add(session)
    db.flush()
    db.add(SessionDay(session_id=session.id, day_index=1, date=today))
    db.add(SessionFacilitator(session_id=session.id, user_id=facilitator.id))
    emails = []
    for name in PRESENT:
        person = make_person(db, name=name, role=Role.LEARNER, tag=tag)
        db.add(
            Enrollment(
                session_id=session.id, user_id=person.id, status="confirmed",
                source="coordinator", confirmed_at=utcnow(),
            )
        )  # fmt: skip
        emails.append(person.email)
    other = make_session(db, course_slug=COURSE, starts_on=today - timedelta(days=1))
    db.commit()
    return session.id, facilitator.email, emails, other.id


def _mail_to(address: str, subject_start: str) -> Message:
    outbox = get_settings().outbox_dir  # the live server writes mail into this folder
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns, reverse=True):
        message = message_from_bytes(path.read_bytes())
        if address in str(message["To"]) and str(message["Subject"]).startswith(subject_start):
            return message
    raise AssertionError(f"no {subject_start!r} mail to {address}")


def _text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode()
    raise AssertionError("no text part")


def test_walk_in_and_certificates_when_the_session_is_over(
    contexts: Callable[[], BrowserContext],  # noqa: F811
    learning_db: Callable[[], Session],  # noqa: F811
) -> None:
    tag = new_tag()
    with learning_db() as db:
        session_id, facilitator, participants, other_id = _seed(db, tag)
    walk_in_email = f"walk-in-{tag}@example.com"
    page = contexts().new_page()
    journey = Journey(page, "session-day")
    sign_in(page, facilitator, journey)
    page.goto(f"/facilitator/sessions/{session_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Attendance: {TITLE}")
    expect(page.get_by_text("Certificates are issued when the session ends")).to_be_visible()
    journey.step("sheet")

    for name in PRESENT:
        page.get_by_role("group", name=f"{name}, day 1").get_by_label("Present").check()
    page.get_by_role("button", name="Save attendance").click()
    expect(flash(page)).to_contain_text("Attendance saved (2 marks).")

    # A walk-in: a mistyped address first, then a new person by name and address.
    form = page.get_by_role("region", name="Add a walk-in")
    form.get_by_label("E-mail address").fill("wen.walker@")
    form.get_by_label("E-mail address").evaluate("field => field.type = 'text'")
    form.get_by_role("button", name="Add walk-in").click()
    expect(flash(page)).to_contain_text("That e-mail address is not valid")
    journey.step("walk-in-refused")
    form = page.get_by_role("region", name="Add a walk-in")
    form.get_by_label("E-mail address").fill(walk_in_email)
    form.get_by_label(re.compile("^Name")).fill(WALK_IN)
    form.get_by_role("button", name="Add walk-in").click()
    expect(flash(page)).to_contain_text(f"{WALK_IN} is on the session as a walk-in.")
    expect(flash(page)).to_contain_text("An account was made")
    expect(
        page.get_by_role("group", name=f"{WALK_IN}, day 1").get_by_label("Present")
    ).to_be_checked()
    expect(page.get_by_text("3 of 10 seats taken")).to_be_visible()
    journey.step("walk-in-added")
    assert "/password-reset/" in _text(_mail_to(walk_in_email, "Your APEX account"))

    # Someone else's session, by URL: refused with a styled page.
    response = page.goto(f"/facilitator/sessions/{other_id}")
    expect_refusal(page, response, nav_link="My sessions", next_link="Back to your sessions")

    # The documents page: nothing is certified while the session runs.
    page.goto(f"/sessions/{session_id}/documents")
    expect(page.get_by_text("3 confirmed participants · 0 certificates issued")).to_be_visible()
    journey.step("documents-before-the-end")

    def issued(db: Session) -> int:
        query = select(Certificate.id).where(Certificate.session_id == session_id)
        return len(db.scalars(query).all())

    with learning_db() as db:
        issue_due_certificates(db)  # the ticker now: the session is not over
        assert issued(db) == 0
        session = db.get(CourseSession, session_id)
        assert session is not None
        after_the_end = visibility.session_end(session) + timedelta(minutes=1)
        # The ticker as it runs a minute after the end, in the session's own zone (other
        # tests' sessions on the live database may be certified by the same pass).
        issue_due_certificates(db, now=after_the_end)
        db.commit()
        assert issued(db) == 3

    # Each participant is told, with the link; one of them downloads it.
    for address in [*participants, walk_in_email]:
        body = _text(_mail_to(address, "Your certificate is ready"))
        assert re.search(r"/certificates/\d+\.pdf", body), body
    link = re.search(
        r"https?://[^/\s]+(/certificates/\d+\.pdf)",
        _text(_mail_to(participants[0], "Your certificate")),
    )
    assert link
    learner = contexts().new_page()
    sign_in(learner, participants[0])
    with learner.expect_download() as info:
        learner.evaluate("url => { window.location.href = url }", link[1])
    (text,) = pdf_text(info.value.path().read_bytes())
    with learning_db() as db:
        cert = db.scalars(
            select(Certificate).where(
                Certificate.session_id == session_id, Certificate.holder_name == PRESENT[0]
            )
        ).one()
    line = one_line(text)
    assert PRESENT[0] in line and f"Serial {cert.serial}" in line
    assert re.search(r"attended, \d{1,2} \w+ \d{4}, Day Hall", line), line
    learner.goto("/certificates")
    expect(learner.get_by_role("cell", name=re.compile("^Attended, "))).to_be_visible()
    journey.step("certificates", page=learner)
