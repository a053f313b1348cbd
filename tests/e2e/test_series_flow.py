"""In a real browser: a coordinator creates "APEX Last Friday" with the live preview and
finds a year of sessions in the month calendar."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from app import migrate
from app.accounts.models import Role
from app.accounts.service import create_user
from app.config import get_settings
from app.content.sync import sync_folder
from app.db import make_engine
from app.scheduling.recurrence import occurrences
from app.scheduling.workdays import add_months
from tests.e2e.conftest import serving
from tests.e2e.learning_fixtures import PASSWORD, log_in

pytestmark = pytest.mark.e2e

COURSES = [
    "Defining and Managing Client Expectations",
    "Communicating Status Clients Trust",
    "Building Trust and Confidence",
]
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def series_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database of this module's own: the calendar is counted, so no other test's
    sessions of the same courses may share its months."""
    url = f"sqlite:///{tmp_path_factory.mktemp('series') / 'e2e.db'}"
    migrate.upgrade(url=url)
    return url


@pytest.fixture(scope="module")
def series_server(
    series_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with serving(series_database_url, tmp_path_factory.mktemp("series-logs")) as url:
        yield url


@pytest.fixture
def page(browser: Browser, series_server: str) -> Iterator[Page]:
    """A fresh browser context on this module's server."""
    context = browser.new_context(base_url=series_server)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def schedule_db(series_database_url: str) -> Iterator[Callable[[], Session]]:
    """Sessions on this module's database, with the real courses loaded (idempotent)."""
    engine = make_engine(series_database_url)

    def new_session() -> Session:
        return Session(bind=engine, expire_on_commit=False)

    with new_session() as db:
        result = sync_folder(db, get_settings().courses_dir)
        assert result.ok, result.failed
        db.commit()
    yield new_session
    engine.dispose()


@pytest.fixture
def coordinator_email(schedule_db: Callable[[], Session]) -> str:
    """A coordinator account in the live server's database."""
    email = f"e2e-coordinator-{uuid.uuid4().hex[:8]}@example.com"
    with schedule_db() as db:
        create_user(
            db,
            email=email,
            display_name="E2E Coordinator",
            password=PASSWORD,
            roles={Role.COORDINATOR},
        )
        db.commit()
    return email


def _assert_accessible(page: Page) -> None:
    violations = Axe().run(page).response["violations"]
    blocking = [v for v in violations if v.get("impact") in BLOCKING]
    assert blocking == [], blocking


def test_coordinator_creates_apex_last_friday_and_sees_a_year_of_sessions(
    page: Page, coordinator_email: str
) -> None:
    log_in(page, coordinator_email)
    page.goto("/coordinator/series/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("New series")
    _assert_accessible(page)

    page.get_by_label("Title").fill("APEX Last Friday")
    page.get_by_label("Repeats").select_option(label="Last Friday of each month")
    page.get_by_label("Start date").fill("2026-12-01")
    page.get_by_label("Time zone").fill("America/New_York")
    preview = page.locator("#preview-list li")
    # Without holidays the preview shows Christmas Day itself...
    expect(preview.first).to_have_text("2026-12-25")

    # ...and updates live (no button pressed) once US holidays move it back a day.
    page.get_by_label("Holidays of").fill("US")
    page.get_by_label("On a holiday").select_option(label="Move to the previous business day")
    expect(preview.first).to_have_text("2026-12-24 moved from 2026-12-25: Christmas Day")
    expect(preview).to_have_count(12)
    expect(preview.nth(1)).to_have_text("2027-01-29")

    # A bad zone is explained in place, then fixed.
    page.get_by_label("Time zone").fill("America/Atlantis")
    expect(page.locator("#preview-error")).to_contain_text("is not a known time zone")
    page.get_by_label("Time zone").fill("America/New_York")
    expect(preview.first).to_contain_text("2026-12-24")
    expect(page.locator("#preview-error")).to_be_hidden()

    for number, title in enumerate(COURSES, start=1):
        page.get_by_label(f"Course {number}").select_option(label=title)
    page.get_by_label("Capacity").fill("20")
    page.get_by_label("Price per course").fill("495.00")
    page.get_by_role("button", name="Save series").click()

    flash = page.get_by_role("status")
    expect(flash).to_contain_text("Created 'APEX Last Friday' with")
    match = re.search(r"with (\d+) sessions up to (\d{4}-\d{2}-\d{2})", flash.inner_text())
    assert match, flash.inner_text()

    # The same dates the server materialised: from today (in the series' zone, as the
    # server counts it) up to the 12-month horizon.
    today = datetime.now(ZoneInfo("America/New_York")).date()
    expected = [
        o.date
        for o in occurrences(
            "last-friday",
            date(2026, 12, 1),
            "America/New_York",
            until=add_months(today, 12),
            holiday_country="US",
            policy="previous",
        )
        if not o.dropped and o.date >= today
    ]
    assert int(match.group(1)) == 3 * len(expected)
    assert match.group(2) == expected[-1].isoformat()
    months = sorted({(d.year, d.month) for d in expected})
    assert len(months) >= 11  # twelve, unless today falls just before a last Friday

    year, month = months[0]
    page.get_by_role("link", name="Calendar", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sessions in")
    page.goto(f"/coordinator/calendar?month={year}-{month:02d}")
    _assert_accessible(page)
    for index, (year, month) in enumerate(months):
        heading = date(year, month, 1).strftime("%B %Y")
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Sessions in {heading}")
        grid = page.locator("table.month-grid")
        for title in COURSES:
            expect(grid.get_by_role("link", name=title, exact=True)).to_have_count(1)
        expect(grid.get_by_text("20 seats")).to_have_count(3)
        if index + 1 < len(months):
            page.get_by_role("link", name="Next month →").click()

    if (2026, 12) in months:
        page.goto("/coordinator/calendar?month=2026-12")
        day = page.locator("table.month-grid td", has=page.locator('time[datetime="2026-12-24"]'))
        expect(day.get_by_role("link", name=COURSES[0], exact=True)).to_be_visible()
        christmas = page.locator(
            "table.month-grid td", has=page.locator('time[datetime="2026-12-25"]')
        )
        expect(christmas.locator("li")).to_have_count(0)

    page.goto("/coordinator/series")
    expect(page.get_by_role("link", name="APEX Last Friday")).to_be_visible()
