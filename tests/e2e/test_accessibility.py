"""axe-core (offline, from axe-playwright-python) finds no serious or critical violations."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

BLOCKING = {"serious", "critical"}


@pytest.mark.parametrize("path", ["/", "/signup", "/login"])
def test_no_serious_or_critical_violations(page: Page, path: str) -> None:
    page.goto(path)
    results = Axe().run(page)
    violations = results.response["violations"]
    blocking = [v for v in violations if v.get("impact") in BLOCKING]
    summary = [(v["id"], v["impact"], len(v["nodes"])) for v in violations]
    print(f"axe {path}: {len(results.response['passes'])} rules passed; violations: {summary}")
    assert blocking == [], blocking
