"""Mail goes over real SMTP when configured, else to .eml files in the outbox."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from sqlalchemy.orm import Session

from app.config import get_settings
from app.notifications import mail
from tests.factories import read_outbox
from tests.network import free_port


class CollectingHandler(MessageHandler):
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list = []

    def handle_message(self, message) -> None:
        self.received.append(message)


def test_mail_is_delivered_to_a_real_smtp_server(monkeypatch: pytest.MonkeyPatch) -> None:
    handler = CollectingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setattr(get_settings(), "smtp_host", "127.0.0.1")
        monkeypatch.setattr(get_settings(), "smtp_port", port)
        result = mail.send_template(
            to="dmitry@example.com",
            subject="Привет from APEX",
            template="emails/password_reset.txt",
            context={
                "user": type("U", (), {"display_name": "Дмитрий"})(),
                "link": "http://x/y",
                "minutes": 60,
            },
            attachments=[("invite.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")],
        )
    finally:
        controller.stop()
    assert result is None
    assert len(handler.received) == 1
    received = handler.received[0]
    assert received["To"] == "dmitry@example.com"
    assert "Привет" in str(received["Subject"]) or "=?utf-8?" in received["Subject"].lower()
    parts = list(received.walk())
    assert any(part.get_filename() == "invite.ics" for part in parts)
    text = next(p for p in parts if p.get_content_type() == "text/plain" and not p.get_filename())
    assert "Дмитрий" in text.get_payload(decode=True).decode()


def test_without_smtp_host_mail_lands_in_the_outbox(outbox: Path) -> None:
    path = mail.send(mail.build_message(to="a@example.com", subject="Hello", body="Body text"))
    assert path is not None and path.parent == outbox and path.suffix == ".eml"
    assert b"Subject: Hello" in path.read_bytes()


def _notice(to: str) -> object:
    return mail.build_message(to=to, subject=f"Notice for {to}", body="Your seat is confirmed.")


def _recipients(outbox: Path) -> list[str]:
    return sorted(message["To"] for message in read_outbox(outbox))


def test_a_notice_goes_out_when_its_transaction_commits(db: Session, outbox: Path) -> None:
    mail.send_after_commit(db, _notice("ann@example.com"))
    db.flush()
    assert _recipients(outbox) == []  # nothing before the change is committed
    db.commit()
    assert _recipients(outbox) == ["ann@example.com"]
    db.commit()
    assert _recipients(outbox) == ["ann@example.com"]  # sent once, not on every commit


def test_a_notice_is_dropped_when_its_transaction_rolls_back(db: Session, outbox: Path) -> None:
    mail.send_after_commit(db, _notice("ann@example.com"))
    db.rollback()
    db.commit()
    assert _recipients(outbox) == []


def test_a_savepoint_keeps_its_notices_until_the_transaction_commits(
    db: Session, outbox: Path
) -> None:
    mail.send_after_commit(db, _notice("kept@example.com"))
    with db.begin_nested():
        mail.send_after_commit(db, _notice("released@example.com"))
    assert _recipients(outbox) == []  # releasing a savepoint commits nothing yet
    with pytest.raises(RuntimeError), db.begin_nested():
        mail.send_after_commit(db, _notice("rolled-back@example.com"))
        raise RuntimeError("the savepoint's change is undone")
    db.commit()
    assert _recipients(outbox) == ["kept@example.com", "released@example.com"]


def test_a_mail_server_down_after_commit_is_logged_not_raised(
    db: Session, outbox: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refused(message: object) -> None:
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(mail, "send", refused)
    mail.send_after_commit(db, _notice("ann@example.com"))
    with caplog.at_level(logging.ERROR, logger="app.notifications.mail"):
        db.commit()
    assert "could not send" in caplog.text and "ann@example.com" in caplog.text
