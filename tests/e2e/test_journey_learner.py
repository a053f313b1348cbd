"""A learner's whole journey in a browser, as a person walks it on the real server.

Catalogue → course → a session → book → checkout (a wrong promo code first, then pay by
invoice) → the invoice → another learner's order and booking by URL (refused with a
styled page) → My bookings → My learning → every module with its knowledge checks (one
wrong answer on the way) → the certificate, whose QR code opens the public verification
page for anyone. Only the other learner's ids and the QR address are typed; everything
else is a click on a link or a form.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.db import utcnow
from app.documents.models import Certificate
from app.enrollment.models import Enrollment
from app.enrollment.seats import take_seat
from app.payments import orders
from tests.documents.cert_helpers import one_line, pdf_text
from tests.documents.qr_decode import qr_text_in_pdf
from tests.e2e.journey_fixtures import (
    Journey,
    answer,
    contexts,  # noqa: F401  (fixture used by name)
    expect_refusal,
    flash,
    follow_nav,
    make_person,
    modules_of,
    new_tag,
    sign_in,
)
from tests.e2e.learning_fixtures import (
    learning_db,  # noqa: F401  (fixture used by name)
    study_began_hours_ago,
)
from tests.scheduling.factories import business_days_from, make_session, make_venue

pytestmark = [pytest.mark.e2e]

COURSE = "relationship-management"
TITLE = "Relationship Management for Technical Professionals"
LEARNER = "Amara Okafor-Łęcka"
WRONG_CODE = "NOT-A-REAL-CODE"


@dataclass(frozen=True)
class Seeded:
    """What the learner journey starts from."""

    email: str
    user_id: int
    venue: str
    other_enrollment_id: int
    other_order_id: int


def _seed(db: Session, tag: str) -> Seeded:
    """A paid session of the course, our learner, and another learner's held seat + order."""
    # A few business days ahead: bookable, among the first dates the course page lists, and
    # inside the 7-day change cut-off. From today + 5 a weekend pushed it to 7 days away on
    # Sundays and Mondays (UTC), outside the cut-off; from today + 2 it is at most 4 away.
    starts = business_days_from(date.today() + timedelta(days=2), 1)[0]
    venue = make_venue(db, name=f"Journey Room {tag}", address="4 Harbour Lane, Springfield")
    session = make_session(
        db, course_slug=COURSE, starts_on=starts, price_cents=45000, capacity=12, venue=venue
    )
    learner = make_person(db, name=LEARNER, role=Role.LEARNER, tag=tag)
    other = make_person(db, name="Bruno Stranger", role=Role.LEARNER, tag=tag)
    held = take_seat(db, session, other, now=utcnow())
    order = orders.order_for_held_booking(db, other, held.id, now=utcnow())
    db.commit()
    assert venue.name is not None
    return Seeded(learner.email, learner.id, venue.name, held.id, order.id)


def _open_the_session(page: Page, journey: Journey, venue: str) -> None:
    """From the course page to our session: its row in the upcoming dates, by the venue."""
    row = page.get_by_role("row").filter(has_text=venue)
    if row.count():
        row.get_by_role("link").first.click()  # the date opens the session
        return
    # The page lists the first few dates only, and other tests on the same database may
    # have added earlier ones: the course's full schedule has them all.
    page.get_by_role("link", name="All dates for this course").click()
    journey.step("schedule")
    page.get_by_role("row").filter(has_text=venue).get_by_role(
        "link", name=re.compile("^Book")
    ).click()


def _study_every_module(
    page: Page, journey: Journey, spread_over_the_day: Callable[[], None]
) -> None:
    """Work through the modules in order, answering every check (the first one wrong once)."""
    modules = modules_of(COURSE)
    for module in modules:
        expect(page.get_by_role("heading", level=1)).to_have_text(module.title)
        expect(page.get_by_text(f"Module {module.position} of {len(modules)}")).to_be_visible()
        journey.step(f"module-{module.position}")
        for number, check in enumerate(module.checks):
            if module.position == 1 and number == 0:
                # A person gets one wrong: the verdict says so, and they may try again.
                box = answer(page, check, [check.wrong()])
                expect(box.locator(".check-verdict")).to_contain_text("Incorrect")
                journey.step("check-wrong-answer")
                box.get_by_role("link", name=re.compile("^Try again")).click()
            box = answer(page, check, check.right)
            expect(box.locator(".check-verdict")).to_contain_text("Correct")
            expect(box.locator(".check-verdict")).to_contain_text("your best score 100 %")
        if module.position == 1:
            spread_over_the_day()  # the course asks for hours of study, not seconds
        if module.position < len(modules):
            page.get_by_role("link", name=re.compile("^Next")).click()
    expect(page.get_by_role("heading", name="Course complete")).to_be_visible()
    expect(page.get_by_label(re.compile("Course progress"))).to_have_attribute("value", "100")
    journey.step("course-complete")


