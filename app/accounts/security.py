"""Password hashing (argon2id), password rules, and hashing of bearer secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.config import get_settings, resolve_secret_key
from app.errors import Invalid

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
_COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

# argon2-cffi's PasswordHasher defaults to argon2id with RFC 9106's low-memory profile.
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; never raises on a bad hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A fixed hash to verify against when the e-mail is unknown, so that a wrong e-mail
# takes as long as a wrong password and timing does not reveal who has an account.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def burn_password_check(password: str) -> None:
    """Spend the time of a real password check (for unknown accounts)."""
    verify_password(_DUMMY_HASH, password)


@lru_cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased."""
    lines = _COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def check_password_rules(password: str, *, email: str = "") -> None:
    """Raise ``Invalid`` with a clear reason when ``password`` is not acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid(f"Choose a password of at most {MAX_PASSWORD_LENGTH} characters.")
    lowered = password.lower()
    if lowered in common_passwords():
        raise Invalid("That password is one of the most common ones; choose another.")
    if email and lowered == email.lower():
        raise Invalid("Your password must not be your e-mail address.")


def new_secret(prefix: str = "") -> str:
    """A new random bearer secret (256 bits), optionally with a readable prefix."""
    return prefix + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """Keyed hash of a bearer secret, so a database leak does not leak usable tokens."""
    return hmac.new(_hmac_key(), secret.encode(), hashlib.sha256).hexdigest()


def sign(purpose: str, message: str) -> str:
    """An HMAC of ``message`` under a key of its own for ``purpose`` (URL-safe, 43 chars).

    A separate key per purpose means a signature made for one use (a download link, say)
    can never be replayed as another.
    """
    digest = hmac.new(_purpose_key(purpose), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def signature_matches(purpose: str, message: str, signature: str) -> bool:
    """Constant-time check of a signature made by :func:`sign`."""
    return same_secret(sign(purpose, message), signature)


def same_secret(expected: str, given: str) -> bool:
    """Constant-time equality of two secrets; ``given`` may be any text a client sent.

    Compared as UTF-8 bytes: ``hmac.compare_digest`` raises on non-ASCII ``str``, and a
    cookie, form field or link can carry any character.
    """
    return hmac.compare_digest(expected.encode(), given.encode())


@lru_cache
def _purpose_key(purpose: str) -> bytes:
    return hmac.new(_hmac_key(), purpose.encode(), hashlib.sha256).digest()


@lru_cache
def _hmac_key() -> bytes:
    return resolve_secret_key(get_settings()).encode()
