"""Password reset by an e-mailed one-time link."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import PasswordResetToken
from app.accounts.security import verify_password
from app.config import get_settings
from tests.conftest import PersonClient
from tests.factories import log_in, make_user, post_form, read_outbox, text_body

COOKIE = get_settings().session_cookie_name


def reset_link(client: TestClient, email: str, outbox: Path) -> str:
    """Ask for a reset link through the page; return its path from the new e-mail."""
    before = len(read_outbox(outbox))
    response = post_form(client, "/password-reset", {"email": email}, token_from="/password-reset")
    assert response.status_code == 200
    assert "a reset link is on its way" in response.text
    messages = read_outbox(outbox)
    assert len(messages) == before + 1
    body = text_body(messages[-1])
    match = re.search(r"http://testserver(/password-reset/\S+)", body)
    assert match, body
    return match.group(1)


def test_reset_link_sets_a_new_password_once(client: TestClient, db: Session, outbox: Path) -> None:
    user = make_user(db)
    other_device = PersonClient(
        client.app, db, base_url="http://testserver", follow_redirects=False
    )
    log_in(other_device, user.email)
    path = reset_link(client, user.email, outbox)
    assert client.get(path).status_code == 200
    done = post_form(
        client, path, {"new": "brand new secret", "confirm": "brand new secret"}, token_from=path
    )
    assert done.status_code == 303
    db.refresh(user)
    assert verify_password(user.password_hash, "brand new secret")
    # The link is spent, and every session of the account has ended.
    assert client.get(path).status_code == 404
    assert other_device.get("/account").status_code == 303
    log_in(client, user.email, "brand new secret")


def test_unknown_address_gets_the_same_page_and_no_mail(client: TestClient, outbox: Path) -> None:
    response = post_form(
        client, "/password-reset", {"email": "ghost@example.com"}, token_from="/password-reset"
    )
    assert response.status_code == 200
    assert "a reset link is on its way" in response.text
    assert read_outbox(outbox) == []


def test_expired_link_is_refused(client: TestClient, db: Session, outbox: Path) -> None:
    user = make_user(db)
    path = reset_link(client, user.email, outbox)
    row = db.scalar(select(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    assert row is not None
    row.expires_at = row.created_at - timedelta(seconds=1)
    db.flush()
    response = client.get(path)
    assert response.status_code == 404
    assert "Ask for a new one" in response.text


def test_weak_new_password_is_refused_and_link_stays_valid(
    client: TestClient, db: Session, outbox: Path
) -> None:
    user = make_user(db)
    path = reset_link(client, user.email, outbox)
    weak = post_form(client, path, {"new": "password1", "confirm": "password1"}, token_from=path)
    assert weak.status_code == 422
    assert "most common" in weak.text
    assert client.get(path).status_code == 200


def test_using_a_link_ends_the_other_links(client: TestClient, db: Session, outbox: Path) -> None:
    user = make_user(db)
    older = reset_link(client, user.email, outbox)
    newer = reset_link(client, user.email, outbox)
    assert client.get(older).status_code == 200  # both work until one is used
    done = post_form(
        client, newer, {"new": "brand new secret", "confirm": "brand new secret"}, token_from=newer
    )
    assert done.status_code == 303
    # The older link, still in the mailbox, cannot set the password again.
    assert client.get(older).status_code == 404
    again = {"new": "another new secret", "confirm": "another new secret"}
    assert post_form(client, older, again, token_from="/password-reset").status_code == 404
    db.refresh(user)
    assert verify_password(user.password_hash, "brand new secret")
