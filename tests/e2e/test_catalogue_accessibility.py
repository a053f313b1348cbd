"""axe-core on the catalogue and a course page, with the real packs loaded."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.e2e.learning_fixtures import learning_db  # noqa: F401  (fixture used by name)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("learning_db")]

BLOCKING = {"serious", "critical"}


@pytest.mark.parametrize(
    "path",
    [
        "/courses",
        "/courses?q=status&format=one-day",
        "/courses?q=nothing-matches-this",
        "/courses/relationship-management",
    ],
)
def test_catalogue_pages_have_no_serious_violations(page: Page, path: str) -> None:
    page.goto(path)
    assert page.locator("h1").count() == 1
    results = Axe().run(page)
    violations = results.response["violations"]
    summary = [(v["id"], v["impact"], len(v["nodes"])) for v in violations]
    print(f"axe {path}: {len(results.response['passes'])} rules passed; violations: {summary}")
    assert [v for v in violations if v.get("impact") in BLOCKING] == []
