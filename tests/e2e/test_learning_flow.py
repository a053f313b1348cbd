"""In a real browser: a new learner studies a whole free course, leaves, resumes, completes."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from app.accounts.service import find_user_by_email
from tests.e2e.learning_fixtures import (  # noqa: F401  (learning_db: a fixture)
    COURSE,
    PASSWORD,
    ModuleAnswers,
    course_answers,
    finish_sign_up,
    learning_db,
    log_in,
    study_began_hours_ago,
)

pytestmark = [pytest.mark.e2e]

TITLE = "Communicating Status Clients Trust"


def _answer_every_check(page: Page, module: ModuleAnswers, total: int) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(module.title)
    expect(page.get_by_text(f"Module {module.position} of {total}")).to_be_visible()
    for check in module.checks:
        box = page.locator(f"#check-{check.id}")
        for number in check.chosen:
            box.locator(f"#choice-{check.id}-{number}").check()
        box.get_by_role("button", name=re.compile("^Check answer")).click()
        box = page.locator(f"#check-{check.id}")
        expect(box.locator(".check-verdict")).to_contain_text("Correct")
        expect(box.locator(".check-verdict")).to_contain_text("your best score 100 %")
        expect(box.locator(".check-explanation")).to_be_visible()


def test_study_leave_resume_and_complete(
    page: Page,
    browser: Browser,
    live_server: str,
    learning_db: Callable[[], Session],  # noqa: F811
) -> None:
    modules = course_answers()
    total = len(modules)
    email = f"e2e-learn-{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/signup")
    page.get_by_label("Your name").fill("Lee Learner")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=False).first.fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    finish_sign_up(page, email)
    expect(page.get_by_text("Welcome, Lee Learner.")).to_be_visible()

    # From the catalogue to the course page, then "Study online".
    page.goto("/courses")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    page.get_by_role("link", name="Study online").click()
    expect(page).to_have_url(re.compile(rf"/learn/{COURSE}/1$"))
    expect(page.get_by_label(re.compile("Course progress"))).to_have_attribute("value", "20")

    # Skipping ahead is refused: back to the first unvisited module, with a message.
    page.goto(f"/learn/{COURSE}/3")
    expect(page).to_have_url(re.compile(rf"/learn/{COURSE}/2$"))
    expect(page.get_by_role("status")).to_contain_text("Modules open in order")
    page.goto(f"/learn/{COURSE}/1")

    for module in modules[:3]:
        _answer_every_check(page, module, total)
        page.get_by_role("link", name=re.compile("^Next")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(modules[3].title)

    # Leave: a new browser context (no cookies), sign in again, resume from My learning.
    # They come back hours later: the course asks for hours of study before it counts.
    page.context.close()
    with learning_db() as db:
        person = find_user_by_email(db, email)
        assert person is not None
        study_began_hours_ago(db, person.id)
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(10_000)
    later = context.new_page()
    try:
        log_in(later, email)
        later.goto("/learning")
        later.get_by_role("link", name=f"Resume {TITLE}").click()
        expect(later).to_have_url(re.compile(rf"/learn/{COURSE}/4$"))
        expect(later.get_by_label(re.compile("Course progress"))).to_have_attribute("value", "80")

        _answer_every_check(later, modules[3], total)
        later.get_by_role("link", name=re.compile("^Next")).click()
        last = modules[4]
        expect(later.get_by_role("heading", name="To complete the course")).to_be_visible()
        _answer_every_check(later, last, total)
        expect(later.get_by_role("heading", name="Course complete")).to_be_visible()
        expect(later.get_by_label(re.compile("Course progress"))).to_have_attribute("value", "100")

        later.goto("/learning")
        item = later.locator(".learning-item", has=later.get_by_role("heading", name=TITLE))
        expect(item).to_contain_text(f"{total} of {total} modules visited")
        expect(item).to_contain_text("Completed on")
        expect(item.get_by_role("link", name=f"Review {TITLE}")).to_be_visible()
    finally:
        context.close()
