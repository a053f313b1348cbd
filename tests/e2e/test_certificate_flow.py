"""In a browser: attendance marked by the facilitator becomes a certificate for each
learner, whose QR code opens the public verification page, which says it is valid.

The certificate's QR code is decoded from the downloaded PDF (tests/documents/qr_decode.py
reads the modules the page draws and checks their error correction), so the test follows
the address a phone would open, not a link printed next to it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.accounts.service import create_user
from app.config import get_settings
from app.db import utcnow
from app.documents.certificates.issuing import issue_due_certificates
from app.documents.models import Certificate
from app.enrollment.models import Enrollment
from app.scheduling.models import SessionFacilitator
from tests.documents.cert_helpers import one_line, pdf_text
from tests.documents.qr_decode import qr_text_in_pdf
from tests.e2e.learning_fixtures import (
    PASSWORD,
    learning_db,  # noqa: F401  (fixture used by name)
    log_in,
    no_serious_axe,
)
from tests.scheduling.factories import make_session

pytestmark = [pytest.mark.e2e]

LEARNERS = ("Zoë Ødegård", "李小龍")
TITLE = "Relationship Management for Technical Professionals"


@pytest.fixture
def public_address(live_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The live server is the platform's public address, so certificates point at it."""
    monkeypatch.setattr(get_settings(), "base_url", live_server)
    return live_server


@pytest.fixture
def contexts(browser: Browser, live_server: str) -> Iterator[Callable[[], BrowserContext]]:
    """Fresh browser contexts (one per person), closed at the end."""
    opened: list[BrowserContext] = []

    def new() -> BrowserContext:
        context = browser.new_context(base_url=live_server, accept_downloads=True)
        context.set_default_timeout(15_000)
        opened.append(context)
        return context

    yield new
    for context in opened:
        context.close()


def _seed(db: Session, tag: str) -> tuple[int, str, list[str]]:
    """A one-day session that took place last week, a facilitator, two confirmed learners."""
    last_week = date.today() - timedelta(days=7 + date.today().weekday())  # a Monday
    session = make_session(db, starts_on=last_week)
    facilitator = f"e2e-cert-facilitator-{tag}@example.com"
    person = create_user(
        db, email=facilitator, display_name="Fran Facilitator", password=PASSWORD,
        roles={Role.FACILITATOR},
    )  # fmt: skip
    db.add(SessionFacilitator(session_id=session.id, user_id=person.id))
    learners = []
    for number, name in enumerate(LEARNERS):
        email = f"e2e-cert-learner-{tag}-{number}@example.com"
        learner = create_user(
            db, email=email, display_name=name, password=PASSWORD, roles={Role.LEARNER}
        )
        db.add(
            Enrollment(
                session_id=session.id, user_id=learner.id, status="confirmed",
                source="coordinator", confirmed_at=utcnow(),
            )
        )  # fmt: skip
        learners.append(email)
    db.commit()
    return session.id, facilitator, learners


def test_attendance_gives_a_certificate_whose_qr_code_verifies(
    contexts: Callable[[], BrowserContext],
    public_address: str,
    learning_db: Callable[[], Session],  # noqa: F811
) -> None:
    tag = uuid.uuid4().hex[:8]
    with learning_db() as db:
        session_id, facilitator, learners = _seed(db, tag)

    # The facilitator marks both participants present on the session's one day.
    page = contexts().new_page()
    log_in(page, facilitator)
    page.goto("/facilitator/sessions")
    page.locator(f'a[href="/facilitator/sessions/{session_id}"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Attendance: {TITLE}")
    for name in LEARNERS:
        marks = page.get_by_role("group", name=f"{name}, day 1")
        marks.get_by_label("Present").check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved (2 marks).")).to_be_visible()
    for name in LEARNERS:
        expect(
            page.get_by_role("group", name=f"{name}, day 1").get_by_label("Present")
        ).to_be_checked()

    # The ticker issues what attendance earned (pages never issue: a GET must not write);
    # here its certificate work runs once, as the next tick would.
    with learning_db() as db:
        assert issue_due_certificates(db) == 2
        db.commit()

    # Each learner finds the certificate on "My learning" and downloads it from there.
    for email, name in zip(learners, LEARNERS, strict=True):
        learner = contexts().new_page()
        log_in(learner, email)
        learner.goto("/learning")
        section = learner.get_by_role("region", name="Certificates")
        expect(section.get_by_text(TITLE)).to_be_visible()
        no_serious_axe(learner)
        with learning_db() as db:
            cert = db.scalars(
                select(Certificate).where(
                    Certificate.session_id == session_id, Certificate.holder_name == name
                )
            ).one()
        expect(section.get_by_role("cell", name=cert.serial, exact=True)).to_be_visible()
        with learner.expect_download() as info:
            section.get_by_role("link", name=f"PDF of certificate {cert.serial}").click()
        download = info.value
        assert download.suggested_filename == f"{cert.serial}.pdf"
        pdf = download.path().read_bytes()
        (text,) = pdf_text(pdf)
        assert name in text and f"Serial {cert.serial}" in one_line(text) and TITLE in text

        # What the QR code says is this certificate's public verification address...
        address = qr_text_in_pdf(pdf)
        assert address == f"{public_address}/verify/{cert.token}"
        assert address in one_line(text).replace(" ", "")  # and it is printed too

        # ...which anyone can open, signed in or not: it says the certificate is valid.
        anyone = contexts().new_page()
        anyone.goto(address)
        expect(anyone.get_by_role("heading", level=1)).to_have_text("Certificate verification")
        expect(anyone.get_by_role("heading", level=2)).to_have_text("Valid")
        expect(
            anyone.get_by_text("This certificate was issued by APEX and is in force.")
        ).to_be_visible()
        expect(anyone.get_by_text(name, exact=True)).to_be_visible()
        expect(anyone.get_by_text(cert.serial, exact=True)).to_be_visible()
        no_serious_axe(anyone)