def test_learner_books_pays_by_invoice_studies_and_is_certified(
    contexts: Callable[[], BrowserContext],  # noqa: F811
    learning_db: Callable[[], Session],  # noqa: F811
) -> None:
    tag = new_tag()
    with learning_db() as db:
        seeded = _seed(db, tag)
    page = contexts().new_page()
    journey = Journey(page, "learner")

    sign_in(page, seeded.email, journey)
    journey.step("home")

    # The catalogue, a course, one of its sessions.
    follow_nav(page, "Courses")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    journey.step("catalogue")
    page.get_by_role("link", name=TITLE).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    journey.step("course")
    _open_the_session(page, journey, seeded.venue)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text(seeded.venue).first).to_be_visible()
    journey.step("session")

    # Book: the seat is held and the checkout opens.
    page.get_by_role("button", name="Book a seat").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    expect(page).to_have_url(re.compile(r"/orders/\d+/checkout$"))
    checkout_url = page.url
    journey.step("checkout")

    # A wrong promo code: a clear message on the checkout page, not an error page.
    page.get_by_role("textbox", name="Code").fill(WRONG_CODE.lower())
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(checkout_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    expect(flash(page)).to_contain_text(f"There is no promo code {WRONG_CODE}.")
    journey.step("promo-refused")

    # Pay by invoice: the seat is confirmed now; the order page is the invoice.
    page.get_by_label(re.compile("^Invoice")).check()
    page.get_by_role("button", name=re.compile("^Pay ")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Invoice")
    expect(flash(page)).to_contain_text("Your seat is confirmed.")
    expect(page.get_by_role("link", name="Download invoice (PDF)")).to_be_visible()
    journey.step("invoice")

    # Someone else's order and booking, by URL: refused, and the page still helps.
    response = page.goto(f"/orders/{seeded.other_order_id}")
    expect_refusal(page, response, nav_link="My learning", next_link="Back to your orders")
    journey.step("foreign-order")
    response = page.goto(f"/bookings/{seeded.other_enrollment_id}/pay")
    expect_refusal(page, response, nav_link="My bookings", next_link="Back to your bookings")
    journey.step("foreign-booking")

    # My bookings lists the confirmed seat.
    follow_nav(page, "My bookings")
    booking = page.locator(".booking").filter(has=page.get_by_role("link", name=TITLE))
    expect(booking).to_contain_text("Confirmed")
    # Booked inside the change cut-off (a week before): no Cancel, and no promise of one.
    expect(booking.get_by_role("button", name=re.compile("^Cancel"))).to_have_count(0)
    expect(booking).to_contain_text("Changes closed on")
    journey.step("my-bookings")

    # My learning: the booking opened the course's online modules.
    follow_nav(page, "My learning")
    expect(page.get_by_text("not started yet")).to_be_visible()
    journey.step("my-learning")
    page.get_by_role("link", name=f"Start {TITLE}").click()

    def spread_over_the_day() -> None:
        with learning_db() as db:
            study_began_hours_ago(db, seeded.user_id)

    _study_every_module(page, journey, spread_over_the_day)

    # The certificate is on My learning; its QR code is the verification address.
    follow_nav(page, "My learning")
    certificates = page.get_by_role("region", name="Certificates")
    expect(certificates.get_by_text(TITLE)).to_be_visible()
    journey.step("my-learning-certificate")
    with learning_db() as db:
        cert = db.scalars(
            select(Certificate).where(
                Certificate.user_id == seeded.user_id, Certificate.session_id.is_(None)
            )
        ).one()
    with page.expect_download() as info:
        certificates.get_by_role("link", name=f"PDF of certificate {cert.serial}").click()
    pdf = info.value.path().read_bytes()
    (text,) = pdf_text(pdf)
    assert LEARNER in text and TITLE in text and f"Serial {cert.serial}" in one_line(text)
    address = qr_text_in_pdf(pdf)
    link = certificates.get_by_role("link", name="verification page")
    assert address.endswith(str(link.get_attribute("href")))

    # Anyone (no account, no cookies) opens what the QR code says: valid.
    anyone = contexts().new_page()
    response = anyone.goto(address)
    assert response is not None and response.status == 200
    expect(anyone.get_by_role("heading", level=1)).to_have_text("Certificate verification")
    expect(anyone.get_by_role("heading", level=2)).to_have_text("Valid")
    expect(anyone.get_by_text(LEARNER, exact=True)).to_be_visible()
    expect(anyone.get_by_role("link", name="Log in")).to_be_visible()
    journey.step("verify-anonymous", page=anyone)

    with learning_db() as db:
        statuses = db.scalars(
            select(Enrollment.status).where(Enrollment.user_id == seeded.user_id)
        ).all()
    assert statuses == ["confirmed"]
