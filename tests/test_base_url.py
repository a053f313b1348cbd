"""One base URL rule for every absolute link (app/base_url.py)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session
from starlette.requests import Request
from typer.testing import CliRunner

from app import cli as apex_cli
from app.base_url import SERVE_URL_ENV, carrying, public_base_url, serve_address
from app.config import get_settings
from app.scheduling import feeds
from tests.conftest import PersonClient
from tests.factories import make_user, post_form, read_outbox, text_body
from tests.scheduling.calendars.helpers import make_series_row
from tests.scheduling.factories import make_session

SERVED = "http://127.0.0.1:8101"
PUBLIC = "https://training.example.com"


@pytest.fixture
def no_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """APEX_BASE_URL unset (the suite sets it globally) and no `apex serve` address."""
    monkeypatch.setattr(get_settings(), "base_url", "")
    monkeypatch.setattr(get_settings(), "serve_url", "")


@pytest.fixture
def browser(app: FastAPI, db: Session) -> Iterator[PersonClient]:
    """A browser talking to the app at 127.0.0.1:8101, as `apex serve --port 8101` is."""
    with PersonClient(app, db, base_url=SERVED, follow_redirects=False) as client:
        yield client


def _request_to(host: str, scheme: str = "http") -> Request:
    name, _, port = host.partition(":")
    return Request(
        {
            "type": "http",
            "scheme": scheme,
            "server": (name, int(port or 80)),
            "path": "/",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", host.encode())],
        }
    )


def test_the_rule_in_order(no_base_url: None, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    assert public_base_url() == "http://localhost:8000"  # nothing known at all
    monkeypatch.setattr(settings, "serve_url", SERVED)
    assert public_base_url() == SERVED  # CLI, ticker: where `apex serve` listens
    with carrying("http://10.1.2.3:9000"):
        assert public_base_url() == "http://10.1.2.3:9000"  # work queued by a request
    assert public_base_url(_request_to("127.0.0.1:8131")) == "http://127.0.0.1:8131"
    monkeypatch.setattr(settings, "base_url", PUBLIC + "/")
    assert public_base_url() == PUBLIC
    assert public_base_url(_request_to("127.0.0.1:8131")) == PUBLIC
    with carrying("http://10.1.2.3:9000"):
        assert public_base_url() == PUBLIC


def test_serve_addresses_are_ones_a_browser_opens() -> None:
    assert serve_address("127.0.0.1", 8101) == SERVED
    assert serve_address("0.0.0.0", 8101) == "http://localhost:8101"
    assert serve_address("::1", 8101) == "http://[::1]:8101"


def test_apex_serve_records_its_address_for_links_made_outside_requests(
    no_base_url: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    monkeypatch.delenv(SERVE_URL_ENV, raising=False)  # restored after the test
    started: dict[str, object] = {}
    monkeypatch.setattr(apex_cli.migrate, "upgrade", lambda *args, **kwargs: None)
    monkeypatch.setattr(apex_cli, "_sync", lambda root: None)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.update(kwargs))
    result = CliRunner().invoke(apex_cli.cli, ["serve", "--port", "8101"])
    assert result.exit_code == 0, result.output
    assert started["port"] == 8101
    assert get_settings().serve_url == SERVED
    assert os.environ[SERVE_URL_ENV] == SERVED  # for the worker processes uvicorn starts
    assert feeds.session_url(7) == f"{SERVED}/sessions/7"


def _reset_link(client: PersonClient, email: str, outbox: Path) -> str:
    response = post_form(client, "/password-reset", {"email": email}, token_from="/password-reset")
    assert response.status_code == 200, response.text
    (message,) = read_outbox(outbox)
    body = text_body(message)
    match = re.search(r"(\S+)/password-reset/\S+", body)
    assert match, body
    return match.group(1)


def test_the_reset_link_uses_the_address_the_request_came_to(
    no_base_url: None, browser: PersonClient, db: Session, outbox: Path
) -> None:
    user = make_user(db)
    assert _reset_link(browser, user.email, outbox) == SERVED


def test_the_reset_link_uses_apex_base_url_when_set(
    no_base_url: None,
    browser: PersonClient,
    db: Session,
    outbox: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(get_settings(), "base_url", PUBLIC)
    user = make_user(db)
    assert _reset_link(browser, user.email, outbox) == PUBLIC


def test_calendar_feed_links_use_the_request_address(
    no_base_url: None, app: FastAPI, browser: PersonClient, db: Session
) -> None:
    series = make_series_row(db)
    session = make_session(db, series=series)
    feed = browser.get(f"/calendars/series/{series.id}.ics")
    assert feed.status_code == 200, feed.text
    assert f"{SERVED}/sessions/{session.id}" in feed.text
    assert "localhost:8000" not in feed.text and "testserver" not in feed.text
