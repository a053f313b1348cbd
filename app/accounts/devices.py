"""Known-device cookies: this browser signed in to this account before.

The cookie holds ``<user id>.<issued, unix seconds>.<signature>``, signed with a key of
its own over those two values and the account's current password hash. It cannot be
made up, it names one account, it stops counting after ``KNOWN_FOR``, and any change of
the password retires every such cookie of the account. The sign-in throttle counts a
known device's attempts against the cookie rather than the address (``accounts.throttle``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import Request

from app.accounts.models import User
from app.accounts.security import sign, signature_matches
from app.accounts.sessions import set_cookie
from app.config import get_settings
from app.db import utcnow

KNOWN_FOR = timedelta(days=90)
_PURPOSE = "known-device"


def cookie_name() -> str:
    """The known-device cookie's name (next to the session cookie's)."""
    return f"{get_settings().session_cookie_name}_device"


def _message(user_id: int, issued: int, password_hash: str) -> str:
    return f"{user_id}.{issued}.{password_hash}"


def device_cookie(user: User, *, now: datetime | None = None) -> str:
    """A new known-device cookie value for ``user``."""
    issued = int((now or utcnow()).timestamp())
    signature = sign(_PURPOSE, _message(user.id, issued, user.password_hash))
    return f"{user.id}.{issued}.{signature}"


def known_device(
    value: str | None, user: User | None, *, now: datetime | None = None
) -> str | None:
    """An id for this browser when ``value`` is a live known-device cookie of ``user``."""
    if not value or user is None:
        return None
    user_id, _, rest = value.partition(".")
    issued, _, signature = rest.partition(".")
    if user_id != str(user.id) or not issued.isdigit() or not signature:
        return None
    age = (now or utcnow()).timestamp() - int(issued)
    if not 0 <= age <= KNOWN_FOR.total_seconds():
        return None
    if not signature_matches(
        _PURPOSE, _message(user.id, int(issued), user.password_hash), signature
    ):
        return None
    # Part of the signature: unique per cookie, and says nothing about the password.
    return signature[:22]


def remember_device(request: Request, user: User) -> None:
    """Have this response give the browser a (fresh) known-device cookie for ``user``."""
    set_cookie(request, cookie_name(), device_cookie(user), max_age=int(KNOWN_FOR.total_seconds()))
