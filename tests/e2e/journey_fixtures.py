"""Shared steps for the role journeys: a person walks the real server through its pages.

Every page a journey passes is checked with axe (nothing serious or critical) and, when
``APEX_JOURNEY_SHOTS=1``, photographed to ``/tmp/journeys/<role>-NN-<step>.png`` so a
person can look at what the journey saw; CI leaves the variable unset and writes nothing.

Navigation goes through links by their accessible names, the way a person reads the
page, so the journeys survive the navigation being regrouped: a staff page is reached by
its main-navigation entry, then the area's sub-navigation link.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Response, expect
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.accounts.service import create_user
from app.config import get_settings
from app.content.loader import load_pack
from tests.e2e.learning_fixtures import PASSWORD, no_serious_axe

SHOTS_DIR = Path("/tmp/journeys")
TIMEOUT_MS = 15_000


def shots_wanted() -> bool:
    """Screenshots only on request: CI must not write into /tmp for nothing."""
    return os.environ.get("APEX_JOURNEY_SHOTS") == "1"


class Journey:
    """One person's walk: numbers the steps, checks each page, keeps the screenshots."""

    def __init__(self, page: Page, role: str) -> None:
        self.page = page
        self.role = role
        self.number = 0
        if shots_wanted():
            SHOTS_DIR.mkdir(parents=True, exist_ok=True)
            for old in SHOTS_DIR.glob(f"{role}-*.png"):
                old.unlink()  # a rerun must not leave the last run's pictures in between

    def step(self, name: str, *, page: Page | None = None) -> None:
        """The page as it is now is one step: photograph it; axe finds nothing serious.

        The picture comes first, so a page axe refuses can still be looked at.
        """
        on = page or self.page
        self.number += 1
        if shots_wanted():
            on.screenshot(
                path=SHOTS_DIR / f"{self.role}-{self.number:02d}-{name}.png", full_page=True
            )
        no_serious_axe(on)


@pytest.fixture
def contexts(browser: Browser, live_server: str) -> Iterator[Callable[[], BrowserContext]]:
    """Fresh browser contexts (one per person, no cookies), all closed at the end."""
    opened: list[BrowserContext] = []

    def new() -> BrowserContext:
        context = browser.new_context(base_url=live_server, accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        opened.append(context)
        return context

    yield new
    for context in opened:
        context.close()


def new_tag() -> str:
    """A short random tag, so a journey's data never meets another run's on the shared db."""
    return uuid.uuid4().hex[:8]


def make_person(db: Session, *, name: str, role: Role, tag: str) -> User:
    """An account with the browser password; the e-mail carries the tag and the role."""
    slug = re.sub(r"[^a-z]+", "-", name.lower()).strip("-") or "person"
    email = f"journey-{role.value}-{tag}-{slug}-{uuid.uuid4().hex[:4]}@example.com"
    return create_user(db, email=email, display_name=name, password=PASSWORD, roles={role})


# Navigation ----------------------------------------------------------------------------


def main_nav(page: Page) -> Locator:
    """The site's main navigation landmark."""
    return page.get_by_role("navigation", name="Main")


def sign_in(page: Page, email: str, journey: Journey | None = None) -> None:
    """From the home page, through the "Log in" link and the login form."""
    page.goto("/")
    main_nav(page).get_by_role("link", name="Log in", exact=True).click()
    expect(page.get_by_label("E-mail address")).to_be_visible()
    if journey is not None:
        journey.step("login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def follow_nav(page: Page, name: str) -> None:
    """Click a main-navigation entry by its name ("Courses", "My learning", ...)."""
    main_nav(page).get_by_role("link", name=name, exact=True).click()


def open_staff_page(page: Page, entry: str, sub: str) -> None:
    """A staff page: its area's main-navigation entry, then the sub-navigation link.

    The area's landing page may already be ``sub``; the sub-navigation link is clicked
    anyway (it is the same page), so the journey proves the link is there. Should the
    navigation put ``sub`` in the main bar directly, that link is taken instead.
    """
    bar = main_nav(page)
    direct = bar.get_by_role("link", name=sub, exact=True)
    if not bar.get_by_role("link", name=entry, exact=True).count() and direct.count():
        direct.click()
        return
    bar.get_by_role("link", name=entry, exact=True).click()
    # Any navigation landmark but the main one holds the area's own links.
    subnav = page.locator("nav:not([aria-label='Main'])").get_by_role("link", name=sub, exact=True)
    expect(subnav.first).to_be_visible()
    subnav.first.click()


def expect_refusal(
    page: Page, response: Response | None, *, nav_link: str, next_link: str | re.Pattern[str]
) -> None:
    """A styled 403/404 page: the layout and the person's navigation, and a way on.

    Not a 500, not a bare text answer: the main navigation still offers ``nav_link`` and
    the page offers ``next_link`` to carry on from.
    """
    assert response is not None
    assert response.status in (403, 404), response.status
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text(f"Error {response.status}")).to_be_visible()
    expect(main_nav(page).get_by_role("link", name=nav_link, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("main").get_by_role("link", name=next_link)).to_be_visible()
    # Styled: the site's stylesheet is applied (the header is laid out as a flex row).
    header_row = page.locator(".header-row")
    assert header_row.evaluate("e => getComputedStyle(e).display") == "flex"


def flash(page: Page) -> Locator:
    """The flash messages of the page (a status region at the top of the main content)."""
    return page.get_by_role("main").get_by_role("status").first


# Knowledge checks of the real packs ----------------------------------------------------


@dataclass(frozen=True)
class Check:
    """A knowledge check of a real pack: its id, choice texts, and the right choices."""

    id: str
    choices: list[str]
    right: list[int]  # numbered from 1, as the page shows them

    def wrong(self) -> int:
        """A choice that is not right (for a first, mistaken try)."""
        return next(n for n in range(1, len(self.choices) + 1) if n not in self.right)


@dataclass(frozen=True)
class Module:
    """A module of a real pack with its checks."""

    position: int
    title: str
    checks: list[Check]


@cache
def modules_of(slug: str) -> list[Module]:
    """The modules of the course ``slug`` in courses/, with the right answers to its checks."""
    pack = load_pack(get_settings().courses_dir / slug)
    modules = []
    for position, module in enumerate(pack.modules, start=1):
        checks = [
            Check(
                c.id,
                [str(choice) for choice in c.choices],
                [c.answer] if isinstance(c.answer, int) else list(c.answer),
            )
            for c in module.meta.checks
        ]
        modules.append(Module(position, module.meta.title, checks))
    return modules


def answer(page: Page, check: Check, chosen: list[int]) -> Locator:
    """Choose ``chosen`` (by their labels) on one check and send it; its box after the reload."""
    box = page.locator(f"#check-{check.id}")
    for number in chosen:
        box.get_by_label(check.choices[number - 1], exact=True).check()
    box.get_by_role("button", name=re.compile("^Check answer")).click()
    return page.locator(f"#check-{check.id}")
