"""A client organisation's coordinator, in a real browser against `apex serve`.

Omar coordinates Northwind Engineering (members and a seat pack, as the demo data builds
it). He signs in, finds his organisation from the navigation, gives an employee a pack
seat on a session (then tries the same seat again), opens another organisation by its
id (refused with a styled page), and sees the invoice billed to his organisation.
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
from app.enrollment import seat_packs
from app.enrollment.models import Enrollment
from app.payments import checkout
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

COURSE_SLUG = "client-expectations"
COURSE_TITLE = "Defining and Managing Client Expectations"
# The session is this far ahead, clear of the months other browser tests fill.
MONTHS_AHEAD = 20


@dataclass(frozen=True)
class Seeded:
    """Northwind with its people, pack and invoice; Contoso, someone else's organisation."""

    coordinator_email: str
    lena_email: str
    organisation_name: str
    other_organisation_id: int
    other_organisation_name: str
    session_id: int
    session_date: date
    invoice_reference: str


@pytest.fixture
def seeded(learning_db: Callable[[], Session]) -> Seeded:  # noqa: F811
    """Two client organisations, each with a coordinator and a seat pack."""
    tag = uuid.uuid4().hex[:6]
    today = date.today()
    with learning_db() as db:
        seller = make_person(db, "Sam Seller", roles={Role.COORDINATOR})
        omar = make_person(db, "Omar Orgcoord")
        lena = make_person(db, "Lena Learner")
        priya = make_person(db, "Priya Patel")
        northwind = organisations.create_organisation(db, name=f"Northwind Engineering {tag}")
        organisations.add_member(db, northwind, email=omar.email, coordinator=True)
        organisations.add_member(db, northwind, email=lena.email)
        organisations.add_member(db, northwind, email=priya.email)
        other = make_person(db, "Olga Other")
        contoso = organisations.create_organisation(db, name=f"Contoso {tag}")
        organisations.add_member(db, contoso, email=other.email, coordinator=True)

        session = make_session(
            db,
            course_slug=COURSE_SLUG,
            starts_on=add_months(today, MONTHS_AHEAD) + timedelta(days=3),
            capacity=8,
            price_cents=49500,
        )
        for organisation in (northwind, contoso):
            pack = seat_packs.create_seat_pack(
                db,
                seller,
                organisation_id=organisation.id,
                seats=10,
                course_id=session.course_id,
                valid_from=today,
                valid_until=session.starts_on + timedelta(days=60),
            )
        # The seller invoices Northwind's pack; its coordinator is the buyer who sees it.
        northwind_pack = seat_packs.pack_usages(db, [northwind.id])[0].pack
        invoice = checkout.invoice_seat_pack(
            db, northwind_pack.id, price_cents=400000, by=seller, now=utcnow()
        )
        assert pack.organisation_id == contoso.id and invoice.reference is not None
        db.commit()
        return Seeded(
            coordinator_email=omar.email,
            lena_email=lena.email,
            organisation_name=northwind.name,
            other_organisation_id=contoso.id,
            other_organisation_name=contoso.name,
            session_id=session.id,
            session_date=session.starts_on,
            invoice_reference=invoice.reference,
        )


def test_organisation_coordinator_journey(
    page: Page,
    seeded: Seeded,
    learning_db: Callable[[], Session],  # noqa: F811
) -> None:
    journey = Journey(page, "org-coordinator")
    nav = journey.main_nav()

    # The home shows the organisation's seats at a glance.
    sign_in_from_home(journey, seeded.coordinator_email)
    expect(page.get_by_role("heading", name=seeded.organisation_name)).to_be_visible()
    journey.checkpoint("home")

    # The organisation is one click away in the main navigation.
    nav.get_by_role("link", name=re.compile("organisation", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(seeded.organisation_name)
    members = page.get_by_role("table", name=f"Members of {seeded.organisation_name}")
    expect(members).to_contain_text("Lena Learner")
    expect(members).to_contain_text("Priya Patel")
    journey.checkpoint("organisation")

    org_nav = page.get_by_role("navigation", name=seeded.organisation_name)
    org_nav.get_by_role("link", name="Seat packs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Seat packs: {seeded.organisation_name}"
    )
    pack = page.get_by_role("region", name=f"10 seats, {COURSE_TITLE}")
    expect(pack).to_contain_text("0 used, 10 unused.")
    journey.checkpoint("seat-packs")

    # --- Give Lena a pack seat on the session. ---
    def assign_lena() -> None:
        pack.get_by_label("Employee").select_option(label=f"Lena Learner ({seeded.lena_email})")
        session_choice = pack.get_by_label("Session", exact=True)
        option = session_choice.locator("option", has_text=seeded.session_date.isoformat())
        session_choice.select_option(label=option.inner_text().strip())
        pack.get_by_role("button", name="Assign a seat").click()

    assign_lena()
    expect(journey.flash()).to_contain_text(f"Seat assigned to {seeded.lena_email} on")
    expect(pack).to_contain_text("1 used, 9 unused.")
    expect(pack.get_by_role("table")).to_contain_text("Lena Learner")
    journey.checkpoint("assigned")

    # The same seat again is refused, and nothing more is used.
    assign_lena()
    expect(page.locator(".flash-error")).to_contain_text(
        "Lena Learner already has a confirmed seat on"
    )
    expect(pack).to_contain_text("1 used, 9 unused.")
    journey.checkpoint("assigned-twice")

    # --- Someone else's organisation, by its id: refused, not a 500. ---
    for path in (
        f"/orgs/{seeded.other_organisation_id}",
        f"/orgs/{seeded.other_organisation_id}/seat-packs",
        f"/orgs/{seeded.other_organisation_id}/orders",
    ):
        answer = page.goto(path)
        assert answer is not None and answer.status == 404, path
        expect_styled_refusal(journey, 404)
        expect(page.get_by_text(seeded.other_organisation_name)).to_have_count(0)
        # The person's own navigation is still there, their organisation included.
        expect(nav.get_by_role("link", name=re.compile("organisation", re.I))).to_be_visible()
    journey.checkpoint("foreign-organisation")
    page.locator(".error-page a.button").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    journey.checkpoint("after-refusal")

    # --- The organisation's invoice for its seat pack. ---
    nav.get_by_role("link", name="My orders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My orders")
    row = page.get_by_role("row", name=re.compile(seeded.invoice_reference))
    expect(row).to_contain_text(f"Seat pack for {seeded.organisation_name}")
    journey.checkpoint("orders")
    row.get_by_role("link", name=seeded.invoice_reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Invoice {seeded.invoice_reference}")
    expect(page.locator("dl.facts")).to_contain_text(seeded.organisation_name)
    journey.checkpoint("invoice")

    # --- Everything billed to the organisation, from its own pages. ---
    nav.get_by_role("link", name=re.compile("organisation", re.I)).click()
    page.get_by_role("navigation", name=seeded.organisation_name).get_by_role(
        "link", name="Orders"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{seeded.organisation_name}: orders")
    billed = page.get_by_role("row", name=re.compile(seeded.invoice_reference))
    expect(billed).to_contain_text("Omar")
    journey.checkpoint("organisation-orders")

    with learning_db() as db:
        seats = db.execute(
            select(Enrollment.status, Enrollment.source).where(
                Enrollment.session_id == seeded.session_id
            )
        ).all()
    assert [tuple(seat) for seat in seats] == [("confirmed", "seat_pack")]
