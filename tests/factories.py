"""Small helpers that build test data and drive the pages like a browser would."""

from __future__ import annotations

import itertools
import re
from email import message_from_bytes
from email.message import Message
from pathlib import Path

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from app.accounts import organisations, service
from app.accounts.models import Organisation, Role, User

DEFAULT_PASSWORD = "correct-horse-battery"
_sequence = itertools.count(1)


def make_user(
    db: Session,
    *,
    email: str | None = None,
    name: str | None = None,
    password: str = DEFAULT_PASSWORD,
    roles: set[Role] | None = None,
) -> User:
    """A saved account; unique e-mail unless one is given."""
    number = next(_sequence)
    return service.create_user(
        db,
        email=email or f"person{number}@example.com",
        display_name=name or f"Person {number}",
        password=password,
        roles=roles or {Role.LEARNER},
    )


def make_organisation(db: Session, *, name: str | None = None) -> Organisation:
    """A saved client organisation."""
    return organisations.create_organisation(db, name=name or f"Client {next(_sequence)}")


CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(client: TestClient, path: str = "/login") -> str:
    """Open a page and return the CSRF token embedded in its forms."""
    response = client.get(path)
    match = CSRF_PATTERN.search(response.text)
    assert match, f"no CSRF token on {path} (status {response.status_code})"
    return match.group(1)


def post_form(
    client: TestClient, path: str, data: dict[str, str], *, token_from: str = "/login"
) -> Response:
    """Post a form the way the browser does: with the session's CSRF token."""
    return client.post(path, data={**data, "csrf_token": csrf_from(client, token_from)})


def log_in(client: TestClient, email: str, password: str = DEFAULT_PASSWORD) -> Response:
    """Sign in through the login form; asserts it worked."""
    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 303, response.text
    return response


def read_outbox(folder: Path) -> list[Message]:
    """The e-mails written to the outbox folder, oldest first."""
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    return [message_from_bytes(path.read_bytes()) for path in files]


def text_body(message: Message) -> str:
    """The plain-text part of an e-mail (every e-mail is text and HTML, maybe with files)."""
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"no text/plain part in {message['Subject']!r}")
