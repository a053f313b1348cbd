"""Server-side browser sessions, CSRF tokens and flash messages.

The cookie carries a random token; the database keeps only its keyed hash, the user,
the CSRF token and small data (flash messages). Signing in replaces the session with a
new one (a new id), signing out deletes the row, so a replayed cookie finds nothing.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.accounts.models import User, WebSession
from app.accounts.security import hash_secret, new_secret
from app.config import get_settings
from app.db import DbSession, utcnow

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"


@dataclass
class RequestContext:
    """What a page handler needs about the visitor: the db, their session and user."""

    db: Session
    request: Request
    web_session: WebSession | None = None
    user: User | None = None
    _flashes: list[dict[str, str]] | None = field(default=None, repr=False)

    @property
    def is_authenticated(self) -> bool:
        """True when someone is signed in."""
        return self.user is not None

    def ensure_session(self) -> WebSession:
        """Return the visitor's session, creating an anonymous one when there is none."""
        if self.web_session is None:
            self.web_session = _create_session(self.db, self.request, user=None)
        return self.web_session

    @property
    def csrf_token(self) -> str:
        """The CSRF token to embed in this visitor's forms."""
        return self.ensure_session().csrf_token

    def flash(self, message: str, category: str = "info") -> None:
        """Queue a message to show on the next page this visitor sees."""
        session = self.ensure_session()
        queued = list(session.data.get("flashes", []))
        queued.append({"message": message, "category": category})
        session.data = {**session.data, "flashes": queued}

    def pop_flashes(self) -> list[dict[str, str]]:
        """Messages queued for this visitor, removed from the session once read."""
        if self._flashes is None:
            self._flashes = []
            if self.web_session is not None and self.web_session.data.get("flashes"):
                self._flashes = list(self.web_session.data["flashes"])
                data = dict(self.web_session.data)
                data.pop("flashes")
                self.web_session.data = data
        return self._flashes


def _cookie_state(request: Request) -> dict[str, Any]:
    return request.scope.setdefault("state", {}).setdefault("apex_cookie", {})


def _create_session(db: Session, request: Request, *, user: User | None) -> WebSession:
    settings = get_settings()
    token = new_secret()
    row = WebSession(
        id=hash_secret(token),
        user_id=user.id if user else None,
        csrf_token=secrets.token_urlsafe(32),
        data={},
        expires_at=utcnow() + timedelta(seconds=settings.session_max_age_seconds),
    )
    db.add(row)
    db.flush()
    _cookie_state(request).update(action="set", token=token)
    return row


def load_context(db: Session, request: Request) -> RequestContext:
    """Build the request context from the session cookie (expired sessions are ignored)."""
    ctx = RequestContext(db=db, request=request)
    token = request.cookies.get(get_settings().session_cookie_name)
    if token:
        row = db.get(WebSession, hash_secret(token))
        if row is not None and row.expires_at > utcnow():
            ctx.web_session = row
            if row.user_id is not None:
                user = db.get(User, row.user_id)
                ctx.user = user if user is not None and user.is_active else None
        else:
            _cookie_state(request).update(action="clear")
    request.state.ctx = ctx
    return ctx


def get_context(db: DbSession, request: Request) -> RequestContext:
    """Request dependency: the visitor's context."""
    return load_context(db, request)


Ctx = Annotated[RequestContext, Depends(get_context)]


def sign_in(ctx: RequestContext, user: User) -> None:
    """Start a signed-in session for ``user`` under a brand-new session id."""
    flashes = ctx.pop_flashes()
    if ctx.web_session is not None:
        ctx.db.delete(ctx.web_session)
    ctx.web_session = _create_session(ctx.db, ctx.request, user=user)
    ctx.user = user
    ctx._flashes = None
    for item in flashes:
        ctx.flash(item["message"], item["category"])


def sign_out(ctx: RequestContext) -> None:
    """End the session on the server, so its cookie is worthless from now on."""
    if ctx.web_session is not None:
        ctx.db.delete(ctx.web_session)
        ctx.db.flush()
    ctx.web_session = None
    ctx.user = None
    _cookie_state(ctx.request).update(action="clear")


def end_all_sessions(db: Session, user_id: int) -> None:
    """Sign a person out everywhere (after a password reset)."""
    db.execute(delete(WebSession).where(WebSession.user_id == user_id))


def prune_expired_sessions(db: Session) -> int:
    """Delete expired sessions; returns how many."""
    result = db.execute(delete(WebSession).where(WebSession.expires_at <= utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


def csrf_token_matches(ctx: RequestContext, submitted: str | None) -> bool:
    """Constant-time comparison of a submitted CSRF token with the session's."""
    if not submitted or ctx.web_session is None:
        return False
    return hmac.compare_digest(submitted, ctx.web_session.csrf_token)


def sessions_of(db: Session, user_id: int) -> list[WebSession]:
    """All live sessions of a person (tests and the account page use it)."""
    return list(db.scalars(select(WebSession).where(WebSession.user_id == user_id)))


class SessionCookieMiddleware:
    """Writes the session cookie that the request's handlers decided on.

    Handlers only record "set token" or "clear" in the request state; this keeps cookie
    attributes (HttpOnly, SameSite=Lax, Secure behind https) in exactly one place.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                state = scope.get("state", {}).get("apex_cookie") or {}
                header = _cookie_header(state, scope)
                if header:
                    message.setdefault("headers", [])
                    message["headers"] = [*message["headers"], (b"set-cookie", header)]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _cookie_header(state: dict[str, Any], scope: Scope) -> bytes | None:
    settings = get_settings()
    action = state.get("action")
    if action not in {"set", "clear"}:
        return None
    secure = settings.secure_cookies or scope.get("scheme") == "https"
    value = state["token"] if action == "set" else ""
    max_age = settings.session_max_age_seconds if action == "set" else 0
    parts = [
        f"{settings.session_cookie_name}={value}",
        "Path=/",
        f"Max-Age={max_age}",
        "HttpOnly",
        "SameSite=Lax",
    ]
    if secure:
        parts.append("Secure")
    return "; ".join(parts).encode("latin-1")
