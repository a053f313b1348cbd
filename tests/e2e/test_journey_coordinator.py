"""A training-company coordinator's working day, in a real browser against `apex serve`.

Signs in, creates a series (a bad rule and an end time before the start are refused on
the way), opens one of its sessions, enrols, moves and cancels people on the roster,
refunds an order found on the orders page (a wrong amount first), opens a learner's
own receipt by its id (refused), and creates a promo code and a seat pack. Only the
accounts, one paid order and a client organisation are seeded; the rest is clicks.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import organisations
from app.accounts.models import Role
from app.db import utcnow
from app.enrollment.models import Enrollment
from app.enrollment.seats import take_seat
from app.formatting import long_date
from app.payments import checkout, orders
from app.scheduling.models import CourseSession, Series
from app.scheduling.workdays import add_months
from tests.e2e.journey_staff_fixtures import (
    Journey,
    expect_styled_refusal,
    make_person,
    sign_in_from_home,
)
from tests.e2e.learning_fixtures import learning_db  # noqa: F401  (fixture used by name)
from tests.scheduling.factories import make_session

pytestmark = pytest.mark.e2e

COURSE_TITLE = "Relationship Management for Technical Professionals"
# Months ahead of the series: beyond the year the series browser test counts in its
# calendar grids, so the two never meet on one month.
MONTHS_AHEAD = 16


@dataclass(frozen=True)
class Seeded:
    """What the journey starts from: people, a client, and one paid order."""

    coordinator_email: str
    amara_email: str  # enrolled, then moved to another date
    bruno_email: str  # enrolled, then cancelled
    chen_email: str  # bought a seat and paid; refunded in part
    dana_email: str  # a member of the client: her seat is invoiced to it
    chen_order_id: int
    chen_order_reference: str
    client_name: str
    tag: str


@pytest.fixture
def seeded(learning_db: Callable[[], Session]) -> Seeded:  # noqa: F811
    """Accounts, a client organisation and Chen's paid invoice, in the live database."""
    tag = uuid.uuid4().hex[:6]
    with learning_db() as db:
        coordinator = make_person(db, "Cora Coordinator", roles={Role.COORDINATOR})
        amara = make_person(db, "Amara Okafor")
        bruno = make_person(db, "Bruno Díaz")
        chen = make_person(db, "Chen Wei")
        dana = make_person(db, "Dana Fischer")
        client = organisations.create_organisation(db, name=f"Fabrikam {tag}")
        organisations.set_pays_by_invoice(db, client, True)
        organisations.add_member(db, client, email=dana.email)
        # Chen booked a seat on a standalone session and paid the invoice: an order a
        # coordinator can give money back on.
        session = make_session(
            db,
            course_slug="status-communication",
            starts_on=add_months(date.today(), MONTHS_AHEAD) + timedelta(days=20),
            price_cents=49500,
            capacity=10,
        )
        seat = take_seat(db, session, chen)
        order = orders.create_order(db, chen, [seat])
        checkout.InvoiceProvider().start(db, order, now=utcnow())
        checkout.mark_invoice_paid(db, order, now=utcnow())
        db.commit()
        assert order.reference is not None
        return Seeded(
            coordinator_email=coordinator.email,
            amara_email=amara.email,
            bruno_email=bruno.email,
            chen_email=chen.email,
            dana_email=dana.email,
            chen_order_id=order.id,
            chen_order_reference=order.reference,
            client_name=client.name,
            tag=tag,
        )


def _option_label(page: Page, select_label: str, starting: str) -> str:
    """The full text of the option that starts with ``starting`` (seat counts vary)."""
    option = page.get_by_label(select_label).locator("option", has_text=starting).first
    return option.inner_text().strip()


