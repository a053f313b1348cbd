"""Shared pieces of the staff journey tests (a coordinator, an organisation coordinator).

A journey seeds only accounts and base data in the live server's database; the rest is
done in the browser by clicking links and filling forms. Each step ends on a checkpoint:
axe finds nothing serious or critical on the page, and with ``APEX_JOURNEY_SHOTS=1`` a
screenshot is saved as ``/tmp/journeys/<role>-NN-<step>.png`` for a person to look at.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.accounts.service import create_user
from tests.e2e.journey_fixtures import SHOTS_DIR, main_nav, shots_wanted
from tests.e2e.learning_fixtures import PASSWORD, no_serious_axe


@dataclass
class Journey:
    """One person's walk through the site, numbering its steps."""

    page: Page
    role: str
    steps: int = 0

    def __post_init__(self) -> None:
        if shots_wanted():
            # Only this role's files: other journeys save theirs in the same folder.
            SHOTS_DIR.mkdir(parents=True, exist_ok=True)
            for old in SHOTS_DIR.glob(f"{self.role}-*"):
                old.unlink()

    def checkpoint(self, step: str) -> None:
        """The page as it is now passes axe (and is saved as a screenshot when asked)."""
        self.steps += 1
        if shots_wanted():
            name = f"{self.role}-{self.steps:02d}-{step}"
            # Taken before axe runs, so a failing page is there to look at.
            self.page.screenshot(path=SHOTS_DIR / f"{name}.png", full_page=True)
            _log_minor_findings(self.page, self.role, name)
        no_serious_axe(self.page)

    def main_nav(self) -> Locator:
        """The site's main navigation (the person's own links, by role)."""
        return main_nav(self.page)

    def flash(self) -> Locator:
        """The flash messages shown after a form was sent."""
        return self.page.get_by_role("status")

    def form_error(self) -> Locator:
        """The message a refused form is shown again with (components/form_error.html).

        By id, not only by role: the series form has a second alert, its live preview's.
        """
        return self.page.locator("#form-error[role=alert]")


def _log_minor_findings(page: Page, role: str, name: str) -> None:
    # The moderate and minor findings do not fail a journey, but they are worth reading
    # next to the screenshots.
    violations = Axe().run(page).response["violations"]
    found = [(v["id"], v.get("impact"), len(v["nodes"])) for v in violations]
    with (SHOTS_DIR / f"{role}-axe.txt").open("a", encoding="utf-8") as log:
        log.write(f"{name}: {json.dumps(found)}\n")


def make_person(db: Session, name: str, *, roles: set[Role] | None = None) -> User:
    """An account with the journeys' password and a unique e-mail address."""
    slug = re.sub(r"[^a-z]+", "-", name.lower()).strip("-") or "person"
    return create_user(
        db,
        email=f"{slug}-{uuid.uuid4().hex[:8]}@example.com",
        display_name=name,
        password=PASSWORD,
        roles=roles or {Role.LEARNER},
    )


def sign_in_from_home(journey: Journey, email: str) -> None:
    """Open the home page, follow "Log in" and sign in, as a person arriving would."""
    page = journey.page
    page.goto("/")
    journey.main_nav().get_by_role("link", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def expect_styled_refusal(journey: Journey, status: int) -> None:
    """The styled error page: the status, the person's own navigation, a next step."""
    page = journey.page
    expect(page.locator(".error-code")).to_have_text(f"Error {status}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.locator(".error-page a.button")).to_be_visible()
