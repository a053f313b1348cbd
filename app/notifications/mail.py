"""The one place mail is sent from.

Every message has a text part and an HTML part in the site's look (``html``: the text
made safe), and a Message-ID on ``APEX_MAIL_DOMAIN``. With ``APEX_SMTP_HOST`` set,
messages go over SMTP; without it they are written as ``.eml`` files under
``var/outbox/`` and logged, so development needs no mail server.

A notice about a change in the database ("your seat is confirmed", a receipt) is given
the session that makes the change: it goes out only once that session commits, and is
dropped if it rolls back, so nobody is told about a change that did not happen.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.config import PROJECT_ROOT, get_settings
from app.formatting import register_filters
from app.notifications import html as mail_html

log = logging.getLogger(__name__)

_text_env = Environment(
    loader=FileSystemLoader(PROJECT_ROOT / "templates"),
    autoescape=False,  # plain-text e-mail bodies: nothing is interpreted as HTML
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)
# The HTML alternative: everything escaped unless marked safe.
_html_env = Environment(
    loader=FileSystemLoader(PROJECT_ROOT / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
)
# The same date, time and money filters as pages and PDFs.
register_filters(_text_env)
register_filters(_html_env)

LAYOUT = "emails/layout.html"
_LAYOUT_STYLES = {
    "font": mail_html.FONT,
    "ink": mail_html.INK,
    "muted": mail_html.MUTED,
    "wash": mail_html.WASH,
    "line": mail_html.LINE,
}


def html_body(subject: str, text: str) -> str:
    """The HTML part for a plain-text body: the text made safe, in the e-mail layout."""
    return _html_env.get_template(LAYOUT).render(
        subject=subject, content=mail_html.text_to_html(text), styles=_LAYOUT_STYLES
    )


def _html_template(template: str, subject: str, context: dict[str, Any]) -> str | None:
    """``emails/<name>.html`` rendered, when a notice has its own HTML; else None."""
    name = template.removesuffix(".txt") + ".html"
    if name == template:
        return None
    try:
        chosen = _html_env.get_template(name)
    except TemplateNotFound:
        return None
    return chosen.render(**context, subject=subject, styles=_LAYOUT_STYLES)


def _content_type(mime_type: str) -> tuple[str, str, dict[str, str]]:
    """'text/calendar; charset=utf-8; method=REQUEST' as (text, calendar, parameters)."""
    kind, *parameters = (part.strip() for part in mime_type.split(";"))
    maintype, _, subtype = kind.partition("/")
    params = {}
    for parameter in parameters:
        key, _, value = parameter.partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    return maintype.lower(), subtype.lower(), params


def build_message(
    *,
    to: str,
    subject: str,
    body: str,
    html: str | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> EmailMessage:
    """An e-mail in text and HTML, with optional (filename, mime type, bytes) files.

    The structure is multipart/alternative (text, then HTML: clients show the last part
    they can), inside multipart/mixed when there are attachments. ``html`` defaults to
    the text made safe in the e-mail layout (:func:`html_body`). A mime type may carry
    parameters, as a calendar invitation's ``method=REQUEST`` must.
    """
    settings = get_settings()
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.mail_domain)
    message.set_content(body)
    message.add_alternative(html if html is not None else html_body(subject, body), subtype="html")
    for filename, mime_type, data in attachments or []:
        maintype, subtype, params = _content_type(mime_type)
        # add_attachment turns the alternative into multipart/mixed around it.
        message.add_attachment(
            data, maintype=maintype, subtype=subtype, filename=filename, params=params
        )
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
    after_commit_of: Session | None = None,
) -> Path | None:
    """Render a plain-text template from ``templates/emails/`` and send it, with HTML.

    The HTML part is ``emails/<name>.html`` when that exists (it may extend
    ``emails/layout.html``), otherwise the text made safe in the layout.

    With ``after_commit_of``, the message is built now (a template error shows at once)
    and sent when that session commits (see :func:`send_after_commit`); returns None.
    """
    body = _text_env.get_template(template).render(**context)
    message = build_message(
        to=to,
        subject=subject,
        body=body,
        html=_html_template(template, subject, context),
        attachments=attachments,
    )
    if after_commit_of is not None:
        send_after_commit(after_commit_of, message)
        return None
    return send(message)


# --- sending when the transaction commits --------------------------------------------

_PENDING = "apex_mail_after_commit"


def send_after_commit(db: Session, message: EmailMessage) -> None:
    """Send ``message`` when ``db`` commits its transaction; never if it rolls back.

    A message queued inside a savepoint that is rolled back is dropped with it.
    """
    if not db.in_transaction():
        # A session with no transaction yet fires no rollback event: begin one, so that
        # this message is tied to whatever transaction the caller commits or rolls back.
        db.begin()
    pending: list[tuple[SessionTransaction | None, EmailMessage]] = db.info.setdefault(_PENDING, [])
    pending.append((db.get_nested_transaction(), message))


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released; the transaction itself goes on
    for _, message in session.info.pop(_PENDING, []):
        try:
            send(message)
        except Exception:
            # The change is committed; a mail server that is down must not turn that
            # into an error page. Logged with the recipient for a person to follow up.
            log.exception("could not send %r to %s", message["Subject"], message["To"])


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)  # the whole transaction is gone
        return
    session.info[_PENDING] = [
        (txn, message) for txn, message in pending if not _within(txn, previous_transaction)
    ]


def _within(txn: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while txn is not None:
        if txn is ancestor:
            return True
        txn = txn.parent
    return False
