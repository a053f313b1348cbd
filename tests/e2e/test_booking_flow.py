"""In a browser: a programme booked in one step (three dates) with confirmation e-mails
and valid .ics files, and a waitlisted learner promoted when someone cancels."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, time, timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.sync_api import Browser, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import organisations
from app.accounts.models import Role, User
from app.accounts.service import create_user
from app.config import get_settings
from app.enrollment import programmes
from app.enrollment.models import Enrollment, SeatPack
from app.enrollment.schemas import ProgrammeIn
from app.scheduling.models import CourseSession, SeriesTrack
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


def test_programme_on_three_dates_with_confirmations_and_ics(
    browser: Browser,
    live_server: str,
    learning_db: Callable[[], Session],  # noqa: F811
) -> None:
    tag = uuid.uuid4().hex[:8]
    # Far from the months the series browser test inspects, so the grids never mix.
    first_friday = date(2029, 6, 1)
    with learning_db() as db:
        series = make_series(
            db, title=f"Programme test series {tag}", starts_on=first_friday, horizon_months=4
        )
        tracks = db.scalars(
            select(SeriesTrack.course_id)
            .where(SeriesTrack.series_id == series.id)
            .order_by(SeriesTrack.position)
        ).all()
        programme = programmes.create_programme(
            db,
            ProgrammeIn(
                title=f"Client programme {tag}", course_ids=list(tracks), price_cents=119000
            ),
        )
        # Northwind pays by invoice, so the seats confirm at once (a programme has its own
        # price, so the pack is not drawn on).
        org = organisations.create_organisation(db, name=f"Northwind {tag}")
        organisations.set_pays_by_invoice(db, org, True)
        email = _person(db, tag, "Zoë Ødegård")
        organisations.add_member(db, org, email=email)
        db.add(
            SeatPack(
                organisation_id=org.id, course_id=None, seats=10,
                valid_from=first_friday - timedelta(days=60),
                valid_until=first_friday + timedelta(days=200),
            )
        )  # fmt: skip
        db.commit()
        programme_id = programme.id

    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in(page, email)
        page.goto("/programmes")
        no_serious_axe(page)
        page.goto(f"/programmes/{programme_id}")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Client programme")
        expect(
            page.get_by_text("You save USD 295.00 against booking the three courses")
        ).to_be_visible()
        no_serious_axe(page)
        choices = page.locator("select[name=session_id]")
        expect(choices).to_have_count(3)
        for index in range(3):  # the first course on the first date, the second on the next...
            choices.nth(index).select_option(index=index + 1)
        page.get_by_role("button", name="Book the programme").click()
        expect(page.get_by_role("status").first).to_contain_text("3 seats confirmed")
        page.goto("/bookings")
        no_serious_axe(page)
        expect(page.get_by_text("Confirmed", exact=False).first).to_be_visible()

        # Another course at overlapping hours on the first programme date is refused, and
        # the message names the seat in the way.
        with learning_db() as db:
            first = db.scalars(
                select(CourseSession)
                .join(Enrollment, Enrollment.session_id == CourseSession.id)
                .join(User, User.id == Enrollment.user_id)
                .where(User.email == email)
                .order_by(CourseSession.starts_on)
            ).first()
            assert first is not None
            clashing = make_session(
                db,
                course_slug="trust-and-confidence",
                starts_on=first.starts_on,
                start_time=time(14, 0),
                end_time=time(17, 0),
                price_cents=20000,
            )
            db.commit()
            clashing_id = clashing.id
        page.goto(f"/sessions/{clashing_id}")
        page.get_by_role("button", name="Book").first.click()
        refusal = page.locator(".flash-error")
        expect(refusal).to_contain_text("You already have a seat on")
        expect(refusal).to_contain_text("which overlaps this session")
        no_serious_axe(page)
    finally:
        context.close()

    mails = [m for m in _mails_to(email) if "confirmed" in str(m["Subject"]).lower()]
    assert len(mails) == 3, [str(m["Subject"]) for m in _mails_to(email)]
    dates = set()
    for mail in mails:
        ics = next(p for p in mail.walk() if p.get_filename() == "invite.ics")
        calendar = Calendar.from_ical(ics.get_payload(decode=True))
        assert calendar.get("METHOD") == "REQUEST"
        events = calendar.walk("VEVENT")
        assert len(events) == 1
        dates.add(events[0].decoded("DTSTART").date())
        assert events[0]["DTSTART"].params["TZID"] == "America/New_York"
        assert calendar.walk("VTIMEZONE"), "the zone is described in the file"
    assert len(dates) == 3, dates  # three different last Fridays


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
        page.get_by_role("button", name="Cancel…").first.click()
        # Cancelling asks first; the seat is given up (and offered on) only on "Yes".
        page.get_by_role("button", name="Yes, cancel my booking").click()
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
