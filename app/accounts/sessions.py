"""Server-side browser sessions, CSRF tokens and flash messages.

The cookie carries a random token; the database keeps only its keyed hash, the user,
the CSRF token and small data (flash messages). Signing in replaces the session with a
new one (a new id), signing out deletes the row, so a replayed cookie finds nothing.

An anonymous visitor gets the cookie (a token) as soon as a page shows them a form, but
a row only once there is something to store (a flash message): reading pages leaves
nothing behind. Their CSRF token is a keyed hash of the cookie's token (signed double
submit), so the login and sign-up forms work without a row; rows made later for that
token store the same CSRF token, so a form shown before the row existed still posts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.types import Receive, Scope, Send

from app.accounts.models import Organisation, OrganisationMember, Role, User, WebSession
from app.accounts.security import hash_secret, new_secret, same_secret, sign
from app.config import get_settings
from app.db import DbSession, insert_ignore, utcnow
from app.http_headers import Headers, HttpMiddleware, adding_headers

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Visitor:
    """Who is asking, as plain values copied out of the database rows.

    Error pages are rendered after the request's transaction has rolled back and its
    session has closed; the ORM rows are expired by then and cannot be read, so the
    page's navigation and sign-out form read this copy instead.
    """

    user_id: int | None = None
    display_name: str = ""
    roles: frozenset[Role] = frozenset()
    csrf_token: str | None = None
    # (id, name) of the organisations this person coordinates, by name. Not a Role: the
    # organisation-coordinator role is a membership flag, scoped to one organisation.
    organisations: tuple[tuple[int, str], ...] = ()

    @classmethod
    def of(
        cls,
        user: User | None,
        web_session: WebSession | None,
        organisations: tuple[tuple[int, str], ...] = (),
    ) -> Visitor:
        """A copy of the visitor's identity from live rows."""
        return cls(
            user_id=user.id if user else None,
            display_name=user.display_name if user else "",
            roles=frozenset(user.roles) if user else frozenset(),
            csrf_token=web_session.csrf_token if web_session else None,
            organisations=organisations if user else (),
        )

    @property
    def is_authenticated(self) -> bool:
        """True when someone is signed in."""
        return self.user_id is not None

    def has_role(self, role: Role) -> bool:
        """Same rule as ``User.has_role``: admins hold every staff power."""
        return role in self.roles or Role.ADMIN in self.roles


ANONYMOUS = Visitor()


def coordinated_organisations(db: Session, user_id: int) -> tuple[tuple[int, str], ...]:
    """(id, name) of the organisations a person coordinates, by name (one small query)."""
    query = (
        select(Organisation.id, Organisation.name)
        .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
        .where(OrganisationMember.user_id == user_id, OrganisationMember.is_coordinator)
        .order_by(Organisation.name)
    )
    return tuple((org_id, name) for org_id, name in db.execute(query))


@dataclass
class RequestContext:
    """What a page handler needs about the visitor: the db, their session and user."""

    db: Session
    request: Request
    web_session: WebSession | None = None
    user: User | None = None
    # The cookie's token: the session's, or an anonymous visitor's whose row is not made yet.
    token: str | None = None
    # The visitor as the request found them; what an error page shows (see Visitor).
    visitor_at_start: Visitor = ANONYMOUS
    _flashes: list[dict[str, str]] | None = field(default=None, repr=False)
    # (user id, their coordinated organisations): read once per request and person.
    _organisations: tuple[int, tuple[tuple[int, str], ...]] | None = field(default=None, repr=False)

    @property
    def is_authenticated(self) -> bool:
        """True when someone is signed in."""
        return self.user is not None

    def current_visitor(self) -> Visitor:
        """The visitor as they are now (after a sign-in or sign-out in this request)."""
        return Visitor.of(self.user, self.web_session, self._coordinated())

    def _coordinated(self) -> tuple[tuple[int, str], ...]:
        if self.user is None:
            return ()
        if self._organisations is None or self._organisations[0] != self.user.id:
            self._organisations = (self.user.id, coordinated_organisations(self.db, self.user.id))
        return self._organisations[1]

    def ensure_session(self) -> WebSession:
        """Return the visitor's session, storing an anonymous one when there is none."""
        if self.web_session is None:
            self.web_session = _store_anonymous_session(self.db, self.request, self._token())
        return self.web_session

    def _token(self) -> str:
        # A visitor without a cookie gets one now; the row waits until something is stored.
        if self.token is None:
            self.token = new_secret()
            _cookie_state(self.request).update(action="set", token=self.token)
        return self.token

    @property
    def csrf_token(self) -> str:
        """The CSRF token to embed in this visitor's forms (stores nothing)."""
        if self.web_session is not None:
            return self.web_session.csrf_token
        return csrf_token_for(self._token())

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
                if not data and self.web_session.user_id is None:
                    # The anonymous row only carried the message; the cookie's token and
                    # so the CSRF token stay as they are.
                    self.db.delete(self.web_session)
                    self.web_session = None
        return self._flashes


def _cookie_state(request: Request) -> dict[str, Any]:
    state: dict[str, Any] = request.scope.setdefault("state", {}).setdefault("apex_cookie", {})
    return state


def csrf_token_for(token: str) -> str:
    """The CSRF token that goes with a session cookie's token."""
    return sign("csrf", token)


def _create_session(db: Session, request: Request, *, user: User) -> tuple[WebSession, str]:
    token = new_secret()
    row = WebSession(id=hash_secret(token), user_id=user.id, **_new_row_values(token))
    db.add(row)
    db.flush()
    _cookie_state(request).update(action="set", token=token)
    return row, token


