"""Every e-mail is text and HTML (multipart/alternative), files beside it; IDs on our domain."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy.orm import Session

from app.config import get_settings
from app.enrollment import notices
from app.notifications import html, mail
from tests.factories import make_user, read_outbox, text_body
from tests.scheduling.calendars.helpers import enrol, parse
from tests.scheduling.factories import make_session, make_venue

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def _reparsed(message: EmailMessage) -> EmailMessage:
    """The message as a mail client receives it: bytes on the wire, parsed again."""
    parsed = message_from_bytes(bytes(message), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _shape(part: EmailMessage) -> object:
    if part.is_multipart():
        return (part.get_content_type(), [_shape(sub) for sub in part.iter_parts()])  # type: ignore[arg-type]
    return part.get_content_type()


def test_a_message_without_files_is_text_then_html() -> None:
    message = _reparsed(mail.build_message(to="a@example.com", subject="Hi", body="Hello Ann,"))
    assert _shape(message) == ("multipart/alternative", ["text/plain", "text/html"])
    assert message.get_body(("plain",)).get_content() == "Hello Ann,\n"
    page = message.get_body(("html",)).get_content()
    assert page.startswith("<!doctype html>") and '<html lang="en">' in page
    assert "<title>Hi</title>" in page and "Hello Ann," in page


def test_files_sit_beside_the_alternative_and_invitations_keep_their_method() -> None:
    built = mail.build_message(
        to="a@example.com",
        subject="Confirmed",
        body="Your place is confirmed.",
        attachments=[
            ("invite.ics", "text/calendar; charset=utf-8; method=REQUEST", ICS),
            ("cancel-previous.ics", "text/calendar; charset=utf-8; method=CANCEL", ICS),
            ("invoice.pdf", "application/pdf", b"%PDF-1.7 fake"),
        ],
    )
    message = _reparsed(built)
    assert _shape(message) == (
        "multipart/mixed",
        [
            ("multipart/alternative", ["text/plain", "text/html"]),
            "text/calendar",
            "text/calendar",
            "application/pdf",
        ],
    )
    files = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(files) == {"invite.ics", "cancel-previous.ics", "invoice.pdf"}
    assert files["invite.ics"].get_param("method") == "REQUEST"
    assert files["cancel-previous.ics"].get_param("method") == "CANCEL"
    assert files["invite.ics"].get_content_charset() == "utf-8"
    assert files["invite.ics"].get_content_disposition() == "attachment"
    assert files["invite.ics"].get_payload(decode=True) == ICS
    assert files["invoice.pdf"].get_payload(decode=True) == b"%PDF-1.7 fake"
    # The body a client shows is still the text and the HTML, not a file.
    assert message.get_body(("html",)).get_content_type() == "text/html"


def test_message_ids_are_on_the_mail_domain(monkeypatch: pytest.MonkeyPatch) -> None:
    message = mail.build_message(to="a@example.com", subject="Hi", body="x")
    assert str(message["Message-ID"]).endswith("@apex.example.com>")
    monkeypatch.setattr(get_settings(), "mail_domain", "courses.example.org")
    message = mail.build_message(to="a@example.com", subject="Hi", body="x")
    assert str(message["Message-ID"]).endswith("@courses.example.org>")
    assert "apex.local" not in str(message["Message-ID"])


def test_a_real_notice_arrives_as_text_html_and_its_invitation(db: Session, outbox: Path) -> None:
    learner = make_user(db, name="Ann <script>alert(1)</script> & Co", email="ann@example.com")
    room = make_venue(db, name="Harbour Room", address="12 Quay Street, Boston")
    session = make_session(db, tz="America/New_York", venue=room)
    notices.enrollment_confirmed(db, enrol(db, session, learner))
    db.commit()

    (raw,) = read_outbox(outbox)
    message = message_from_bytes(raw.as_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert _shape(message) == (
        "multipart/mixed",
        [("multipart/alternative", ["text/plain", "text/html"]), "text/calendar"],
    )
    assert "Hello Ann <script>" in text_body(raw)  # the text part is the text, unescaped
    page = message.get_body(("html",)).get_content()
    assert "<script>" not in page and "Ann &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page
    assert f'href="http://testserver/sessions/{session.id}"' in page
    assert ">Session details</a>" in page  # the main link, as a button
    assert 'href="http://testserver/bookings"' in page and ">Your bookings</a>" in page
    assert "Harbour Room, 12 Quay Street, Boston" in page
    (invite,) = message.iter_attachments()
    assert invite.get_filename() == "invite.ics" and invite.get_param("method") == "REQUEST"
    assert str(parse(invite.get_payload(decode=True))["METHOD"]) == "REQUEST"


def test_a_notice_with_its_own_html_template_uses_it(
    monkeypatch: pytest.MonkeyPatch, outbox: Path
) -> None:
    own = DictLoader(
        {
            "emails/special.txt": "Hello {{ name }}.\n",
            "emails/special.html": (
                '{% extends "emails/layout.html" %}'
                "{% block content %}<p>Hello <strong>{{ name }}</strong>.</p>{% endblock %}"
            ),
        }
    )
    monkeypatch.setattr(mail._text_env, "loader", ChoiceLoader([own, mail._text_env.loader]))
    monkeypatch.setattr(mail._html_env, "loader", ChoiceLoader([own, mail._html_env.loader]))
    mail.send_template(
        to="a@example.com",
        subject="Special",
        template="emails/special.txt",
        context={"name": "<Bo>"},
    )
    (raw,) = read_outbox(outbox)
    message = message_from_bytes(raw.as_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert message.get_body(("plain",)).get_content() == "Hello <Bo>.\n"
    page = message.get_body(("html",)).get_content()
    assert "<p>Hello <strong>&lt;Bo&gt;</strong>.</p>" in page and "<title>Special</title>" in page


def test_text_becomes_safe_html_by_the_documented_rules() -> None:
    text = (
        "Hello <Ann> & friends,\n"
        "\n"
        "This sentence was wrapped by hand\n"
        "and joins its first half.\n"
        "Where: Room 1\n"
        "\n"
        "  Building Trust (one day)\n"
        "  Friday 18 December 2026, 09:00–17:00 EST\n"
        "\n"
        "https://apex.example.com/password-reset/abc?x=1&y=2\n"
        "\n"
        "Read https://apex.example.com/terms. Or javascript:alert(1) or <b>bold</b>.\n"
        "Your bookings: https://apex.example.com/bookings\n"
        "\n"
        "APEX\n"
    )
    out = str(html.text_to_html(text))
    assert "<p " in out and out.count("<p ") == 6
    assert "Hello &lt;Ann&gt; &amp; friends," in out
    assert "wrapped by hand and joins its first half.<br>Where: Room 1" in out
    assert "Building Trust (one day)<br>Friday 18 December 2026" in out  # the framed block
    assert "border-left:4px solid #0b4f8a" in out
    button = 'href="https://apex.example.com/password-reset/abc?x=1&amp;y=2"'
    assert out.count(button) == 1 and "background:#0b4f8a;color:#ffffff" in out
    assert '<a href="https://apex.example.com/terms" ' in out and "/terms</a>." in out
    assert "javascript:" in out and 'href="javascript' not in out
    assert "&lt;b&gt;bold&lt;/b&gt;" in out and "<b>" not in out
    assert ">Your bookings</a>" in out  # a later labelled link: a link, not a second button
    assert out.count("background:#0b4f8a;") == 1
