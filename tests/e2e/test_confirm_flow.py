"""In a browser at phone width: a learner cancels through the confirmation page (going
back first changes nothing), and a coordinator moves a seat by choosing from a list that
starts with nothing chosen. With ``APEX_JOURNEY_SHOTS=1`` each step is photographed to
``/tmp/journeys/confirm-<who>-NN-<step>.png``."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.accounts.service import create_user
from app.enrollment.models import Enrollment
from app.enrollment.seats import take_seat
from app.formatting import long_date
from tests.e2e.journey_staff_fixtures import Journey
from tests.e2e.learning_fixtures import (
    PASSWORD,
    learning_db,  # noqa: F401  (fixture used by name)
    log_in,
)
from tests.scheduling.factories import make_session

pytestmark = [pytest.mark.e2e]
PHONE = {"width": 390, "height": 844}
COURSE = "trust-and-confidence"


def _person(db: Session, tag: str, name: str, role: Role = Role.LEARNER) -> str:
    email = f"confirm-{uuid.uuid4().hex[:6]}-{tag}@example.com"
    create_user(db, email=email, display_name=name, password=PASSWORD, roles={role})
    return email


def _user(db: Session, email: str) -> User:
    return db.scalars(select(User).where(User.email == email)).one()


def _phone_page(browser: Browser, live_server: str) -> Page:
    context = browser.new_context(base_url=live_server, viewport=PHONE)
    context.set_default_timeout(15_000)
    return context.new_page()


def _statuses(learning_db: Callable[[], Session], session_id: int) -> list[str]:  # noqa: F811
    with learning_db() as db:
        return list(
            db.scalars(select(Enrollment.status).where(Enrollment.session_id == session_id))
        )


def test_learner_cancels_through_the_confirmation_page(
    browser: Browser,
    live_server: str,
    learning_db: Callable[[], Session],  # noqa: F811
) -> None:
    tag = uuid.uuid4().hex[:8]
    with learning_db() as db:
        session = make_session(
            db, course_slug=COURSE, capacity=5, starts_on=date(2029, 9, 11), price_cents=0
        )
        email = _person(db, tag, "Ines Laurent")
        take_seat(db, session, _user(db, email))
        db.commit()
        session_id = session.id
    page = _phone_page(browser, live_server)
    journey = Journey(page, "confirm-learner")
    try:
        log_in(page, email)
        page.goto("/bookings")
        journey.checkpoint("bookings")
        page.get_by_role("button", name="Cancel…").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Cancel this booking?")
        expect(page.get_by_role("heading", name="Who is told")).to_be_visible()
        expect(page.get_by_text("You are e-mailed that the booking is cancelled")).to_be_visible()
        journey.checkpoint("confirm-cancel")
        # Going back changes nothing.
        page.get_by_role("link", name="No, keep it").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("My bookings")
        assert _statuses(learning_db, session_id) == ["confirmed"]
        page.get_by_role("button", name="Cancel…").first.click()
        page.get_by_role("button", name="Yes, cancel my booking").click()
        expect(page.get_by_role("status").first).to_contain_text("Your booking is cancelled.")
        journey.checkpoint("cancelled")
        assert _statuses(learning_db, session_id) == ["cancelled"]
    finally:
        page.context.close()


def test_coordinator_moves_a_seat_choosing_from_a_list_with_nothing_chosen(
    browser: Browser,
    live_server: str,
    learning_db: Callable[[], Session],  # noqa: F811
) -> None:
    tag = uuid.uuid4().hex[:8]
    with learning_db() as db:
        here = make_session(db, course_slug=COURSE, capacity=5, starts_on=date(2029, 10, 2))
        there = make_session(db, course_slug=COURSE, capacity=5, starts_on=date(2029, 10, 16))
        full = make_session(db, course_slug=COURSE, capacity=1, starts_on=date(2029, 10, 23))
        staff = _person(db, tag, "Cora Admin", Role.COORDINATOR)
        mover = _person(db, tag, "Milo Brandt")
        filler = _person(db, tag, "Fay Full")
        take_seat(db, here, _user(db, mover))
        take_seat(db, full, _user(db, filler))
        db.commit()
        ids = (here.id, there.id, full.id)
        there_day, full_day = there.starts_on, full.starts_on
    page = _phone_page(browser, live_server)
    journey = Journey(page, "confirm-coordinator")
    try:
        log_in(page, staff)
        page.goto(f"/coordinator/sessions/{ids[0]}")
        choose = page.get_by_label("Move Milo Brandt to")
        # Nothing chosen in advance: the placeholder, which the browser will not send.
        expect(choose).to_have_value("")
        expect(choose.locator("option:checked")).to_have_text("Choose a session…")
        full_option = choose.locator("option", has_text=long_date(full_day))
        expect(full_option).to_be_disabled()
        expect(full_option).to_contain_text("full, no seat left")
        journey.checkpoint("roster")
        page.get_by_role("button", name="Move… Milo Brandt").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Roster")  # not sent
        label = choose.locator("option", has_text=long_date(there_day)).inner_text().strip()
        assert "seats left" in label and "(America/New_York time)" in label
        choose.select_option(label=label)
        page.get_by_role("button", name="Move… Milo Brandt").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Move Milo Brandt?")
        journey.checkpoint("confirm-move")
        page.get_by_role("button", name="Yes, move the seat").click()
        expect(page.get_by_role("status").first).to_contain_text("Moved to")
        journey.checkpoint("moved")
        with learning_db() as db:
            moved = db.scalars(
                select(Enrollment.session_id)
                .where(Enrollment.status == "confirmed")
                .where(Enrollment.session_id.in_(ids))
            ).all()
        assert sorted(moved) == sorted([ids[1], ids[2]])
    finally:
        page.context.close()