def _new_row_values(token: str) -> dict[str, Any]:
    max_age = timedelta(seconds=get_settings().session_max_age_seconds)
    return {"csrf_token": csrf_token_for(token), "data": {}, "expires_at": utcnow() + max_age}


def _store_anonymous_session(db: Session, request: Request, token: str) -> WebSession:
    # Two requests of one browser may both be first to store something; the insert that
    # comes second finds the row instead of failing on its primary key.
    row_id = hash_secret(token)
    insert_ignore(db, WebSession, {"id": row_id, "user_id": None, **_new_row_values(token)}, ["id"])
    row = db.get(WebSession, row_id, populate_existing=True)
    assert row is not None
    # The cookie's lifetime starts again with the row's.
    _cookie_state(request).update(action="set", token=token)
    return row


def load_context(db: Session, request: Request) -> RequestContext:
    """Build the request context from the session cookie (expired sessions are ignored)."""
    ctx = RequestContext(db=db, request=request)
    token = request.cookies.get(get_settings().session_cookie_name)
    if token:
        row = db.get(WebSession, hash_secret(token))
        if row is None:
            # An anonymous visitor with nothing stored yet (or a session ended elsewhere,
            # which now is just that): the token keeps their CSRF token valid.
            ctx.token = token
        elif row.expires_at > utcnow():
            ctx.web_session, ctx.token = row, token
            if row.user_id is not None:
                user = db.get(User, row.user_id)
                ctx.user = user if user is not None and user.is_active else None
        else:
            _cookie_state(request).update(action="clear")
    ctx.visitor_at_start = ctx.current_visitor()
    request.state.ctx = ctx
    return ctx


def visitor_of_request(db: Session, request: Request) -> Visitor:
    """Who sent ``request``, read without writing (for pages no route handled)."""
    ctx: RequestContext | None = getattr(request.state, "ctx", None)
    if ctx is not None:
        return ctx.visitor_at_start
    token = request.cookies.get(get_settings().session_cookie_name)
    if not token:
        return ANONYMOUS
    row = db.get(WebSession, hash_secret(token))
    if row is None or row.expires_at <= utcnow():
        return ANONYMOUS
    user = db.get(User, row.user_id) if row.user_id is not None else None
    if user is None or not user.is_active:
        return Visitor.of(None, row)
    return Visitor.of(user, row, coordinated_organisations(db, user.id))


def get_context(db: DbSession, request: Request) -> RequestContext:
    """Request dependency: the visitor's context."""
    return load_context(db, request)


Ctx = Annotated[RequestContext, Depends(get_context)]


def sign_in(ctx: RequestContext, user: User) -> None:
    """Start a signed-in session for ``user`` under a brand-new session id."""
    flashes = ctx.pop_flashes()
    if ctx.web_session is not None:
        ctx.db.delete(ctx.web_session)
    ctx.web_session, ctx.token = _create_session(ctx.db, ctx.request, user=user)
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
    ctx.token = None  # an anonymous session after this gets a token of its own
    _cookie_state(ctx.request).update(action="clear")


def end_all_sessions(db: Session, user_id: int, *, keep: WebSession | None = None) -> None:
    """Sign a person out everywhere (after a password change), except in ``keep``."""
    query = delete(WebSession).where(WebSession.user_id == user_id)
    if keep is not None:
        query = query.where(WebSession.id != keep.id)
    db.execute(query)


def prune_expired_sessions(db: Session) -> int:
    """Delete expired sessions; returns how many."""
    result = db.execute(delete(WebSession).where(WebSession.expires_at <= utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


def csrf_token_matches(ctx: RequestContext, submitted: str | None) -> bool:
    """Constant-time comparison of a submitted CSRF token with the session's."""
    if not submitted:
        return False
    if ctx.web_session is not None:
        expected = ctx.web_session.csrf_token
    elif ctx.token is not None:
        expected = csrf_token_for(ctx.token)  # an anonymous visitor with no row yet
    else:
        return False
    return same_secret(expected, submitted)


def set_cookie(request: Request, name: str, value: str, *, max_age: int) -> None:
    """Have the response set another cookie, with the same attributes as the session's."""
    extra = request.scope.setdefault("state", {}).setdefault("apex_extra_cookies", {})
    extra[name] = (value, max_age)


class SessionCookieMiddleware(HttpMiddleware):
    """Writes the session cookie that the request's handlers decided on.

    Handlers only record "set token" or "clear" in the request state; this keeps cookie
    attributes (HttpOnly, SameSite=Lax, Secure behind https) in exactly one place.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, adding the Set-Cookie headers its handlers asked for."""

        def cookies(_present: Headers) -> Headers:
            # Read when the response starts: the handlers have decided by then.
            state = scope.get("state", {})
            headers = [
                (b"set-cookie", header)
                for header in _cookie_headers(state.get("apex_cookie") or {}, scope)
            ]
            extra = state.get("apex_extra_cookies") or {}
            for name, (value, max_age) in extra.items():
                headers.append((b"set-cookie", _cookie_header(name, value, max_age, scope)))
            return headers

        await self.app(scope, receive, adding_headers(send, cookies))


def _cookie_headers(state: dict[str, Any], scope: Scope) -> list[bytes]:
    settings = get_settings()
    action = state.get("action")
    if action not in {"set", "clear"}:
        return []
    value = state["token"] if action == "set" else ""
    max_age = settings.session_max_age_seconds if action == "set" else 0
    return [_cookie_header(settings.session_cookie_name, value, max_age, scope)]


def _cookie_header(name: str, value: str, max_age: int, scope: Scope) -> bytes:
    secure = get_settings().secure_cookies or scope.get("scheme") == "https"
    parts = [f"{name}={value}", "Path=/", f"Max-Age={max_age}", "HttpOnly", "SameSite=Lax"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts).encode("latin-1")
