"""Account use cases: sign up, sign in, profile, password reset, roles, API tokens."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts import devices, throttle
from app.accounts.models import ApiToken, PasswordResetToken, Role, User, UserRole, WebSession
from app.accounts.security import (
    burn_password_check,
    check_password_rules,
    hash_password,
    hash_secret,
    new_secret,
    sign,
    signature_matches,
    verify_password,
)
from app.accounts.sessions import end_all_sessions
from app.base_url import absolute_url
from app.config import get_settings
from app.db import utcnow
from app.errors import Conflict, Invalid, LoginRequired, NotFound
from app.notifications import mail

log = logging.getLogger(__name__)

API_TOKEN_PREFIX = "apex_"
MAX_NAME_LENGTH = 200
SIGNUP_LINK_HOURS = 24
_SIGNUP_LINK_PURPOSE = "confirm-signup"
WRONG_CREDENTIALS = "That e-mail address and password do not match an account."


class WrongCredentials(LoginRequired):
    """A failed sign-in; ``delay`` is how late (seconds) the throttle wants it answered."""

    def __init__(self, *, delay: float) -> None:
        super().__init__(WRONG_CREDENTIALS)
        self.delay = delay


def normalise_email(email: str) -> str:
    """Validate an e-mail address's syntax and return it lower-cased."""
    try:
        info = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise Invalid(f"That e-mail address is not valid: {exc}") from exc
    return info.normalized.lower()


def clean_display_name(name: str) -> str:
    """Trim a display name and check it is present and not too long."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise Invalid("Enter your name as you want it on certificates.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise Invalid(f"Names are limited to {MAX_NAME_LENGTH} characters.")
    return cleaned


def find_user_by_email(db: Session, email: str) -> User | None:
    """The user with this e-mail address (case-insensitive), if any."""
    return db.scalar(select(User).where(User.email == email.strip().lower()))


def create_user(
    db: Session,
    *,
    email: str,
    display_name: str,
    password: str,
    roles: set[Role] | None = None,
) -> User:
    """Create a confirmed account (staff, the CLI, the demo) after checking its details."""
    address = normalise_email(email)
    name = clean_display_name(display_name)
    check_password_rules(password, email=address)
    if find_user_by_email(db, address) is not None:
        raise Conflict("An account with that e-mail address already exists. Sign in instead.")
    return _add_user(db, address, name, hash_password(password), roles)


def _add_user(
    db: Session,
    address: str,
    name: str,
    password_hash: str,
    roles: set[Role] | None,
    *,
    unconfirmed_since: datetime | None = None,
) -> User:
    user = User(
        email=address,
        display_name=name,
        password_hash=password_hash,
        unconfirmed_since=unconfirmed_since,
    )
    user.role_rows = [UserRole(role=role.value) for role in sorted(roles or {Role.LEARNER})]
    db.add(user)
    db.flush()
    return user


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
                user = _add_user(db, address, name, password_hash, None, unconfirmed_since=utcnow())
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


def authenticate(
    db: Session,
    *,
    email: str,
    password: str,
    address: str | None,
    device_cookie: str | None = None,
) -> User:
    """Check a sign-in attempt under the throttle; raises ``WrongCredentials`` or 429."""
    user = find_user_by_email(db, email)
    device = devices.known_device(device_cookie, user)
    attempt = throttle.start_attempt(db, throttle.limits_for(email, address, device=device))
    if user is None:
        burn_password_check(password)
        ok = False
    else:
        # The hash is checked first, so an unusable account takes as long as a wrong password.
        ok = verify_password(user.password_hash, password)
        ok = ok and user.is_active and user.unconfirmed_since is None
    if not ok:
        raise WrongCredentials(delay=attempt.delay)
    assert user is not None
    throttle.attempt_succeeded(db, attempt)
    return user


def update_profile(db: Session, user: User, *, display_name: str) -> None:
    """Change a person's display name."""
    user.display_name = clean_display_name(display_name)
    db.flush()


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
    if not verify_password(user.password_hash, current):
        raise Invalid("Your current password is not right.")
    if new != confirm:
        raise Invalid("The two new passwords do not match.")
    check_password_rules(new, email=user.email)
    user.password_hash = hash_password(new)
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
    token = new_secret()
    db.add(
        PasswordResetToken(
            token_hash=hash_secret(token),
            user_id=user.id,
            expires_at=utcnow() + timedelta(seconds=settings.password_reset_max_age_seconds),
        )
    )
    db.flush()
    link = absolute_url(f"/password-reset/{token}")
    mail.send_template(
        to=user.email,
        subject="Reset your APEX password",
        template="emails/password_reset.txt",
        context={
            "user": user,
            "link": link,
            "minutes": settings.password_reset_max_age_seconds // 60,
        },
        after_commit_of=db,  # the link works only once its token row is committed
    )


def _live_reset_token(db: Session, token: str) -> PasswordResetToken:
    row = db.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == hash_secret(token))
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
    check_password_rules(new, email=user.email)
    now = utcnow()
    user.password_hash = hash_password(new)
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


def list_users(db: Session, *, search: str = "") -> list[User]:
    """Users for the admin list, optionally filtered by e-mail or name."""
    query = select(User).order_by(User.email)
    if search:
        # autoescape: "%" and "_" in what the admin typed are characters, not wildcards.
        term = search.strip().lower()
        query = query.where(
            func.lower(User.email).contains(term, autoescape=True)
            | func.lower(User.display_name).contains(term, autoescape=True)
        )
    return list(db.scalars(query))


def get_user(db: Session, user_id: int) -> User:
    """A user by id, or ``NotFound``."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("There is no such user.")
    return user


def set_roles(db: Session, user: User, roles: set[Role], *, acting: User) -> None:
    """Replace a person's roles; admins cannot remove their own admin role."""
    if user.id == acting.id and Role.ADMIN not in roles:
        raise Invalid("You cannot remove your own admin role; ask another admin.")
    if not roles:
        raise Invalid("A person needs at least one role.")
    wanted = {role.value for role in roles}
    user.role_rows = [row for row in user.role_rows if row.role in wanted]
    have = {row.role for row in user.role_rows}
    user.role_rows.extend(UserRole(role=value) for value in sorted(wanted - have))
    db.flush()


def parse_roles(values: list[str]) -> set[Role]:
    """Turn submitted role names into roles; unknown names are an error."""
    try:
        return {Role(value) for value in values}
    except ValueError as exc:
        allowed = ", ".join(role.value for role in Role)
        raise Invalid(f"Unknown role; the roles are: {allowed}.") from exc


def issue_api_token(db: Session, user: User, *, name: str = "default") -> str:
    """Create a personal API token and return it; only its hash is kept."""
    label = " ".join(name.split())[:100] or "default"
    secret = new_secret(API_TOKEN_PREFIX)
    db.add(
        ApiToken(
            user_id=user.id,
            name=label,
            token_hash=hash_secret(secret),
            prefix=secret[: len(API_TOKEN_PREFIX) + 6],
        )
    )
    db.flush()
    return secret


def user_for_api_token(db: Session, secret: str) -> User | None:
    """The active user owning a live API token, recording its use."""
    token = db.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None:
        return None
    user = db.get(User, token.user_id)
    if user is None or not user.is_active:
        return None
    token.last_used_at = utcnow()
    return user


def list_api_tokens(db: Session, user: User) -> list[ApiToken]:
    """A person's API tokens, newest first."""
    query = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    return list(db.scalars(query))


def revoke_api_token(db: Session, user: User, token_id: int) -> None:
    """Revoke one of the person's own tokens (someone else's is simply not found)."""
    token = db.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("There is no such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.flush()
