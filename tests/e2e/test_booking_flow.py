"""In a browser: a day bundle booked in one step with a confirmation e-mail and a valid
.ics, and a waitlisted learner promoted when someone cancels."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.sync_api import Browser, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import organisations
from app.accounts.models import Role
from app.accounts.service import create_user
from app.config import get_settings
from app.enrollment.models import Enrollment, SeatPack
from app.scheduling.models import CourseSession
from tests.e2e.learning_fixtures import (
    PASSWORD,
    learning_db,  # noqa: F401  (fixture used by name)
    log_in,
    no_serious_axe,
)
from tests.scheduling.factories import make_series, make_session

pytestmark = [pytest.mark.e2e]


def _person(db: Session, tag: str, name: str) -> str:
    email = f"learner-{uuid.uuid4().hex[:6]}-{tag}@example.com"
    create_user(db, email=email, display_name=name, password=PASSWORD, roles={Role.LEARNER})
    return email


def _mails_to(address: str) -> list:
    outbox = get_settings().outbox_dir
    found = []
    for path in sorted(Path(outbox).glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = message_from_bytes(path.read_bytes())
        if address in str(message["To"]):
            found.append(message)
    return found


def test_day_bundle_with_confirmation_and_ics(
    browser: Browser,
    live_server: str,
    learning_db: Callable[[], Session],  # noqa: F811
) -> None:
    tag = uuid.uuid4().hex[:8]
    # Far from the months the series browser test inspects, so the grids never mix.
    first_friday = date(2029, 6, 1)
    with learning_db() as db:
        series = make_series(
            db, title=f"Bundle test series {tag}", starts_on=first_friday, horizon_months=1
        )
        # Northwind pays by invoice (it holds a seat pack), so the seats confirm at once.
        org = organisations.create_organisation(db, name=f"Northwind {tag}")
        email = _person(db, tag, "Zoë Ødegård")
        organisations.add_member(db, org, email=email)
        on_date = db.scalars(
            select(CourseSession.starts_on).where(CourseSession.series_id == series.id)
        ).first()
        db.add(
            SeatPack(
                organisation_id=org.id, course_id=None, seats=10,
                valid_from=on_date - timedelta(days=60), valid_until=on_date + timedelta(days=60),
            )
        )  # fmt: skip
        db.commit()
        series_id = series.id

    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in(page, email)
        page.goto("/schedule")
        no_serious_axe(page)
        page.goto(f"/bundles/{series_id}/{on_date.isoformat()}")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Day bundle")
        no_serious_axe(page)
        boxes = page.get_by_role("checkbox")
        expect(boxes).to_have_count(3)
        boxes.nth(0).check()
        boxes.nth(1).check()
        page.get_by_role("button", name="Book the bundle").click()
        expect(page.get_by_role("status").first).to_contain_text("confirmed")
        page.goto("/bookings")
        no_serious_axe(page)
        expect(page.get_by_text("Confirmed", exact=False).first).to_be_visible()
    finally:
        context.close()

    mails = [m for m in _mails_to(email) if "confirmed" in str(m["Subject"]).lower()]
    assert len(mails) == 2, [str(m["Subject"]) for m in _mails_to(email)]
    for mail in mails:
        ics = next(p for p in mail.walk() if p.get_filename() == "invite.ics")
        calendar = Calendar.from_ical(ics.get_payload(decode=True))
        assert calendar.get("METHOD") == "REQUEST"
        events = calendar.walk("VEVENT")
        assert len(events) == 1
        assert events[0].decoded("DTSTART").date() == on_date
        assert events[0]["DTSTART"].params["TZID"] == "America/New_York"
        assert calendar.walk("VTIMEZONE"), "the zone is described in the file"


def test_waitlisted_learner_is_promoted_when_someone_cancels(
    browser: Browser,
    live_server: str,
    learning_db: Callable[[], Session],  # noqa: F811
) -> None:
    tag = uuid.uuid4().hex[:8]
    with learning_db() as db:
        session = make_session(
            db, course_slug="trust-and-confidence", capacity=1,
            starts_on=date(2029, 7, 10), price_cents=0,
        )  # fmt: skip
        first = _person(db, tag, "Łukasz Żółć")
        second = _person(db, tag, "Дмитрий Иванов")
        db.commit()
        session_id = session.id

    def book(email: str, button: str) -> None:
        context = browser.new_context(base_url=live_server)
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            log_in(page, email)
            page.goto(f"/sessions/{session_id}")
            no_serious_axe(page)
            page.get_by_role("button", name=button).click()
            expect(page.get_by_role("status").first).to_be_visible()
        finally:
            context.close()

    book(first, "Book a seat")
    book(second, "Join the waitlist")

    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in(page, first)
        page.goto("/bookings")
        page.get_by_role("button", name="Cancel").first.click()
        expect(page.get_by_role("status").first).to_be_visible()
    finally:
        context.close()

    offers = [m for m in _mails_to(second) if "seat" in str(m["Subject"]).lower()]
    assert offers, [str(m["Subject"]) for m in _mails_to(second)]

    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in(page, second)
        page.goto("/bookings")
        page.get_by_role("button", name="Accept the seat").click()
        expect(page.get_by_role("status").first).to_be_visible()
    finally:
        context.close()

    with learning_db() as db:
        statuses = dict(
            db.execute(
                select(Enrollment.user_id, Enrollment.status).where(
                    Enrollment.session_id == session_id
                )
            ).all()
        )
    assert sorted(statuses.values()) == ["cancelled", "confirmed"]
