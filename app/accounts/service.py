"""Account use cases: sign up, sign in, profile, password reset, roles, API tokens."""

from __future__ import annotations

import logging
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts import throttle
from app.accounts.models import ApiToken, PasswordResetToken, Role, User, UserRole
from app.accounts.security import (
    burn_password_check,
    check_password_rules,
    hash_password,
    hash_secret,
    new_secret,
    verify_password,
)
from app.accounts.sessions import end_all_sessions
from app.config import get_settings
from app.db import utcnow
from app.errors import Conflict, Invalid, LoginRequired, NotFound
from app.notifications import mail

log = logging.getLogger(__name__)

API_TOKEN_PREFIX = "apex_"
MAX_NAME_LENGTH = 200


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
    """Create an account after checking the e-mail, the name and the password rules."""
    address = normalise_email(email)
    name = clean_display_name(display_name)
    check_password_rules(password, email=address)
    if find_user_by_email(db, address) is not None:
        raise Conflict("An account with that e-mail address already exists. Sign in instead.")
    user = User(email=address, display_name=name, password_hash=hash_password(password))
    user.role_rows = [UserRole(role=role.value) for role in sorted(roles or {Role.LEARNER})]
    db.add(user)
    db.flush()
    return user


def sign_up(db: Session, *, email: str, display_name: str, password: str, confirm: str) -> User:
    """Self-service sign-up: a learner account."""
    if password != confirm:
        raise Invalid("The two passwords do not match.")
    return create_user(db, email=email, display_name=display_name, password=password)


def authenticate(db: Session, *, email: str, password: str, address: str | None) -> User:
    """Check a sign-in attempt under the throttle; raises on failure."""
    keys = throttle.throttle_keys(email, address)
    throttle.check_allowed(db, keys)
    user = find_user_by_email(db, email)
    if user is None:
        burn_password_check(password)
        ok = False
    else:
        ok = user.is_active and verify_password(user.password_hash, password)
    if not ok:
        delay = throttle.record_failure(db, keys)
        throttle.slow_down(delay)
        raise LoginRequired("That e-mail address and password do not match an account.")
    assert user is not None
    throttle.clear_failures(db, email)
    return user


def update_profile(db: Session, user: User, *, display_name: str) -> None:
    """Change a person's display name."""
    user.display_name = clean_display_name(display_name)
    db.flush()


def change_password(db: Session, user: User, *, current: str, new: str, confirm: str) -> None:
    """Change a password after re-checking the current one."""
    if not verify_password(user.password_hash, current):
        raise Invalid("Your current password is not right.")
    if new != confirm:
        raise Invalid("The two new passwords do not match.")
    check_password_rules(new, email=user.email)
    user.password_hash = hash_password(new)
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
    link = f"{settings.base_url.rstrip('/')}/password-reset/{token}"
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
    """Set a new password from a reset link; the link is spent and all sessions end."""
    row = _live_reset_token(db, token)
    user = db.get(User, row.user_id)
    if user is None:
        raise NotFound("This reset link is not valid any more. Ask for a new one.")
    if new != confirm:
        raise Invalid("The two passwords do not match.")
    check_password_rules(new, email=user.email)
    user.password_hash = hash_password(new)
    row.used_at = utcnow()
    end_all_sessions(db, user.id)
    throttle.clear_failures(db, user.email)
    db.flush()
    return user


def list_users(db: Session, *, search: str = "") -> list[User]:
    """Users for the admin list, optionally filtered by e-mail or name."""
    query = select(User).order_by(User.email)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(
            func.lower(User.email).like(pattern) | func.lower(User.display_name).like(pattern)
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