def test_coordinator_journey(
    page: Page,
    seeded: Seeded,
    learning_db: Callable[[], Session],  # noqa: F811
) -> None:
    journey = Journey(page, "coordinator")
    nav = journey.main_nav()
    subnav = page.get_by_role("navigation", name="Coordinator")

    # Sign in from the home page; the home is the coordinator's dashboard.
    sign_in_from_home(journey, seeded.coordinator_email)
    journey.checkpoint("home")

    nav.get_by_role("link", name="Coordinate").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sessions in")
    journey.checkpoint("calendar")

    subnav.get_by_role("link", name="Series").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Series")
    journey.checkpoint("series-list")

    page.get_by_role("link", name="New series").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New series")
    journey.checkpoint("series-form")

    # --- A new series, with two wrong inputs on the way. ---
    title = f"Second Wednesday clinic {seeded.tag}"
    starts_on = add_months(date.today().replace(day=1), MONTHS_AHEAD)
    page.get_by_label("Title").fill(title)
    page.get_by_label("Repeats").select_option(label="Custom rule (RRULE)")
    page.get_by_label("Custom rule").fill("FREQ=MONTHLY;BYDAY=2XX")  # no such weekday
    page.get_by_label("Start date").fill(starts_on.isoformat())
    page.get_by_label("Start time").fill("17:00")
    page.get_by_label("End time").fill("09:00")  # before the start
    page.get_by_label("Time zone").fill("America/Chicago")
    page.get_by_label("Horizon").fill(str(MONTHS_AHEAD + 3))
    page.get_by_label("Course 1").select_option(label=COURSE_TITLE)
    page.get_by_label("Capacity").fill("12")
    page.get_by_label("Price per course").fill("350.00")
    page.get_by_role("button", name="Save series").click()
    expect(journey.form_error()).to_contain_text("is not a valid RRULE")
    # The form comes back as it was typed, so only the mistake needs fixing.
    expect(page.get_by_label("Title")).to_have_value(title)
    expect(page.get_by_label("Custom rule")).to_have_value("FREQ=MONTHLY;BYDAY=2XX")
    journey.checkpoint("series-bad-rule")

    page.get_by_label("Custom rule").fill("FREQ=MONTHLY;BYDAY=2WE")
    page.get_by_role("button", name="Save series").click()
    expect(journey.form_error()).to_have_text("The end time must be after the start time.")
    expect(page.get_by_label("Start time")).to_have_value("17:00")
    journey.checkpoint("series-end-before-start")

    page.get_by_label("Start time").fill("09:00")
    page.get_by_label("End time").fill("16:00")
    page.get_by_role("button", name="Save series").click()
    expect(journey.flash()).to_contain_text(f"Created '{title}' with")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    journey.checkpoint("series-created")

    with learning_db() as db:
        series_id = db.scalars(select(Series.id).where(Series.title == title)).one()
        first, second = db.scalars(
            select(CourseSession.starts_on)
            .where(CourseSession.series_id == series_id)
            .order_by(CourseSession.starts_on)
        ).all()[:2]
    assert first.weekday() == 2 and 8 <= first.day <= 14, first  # a second Wednesday

    # --- The roster of its first session. ---
    page.get_by_role("link", name=f"Roster for {COURSE_TITLE} on {first.isoformat()}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Roster: {COURSE_TITLE}")
    journey.checkpoint("roster")

    enrol = page.get_by_label("E-mail address")
    enrol.fill(f"nobody-{seeded.tag}@example.com")  # no such account
    page.get_by_role("button", name="Enrol").click()
    expect(journey.flash()).to_contain_text("There is no account with the e-mail address")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Roster: {COURSE_TITLE}")
    journey.checkpoint("enrol-unknown-email")

    page.get_by_label("E-mail address").fill(seeded.amara_email)
    page.get_by_role("button", name="Enrol").click()
    expect(journey.flash()).to_contain_text("Amara Okafor’s seat on")
    confirmed = page.get_by_role("table", name="Confirmed")
    expect(confirmed).to_contain_text(seeded.amara_email)
    journey.checkpoint("enrolled")

    # Move Amara to the next date of the same course.
    move_to = "Move Amara Okafor to"
    page.get_by_label(move_to).select_option(label=_option_label(page, move_to, long_date(second)))
    page.get_by_role("button", name="Move… Amara Okafor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move Amara Okafor?")
    page.get_by_role("button", name="Yes, move the seat").click()
    expect(journey.flash()).to_contain_text("Moved to")
    expect(page.get_by_text("Confirmed (0)")).to_be_visible()
    journey.checkpoint("moved")

    # Enrol Bruno, then cancel his booking.
    page.get_by_label("E-mail address").fill(seeded.bruno_email)
    page.get_by_role("button", name="Enrol").click()
    expect(journey.flash()).to_contain_text("Bruno Díaz’s seat on")
    page.get_by_role("button", name="Cancel… Bruno Díaz").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel Bruno Díaz's booking?")
    page.get_by_role("button", name="Yes, cancel the booking").click()
    expect(journey.flash()).to_have_text("The booking is cancelled.")
    expect(page.get_by_role("table", name="Cancelled and expired")).to_contain_text(
        seeded.bruno_email
    )
    journey.checkpoint("cancelled")

    # Enrol Dana, a member of the client: her seat is invoiced to the client. Both
    # invoices are on the orders page: Amara's to her, Dana's to Fabrikam.
    page.get_by_label("E-mail address").fill(seeded.dana_email)
    page.get_by_label("Who pays").select_option("auto")
    page.get_by_role("button", name="Enrol").click()
    expect(journey.flash()).to_contain_text("Dana Fischer’s seat on")
    expect(journey.flash()).to_contain_text("Billed on order APX-")
    journey.checkpoint("enrolled-member")
    nav.get_by_role("link", name="Coordinate").click()
    subnav.get_by_role("link", name="Orders").click()
    for email, billed in ((seeded.amara_email, None), (seeded.dana_email, seeded.client_name)):
        page.get_by_label("Reference, invoice or e-mail").fill(email)
        page.get_by_role("button", name="Filter").click()
        row = page.get_by_role("row").filter(has_text=email)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("INV-")
        if billed:
            expect(row).to_contain_text(billed)
    journey.checkpoint("both-invoices")

    # Amara is on the second date's roster now (Coordinate → Series → the series).
    nav.get_by_role("link", name="Coordinate").click()
    subnav.get_by_role("link", name="Series").click()
    page.get_by_role("link", name=title).click()
    page.get_by_role("link", name=f"Roster for {COURSE_TITLE} on {second.isoformat()}").click()
    expect(page.get_by_role("table", name="Confirmed")).to_contain_text(seeded.amara_email)
    journey.checkpoint("moved-roster")

    # --- Refund Chen's order, found on the orders page. ---
    nav.get_by_role("link", name="Coordinate").click()
    subnav.get_by_role("link", name="Orders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Orders")
    journey.checkpoint("orders")
    page.get_by_label("Reference, invoice or e-mail").fill(seeded.chen_email)
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=seeded.chen_order_reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Receipt {seeded.chen_order_reference}"
    )
    journey.checkpoint("order")

    def refund(amount: str) -> None:
        page.get_by_label("Amount (USD)").fill(amount)
        page.get_by_label("Reason (the learner sees it)").fill("The room changed at short notice")
        page.get_by_role("button", name="Refund").click()

    refund("abc")
    expect(journey.form_error()).to_have_text("Amount: give an amount such as 495.00.")
    journey.checkpoint("refund-not-a-number")
    refund("900.00")  # more than was paid
    expect(journey.form_error()).to_contain_text("At most USD 495.00 can be refunded")
    journey.checkpoint("refund-too-much")
    refund("100.00")
    expect(journey.flash()).to_have_text(f"Refunded USD 100.00 on {seeded.chen_order_reference}.")
    expect(page.get_by_role("region", name="Refunds")).to_contain_text(
        "The room changed at short notice"
    )
    expect(page.get_by_text("Up to USD 395.00 can be refunded")).to_be_visible()
    journey.checkpoint("refunded")

    # --- Someone else's id: Chen's own receipt page is Chen's alone. ---
    page.goto(f"/orders/{seeded.chen_order_id}")
    expect_styled_refusal(journey, 404)
    expect(nav.get_by_role("link", name="Coordinate")).to_be_visible()
    expect(page.get_by_text(seeded.chen_order_reference)).to_have_count(0)
    journey.checkpoint("foreign-receipt")
    page.locator(".error-page a.button").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    journey.checkpoint("after-refusal")

    # --- A promo code: a period that ends before it starts first. ---
    nav.get_by_role("link", name="Coordinate").click()
    subnav.get_by_role("link", name="Promo codes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Promo codes")
    journey.checkpoint("promo-codes")
    code = f"SPRING{seeded.tag.upper()}"
    today = date.today()
    page.get_by_label("Code", exact=True).fill(code)
    page.get_by_label("Percent off").fill("15")
    page.get_by_label("Course", exact=True).select_option(label=COURSE_TITLE)
    page.get_by_label("Valid from").fill((today + timedelta(days=30)).isoformat())
    page.get_by_label("Valid until").fill(today.isoformat())
    page.get_by_label("Usage limit").fill("25")
    page.get_by_role("button", name="Create").click()
    expect(journey.form_error()).to_have_text("The code's last day is before its first day.")
    expect(page.get_by_label("Code", exact=True)).to_have_value(code)
    journey.checkpoint("promo-bad-period")
    page.get_by_label("Valid from").fill(today.isoformat())
    page.get_by_label("Valid until").fill((today + timedelta(days=90)).isoformat())
    page.get_by_role("button", name="Create").click()
    expect(journey.flash()).to_have_text(f"Promo code {code} created.")
    row = page.get_by_role("row", name=re.compile(code))
    expect(row).to_contain_text("15%")
    expect(row).to_contain_text("0 of 25")
    journey.checkpoint("promo-created")

    # --- A seat pack for the client: again a period backwards first. ---
    subnav.get_by_role("link", name="Seat packs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Seat packs")
    # The coordinator's sub-navigation stays in view here as on every coordinator page.
    expect(subnav.get_by_role("link", name="Seat packs")).to_have_attribute("aria-current", "page")
    journey.checkpoint("seat-packs")
    page.get_by_label("Client organisation").select_option(label=seeded.client_name)
    page.get_by_label("Seats", exact=True).fill("6")
    page.get_by_label("Course", exact=True).select_option(label=COURSE_TITLE)
    page.get_by_label("Valid from").fill((today + timedelta(days=10)).isoformat())
    page.get_by_label("Valid until").fill(today.isoformat())
    page.get_by_role("button", name="Create").click()
    expect(journey.form_error()).to_have_text(
        "The pack must be valid until a date on or after its first day."
    )
    journey.checkpoint("seat-pack-bad-period")
    page.get_by_label("Valid from").fill(today.isoformat())
    page.get_by_label("Valid until").fill((today + timedelta(days=180)).isoformat())
    page.get_by_role("button", name="Create").click()
    expect(journey.flash()).to_have_text("Seat pack created: 6 seats.")
    pack_row = page.get_by_role("row", name=re.compile(re.escape(seeded.client_name)))
    expect(pack_row).to_contain_text(COURSE_TITLE)
    journey.checkpoint("seat-pack-created")

    # What the browser did is what the database holds.
    with learning_db() as db:
        statuses = {
            status
            for (status,) in db.execute(
                select(Enrollment.status)
                .join(CourseSession, CourseSession.id == Enrollment.session_id)
                .where(CourseSession.series_id == series_id)
            )
        }
    assert statuses == {"confirmed", "cancelled"}
