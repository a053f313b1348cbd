"""Browser tests: the real server (`apex serve`, a separate process) on a scratch database.

The server commits for real, so it gets its own SQLite file rather than the suite's
rolled-back transactions; tests seed that file directly and then act through the browser.
Playwright never downloads a browser here: it launches ``/usr/bin/chromium``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app import migrate
from tests.conftest import skip_or_fail
from tests.network import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def serving(database_url: str, log_dir: Path, **env: str) -> Iterator[str]:
    """Run ``apex serve`` on a free port against ``database_url``; yield its base URL.

    The same command a person runs, in its own process: the request lifecycle, the
    middleware and the error pages are exactly production's.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "APEX_DATABASE_URL": database_url,
        "APEX_LOAD_DEMO_DATA": "false",
        # Links in mail and PDFs point at this server, as a deployment's APEX_BASE_URL would.
        "APEX_BASE_URL": base_url,
        **env,
    }
    log_path = log_dir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from app.cli import main; main()",
                "serve",
                "--port",
                str(port),
            ],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(base_url, process, log_path)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"apex serve exited early:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"apex serve did not answer within 60 s:\n{log_path.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def live_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The live server's scratch database, migrated (tests may seed it, e.g. with packs)."""
    database = tmp_path_factory.mktemp("e2e") / "e2e.db"
    url = f"sqlite:///{database}"
    migrate.upgrade(url=url)
    return url


@pytest.fixture(scope="session")
def live_server(live_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of `apex serve` running on the live database."""
    with serving(live_database_url, tmp_path_factory.mktemp("server-logs")) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium under Playwright (skipped, or failed in CI, when absent)."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        skip_or_fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object, live_server: str) -> Iterator[object]:
    """A fresh browser context (no cookies) with a page."""
    context = browser.new_context(base_url=live_server)  # type: ignore[attr-defined]
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
