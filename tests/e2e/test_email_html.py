"""The HTML part of real notices, opened in Chromium: axe finds nothing, phones do not scroll.

The notices are made the way the app makes them (the enrolment notice with its invite,
the password reset with its long one-time link) and read back from the outbox the dev
mail sink writes; the HTML part is then loaded as a mail client would show it.
"""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page
from sqlalchemy.orm import Session

from app.enrollment import notices
from app.notifications import mail
from tests.factories import make_user
from tests.scheduling.calendars.helpers import enrol
from tests.scheduling.factories import make_session, make_venue

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def _newest_html(outbox: Path) -> str:
    (path,) = sorted(outbox.glob("*.eml"))
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(("html",))
    assert part is not None, "no HTML part"
    return str(part.get_content())


def _confirmation(db: Session, outbox: Path) -> str:
    learner = make_user(db, name="Ann Lee", email="ann@example.com")
    room = make_venue(db, name="Harbour Room", address="12 Quay Street\nBoston, MA 02110")
    session = make_session(
        db, tz="America/New_York", venue=room, online_url="https://meet.example.com/apex-room-1"
    )
    notices.enrollment_confirmed(db, enrol(db, session, learner))
    db.commit()
    return _newest_html(outbox)


def _password_reset(db: Session, outbox: Path) -> str:
    mail.send_template(
        to="ann@example.com",
        subject="Reset your APEX password",
        template="emails/password_reset.txt",
        context={
            "user": make_user(db, name="Ann Lee"),
            "link": "http://testserver/password-reset/" + "Zx9_" * 24,  # an unbroken token
            "minutes": 60,
        },
    )
    return _newest_html(outbox)


@pytest.fixture(params=["confirmation", "password_reset"])
def notice_html(request: pytest.FixtureRequest, db: Session, outbox: Path) -> str:
    made = {"confirmation": _confirmation, "password_reset": _password_reset}[request.param]
    return made(db, outbox)


@pytest.fixture
def mail_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    yield page
    context.close()


def test_axe_finds_no_violations_in_a_notice(mail_page: Page, notice_html: str) -> None:
    mail_page.set_content(notice_html)
    results = Axe().run(mail_page)
    violations = results.response["violations"]
    summary = [(v["id"], v["impact"], len(v["nodes"])) for v in violations]
    print(f"axe e-mail: {len(results.response['passes'])} rules passed; violations: {summary}")
    assert violations == [], summary


def test_a_notice_fits_a_phone_without_sideways_scrolling(
    mail_page: Page, notice_html: str
) -> None:
    mail_page.set_viewport_size(PHONE)
    mail_page.set_content(notice_html)
    widths = mail_page.evaluate(
        "() => ({page: document.documentElement.scrollWidth, view: window.innerWidth,"
        " widest: Math.max(...[...document.querySelectorAll('body *')]"
        ".map(e => e.getBoundingClientRect().right))})"
    )
    assert widths["page"] <= widths["view"], widths
    assert widths["widest"] <= widths["view"], widths
    link = mail_page.locator("main a").first  # the main action is a real link
    assert link.get_attribute("href", timeout=2000)
    assert link.bounding_box() is not None
