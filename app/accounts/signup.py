"""Self-service sign-up: the account, its confirmation link, and confirming it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.security import (
    check_password_rules,
    hash_password,
    sign,
    signature_matches,
    verify_password,
)
from app.accounts.service import add_user, clean_display_name, find_user_by_email, normalise_email
from app.base_url import absolute_url
from app.db import utcnow
from app.errors import Invalid, NotFound
from app.notifications import mail

SIGNUP_LINK_HOURS = 24
_SIGNUP_LINK_PURPOSE = "confirm-signup"


def sign_up(db: Session, *, email: str, display_name: str, password: str, confirm: str) -> str:
    """Self-service sign-up; returns the address the answer went to.

    The answer is the same whether or not the address has an account, so sign-up cannot
    be used to find out who has one: a new address gets an unconfirmed learner account
    and a link to confirm it; an address with an account gets a notice to its owner
    instead. Either way one password hash is computed, so the time taken is alike too.
    """
    if password != confirm:
        raise Invalid("The two passwords do not match.")
    address = normalise_email(email)
    name = clean_display_name(display_name)
    check_password_rules(password, email=address)
    password_hash = hash_password(password)
    owner = find_user_by_email(db, address)
    if owner is None:
        try:
            with db.begin_nested():
                user = add_user(db, address, name, password_hash, None, unconfirmed_since=utcnow())
        except IntegrityError:  # the same address signed up at the same moment
            owner = find_user_by_email(db, address)
        else:
            _mail_signup_link(db, user)
            return address
    if owner is not None:
        _mail_signup_notice(db, owner)
    return address


def _signup_message(user_id: int, email: str, expires: int) -> str:
    return f"{user_id}.{email}.{expires}"


def _mail_signup_link(db: Session, user: User) -> None:
    expires = int((utcnow() + timedelta(hours=SIGNUP_LINK_HOURS)).timestamp())
    signature = sign(_SIGNUP_LINK_PURPOSE, _signup_message(user.id, user.email, expires))
    link = absolute_url(f"/signup/confirm/{user.id}.{expires}.{signature}")
    mail.send_template(
        to=user.email,
        subject="Confirm your APEX account",
        template="emails/signup_confirm.txt",
        context={"user": user, "link": link, "hours": SIGNUP_LINK_HOURS},
        after_commit_of=db,  # the link names an account that exists once this commits
    )


def _mail_signup_notice(db: Session, owner: User) -> None:
    mail.send_template(
        to=owner.email,
        subject="Someone tried to sign up to APEX with your address",
        template="emails/signup_existing.txt",
        context={
            "user": owner,
            "login_link": absolute_url("/login"),
            "reset_link": absolute_url("/password-reset"),
        },
        after_commit_of=db,
    )


def _signup_link_user(db: Session, token: str) -> User:
    gone = NotFound(
        "This sign-up link is not valid any more (it was used, or it expired). "
        "Sign up again or reset your password."
    )
    user_id, _, rest = token.partition(".")
    expires, _, signature = rest.partition(".")
    if not (user_id.isdigit() and expires.isdigit() and signature):
        raise gone
    user = db.get(User, int(user_id))
    if user is None or user.unconfirmed_since is None or int(expires) <= utcnow().timestamp():
        raise gone
    message = _signup_message(user.id, user.email, int(expires))
    if not signature_matches(_SIGNUP_LINK_PURPOSE, message, signature):
        raise gone
    return user


def check_signup_link(db: Session, token: str) -> None:
    """Raise ``NotFound`` unless ``token`` confirms an account that is still unconfirmed."""
    _signup_link_user(db, token)


def confirm_signup(db: Session, token: str, *, password: str) -> User:
    """Confirm a new account from its link and the password chosen (once: the link is spent).

    The password is asked again because the link alone is not enough: someone may sign
    up with another person's address, and that person, opening the link, would confirm
    an account whose password a stranger knows.
    """
    user = _signup_link_user(db, token)
    if not verify_password(user.password_hash, password):
        raise Invalid(
            "That is not the password chosen when signing up. Try again, or reset your "
            "password to choose a new one."
        )
    user.unconfirmed_since = None
    db.flush()
    return user
