"""axe-core finds no serious or critical violations on the learning pages, in each state."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from app.accounts.models import Role
from tests.e2e.learning_fixtures import (  # noqa: F401  (fixtures used by name)
    COURSE,
    learning_db,
    log_in,
    make_account,
)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("learning_db")]

BLOCKING = {"serious", "critical"}


def _axe(page: Page, label: str) -> None:
    results = Axe().run(page)
    violations = results.response["violations"]
    summary = [(v["id"], v["impact"], len(v["nodes"])) for v in violations]
    print(f"axe {label}: {len(results.response['passes'])} rules passed; violations: {summary}")
    blocking = [v for v in violations if v.get("impact") in BLOCKING]
    assert blocking == [], blocking


def test_learner_pages(page: Page, make_account: Callable[..., str]) -> None:  # noqa: F811
    log_in(page, make_account())
    page.goto("/learning")
    expect(page.get_by_text("You have not started a course yet.")).to_be_visible()
    _axe(page, "/learning (empty)")

    page.goto(f"/learn/{COURSE}/1")
    expect(page.get_by_text("Module 1 of 5")).to_be_visible()
    _axe(page, "module page (unanswered)")

    # One wrong answer: the result, the explanation and "Try again" are on the page.
    first = page.locator(".check").first
    first.locator('input[name="choice"]').first.check()
    first.get_by_role("button", name="Check answer to question 1").click()
    expect(page.locator(".check-result").first).to_be_visible()
    _axe(page, "module page (answered)")

    # A refused answer (nothing chosen; the browser's own check removed) shows an inline error.
    page.evaluate(
        "document.querySelectorAll('[required]').forEach(e => e.removeAttribute('required'))"
    )
    page.get_by_role("button", name="Check answer to question 2").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose exactly one answer.")
    _axe(page, "module page (422)")

    page.goto(f"/learn/{COURSE}/5")  # redirected to module 2, with a flash
    expect(page.get_by_role("status")).to_contain_text("Modules open in order")
    _axe(page, "module page (redirected, flash)")

    page.goto("/learning")
    _axe(page, "/learning (in progress)")

    page.goto("/learn/relationship-management")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "You do not have access to this course yet"
    )
    _axe(page, "no access (403)")


def test_grants_page(page: Page, make_account: Callable[..., str]) -> None:  # noqa: F811
    learner = make_account()
    log_in(page, make_account(Role.COORDINATOR))
    page.goto("/learning/grants")
    _axe(page, "/learning/grants (empty)")
    page.get_by_label("Course").select_option(
        label="Relationship Management for Technical Professionals"
    )
    page.get_by_label("Learner’s e-mail address").fill(learner)
    page.get_by_role("button", name="Give access").click()
    expect(page.get_by_role("status")).to_contain_text(f"Access granted: {learner}")
    expect(page.get_by_role("cell", name=learner, exact=False)).to_be_visible()
    _axe(page, "/learning/grants (with a grant)")
    # After a grant the course select is back on "Choose…" (it is required): pick again.
    page.get_by_label("Course").select_option(
        label="Relationship Management for Technical Professionals"
    )
    page.get_by_label("Learner’s e-mail address").fill("nobody@example.com")
    page.get_by_role("button", name="Give access").click()
    expect(page.get_by_role("alert")).to_contain_text("no account")
    _axe(page, "/learning/grants (error)")
