"""Changing a password (signed in) and resetting a forgotten one (by a mailed link)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.accounts import security, throttle
from app.accounts.models import PasswordResetToken, User, WebSession
from app.accounts.service import find_user_by_email, normalise_email
from app.accounts.sessions import end_all_sessions
from app.base_url import absolute_url
from app.config import get_settings
from app.db import utcnow
from app.errors import Invalid, NotFound
from app.notifications import mail

log = logging.getLogger(__name__)

INVITATION_DAYS = 7  # an account made for someone else: time enough to read the mail


def change_password(
    db: Session,
    user: User,
    *,
    current: str,
    new: str,
    confirm: str,
    keep: WebSession | None = None,
) -> None:
    """Change a password after re-checking the current one; other sessions end.

    Whoever knew the old password may be signed in elsewhere: every session of the
    person ends except ``keep`` (the one making the change).
    """
    if not security.verify_password(user.password_hash, current):
        raise Invalid("Your current password is not right.")
    if new != confirm:
        raise Invalid("The two new passwords do not match.")
    security.check_password_rules(new, email=user.email)
    user.password_hash = security.hash_password(new)
    end_all_sessions(db, user.id, keep=keep)
    db.flush()


def request_password_reset(db: Session, email: str) -> None:
    """E-mail a one-time reset link when the account exists; silent otherwise."""
    try:
        address = normalise_email(email)
    except Invalid:
        return
    user = find_user_by_email(db, address)
    if user is None or not user.is_active:
        log.info("password reset asked for unknown address")
        return
    settings = get_settings()
    _mail_password_link(
        db,
        user,
        timedelta(seconds=settings.password_reset_max_age_seconds),
        subject="Reset your APEX password",
        template="emails/password_reset.txt",
        minutes=settings.password_reset_max_age_seconds // 60,
    )


def _new_password_link(db: Session, user: User, valid_for: timedelta) -> str:
    """A one-time link that lets the person choose a password (a reset token)."""
    token = security.new_secret()
    db.add(
        PasswordResetToken(
            token_hash=security.hash_secret(token),
            user_id=user.id,
            expires_at=utcnow() + valid_for,
        )
    )
    db.flush()
    return absolute_url(f"/password-reset/{token}")


def _mail_password_link(
    db: Session, user: User, valid_for: timedelta, *, subject: str, template: str, **context: Any
) -> None:
    """E-mail ``user`` a new one-time link to choose a password; ``template`` gets ``user``,
    ``link`` and ``context``."""
    mail.send_template(
        to=user.email,
        subject=subject,
        template=template,
        context={"user": user, "link": _new_password_link(db, user, valid_for), **context},
        after_commit_of=db,  # the link works only once its token row is committed
    )


def invite_new_account(db: Session, user: User, *, invited_by: User, reason: str) -> None:
    """E-mail a new account's owner a link to choose their password (valid for a week).

    For accounts made on someone's behalf (a walk-in added on the day): choosing the
    password also confirms the address, exactly as a reset does. ``reason`` says why the
    account exists ("You joined “…” on Friday 18 December 2026").
    """
    _mail_password_link(
        db,
        user,
        timedelta(days=INVITATION_DAYS),
        subject="Your APEX account: choose a password",
        template="emails/account_invitation.txt",
        days=INVITATION_DAYS,
        invited_by=invited_by.display_name,
        reason=reason,
    )


def _live_reset_token(db: Session, token: str) -> PasswordResetToken:
    row = db.scalar(
        select(PasswordResetToken).where(
            PasswordResetToken.token_hash == security.hash_secret(token)
        )
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise NotFound(
            "This reset link is not valid any more (it was used, or it expired). Ask for a new one."
        )
    return row


def check_reset_token(db: Session, token: str) -> None:
    """Raise ``NotFound`` unless ``token`` is a live reset link."""
    _live_reset_token(db, token)


def reset_password(db: Session, token: str, *, new: str, confirm: str) -> User:
    """Set a new password from a reset link; every link of the person and every session end.

    The link proves the person reads mail at the address, so it also confirms an
    unconfirmed account and forgets the account's sign-in failures at every address.
    """
    row = _live_reset_token(db, token)
    user = db.get(User, row.user_id)
    if user is None:
        raise NotFound("This reset link is not valid any more. Ask for a new one.")
    if new != confirm:
        raise Invalid("The two passwords do not match.")
    security.check_password_rules(new, email=user.email)
    now = utcnow()
    user.password_hash = security.hash_password(new)
    user.unconfirmed_since = None
    row.used_at = now
    # Any other link still in a mailbox would set the password again behind this one.
    db.execute(
        update(PasswordResetToken)
        .where(
            PasswordResetToken.user_id == user.id,
            PasswordResetToken.id != row.id,
            PasswordResetToken.used_at.is_(None),
            PasswordResetToken.expires_at > now,
        )
        .values(expires_at=now)
    )
    end_all_sessions(db, user.id)
    throttle.forget_account(db, user.email)
    db.flush()
    return user
