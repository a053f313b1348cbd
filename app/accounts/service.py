"""Account use cases: creating accounts, sign in, profile, roles, API tokens.

Signing up lives in ``accounts.signup``; changing and resetting passwords in
``accounts.passwords``.
"""

from __future__ import annotations

import logging
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts import devices, throttle
from app.accounts.models import ApiToken, Role, User, UserRole
from app.accounts.security import (
    burn_password_check,
    check_password_rules,
    hash_password,
    hash_secret,
    new_secret,
    verify_password,
)
from app.bounds import folded_text
from app.db import utcnow
from app.errors import Conflict, Invalid, LoginRequired, NotFound

log = logging.getLogger(__name__)

API_TOKEN_PREFIX = "apex_"
MAX_NAME_LENGTH = 200
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
    return folded_text(
        name,
        most=MAX_NAME_LENGTH,
        missing="Enter your name as you want it on certificates.",
        too_long=f"Names are limited to {MAX_NAME_LENGTH} characters.",
    )


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
    return add_user(db, address, name, hash_password(password), roles)


def add_user(
    db: Session,
    address: str,
    name: str,
    password_hash: str,
    roles: set[Role] | None,
    *,
    unconfirmed_since: datetime | None = None,
) -> User:
    """Add an account whose details are already checked (``create_user``, sign-up)."""
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


def add_invited_user(db: Session, *, email: str, display_name: str) -> User:
    """An account made on someone's behalf: a learner with no usable password yet.

    Its owner chooses a password from the invitation link (``passwords.invite_new_account``),
    which also confirms the address; until then nobody can sign in to it.
    """
    address = normalise_email(email)
    name = clean_display_name(display_name)
    if find_user_by_email(db, address) is not None:
        raise Conflict("An account with that e-mail address already exists.")
    unguessable = hash_password(new_secret())
    return add_user(db, address, name, unguessable, None, unconfirmed_since=utcnow())


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
