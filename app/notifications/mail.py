"""The one place mail is sent from.

With ``APEX_SMTP_HOST`` set, messages go over SMTP; without it they are written as
``.eml`` files under ``var/outbox/`` and logged, so development needs no mail server.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.config import PROJECT_ROOT, get_settings

log = logging.getLogger(__name__)

_text_env = Environment(
    loader=FileSystemLoader(PROJECT_ROOT / "templates"),
    autoescape=False,  # plain-text e-mail bodies: nothing is interpreted as HTML
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


def build_message(
    *,
    to: str,
    subject: str,
    body: str,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> EmailMessage:
    """An e-mail with a plain-text body and optional (filename, mime type, bytes) files."""
    settings = get_settings()
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="apex.local")
    message.set_content(body)
    for filename, mime_type, data in attachments or []:
        maintype, _, subtype = mime_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


def send(message: EmailMessage) -> Path | None:
    """Deliver over SMTP, or write to the outbox; returns the .eml path in outbox mode."""
    settings = get_settings()
    if settings.smtp_host:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password)
            smtp.send_message(message)
        log.info("mail sent to %s: %s", message["To"], message["Subject"])
        return None
    outbox = settings.outbox_dir
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{uuid.uuid4().hex}.eml"
    path.write_bytes(bytes(message))
    log.info(
        "mail to %s written to %s (no SMTP host set): %s", message["To"], path, message["Subject"]
    )
    return path


def send_template(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> Path | None:
    """Render a plain-text template from ``templates/emails/`` and send it."""
    body = _text_env.get_template(template).render(**context)
    return send(build_message(to=to, subject=subject, body=body, attachments=attachments))
