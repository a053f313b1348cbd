"""Page rendering: the Jinja2 environment, navigation, flash messages, CSRF, headers."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.accounts.models import Role
from app.accounts.sessions import (
    ANONYMOUS,
    CSRF_FIELD,
    SAFE_METHODS,
    Ctx,
    RequestContext,
    Visitor,
    csrf_token_matches,
)
from app.config import PROJECT_ROOT
from app.errors import AppError, Forbidden, send_error
from app.formatting import register_filters
from app.http_headers import SECURITY_HEADERS, Headers, HttpMiddleware, adding_headers

log = logging.getLogger(__name__)

templates = Jinja2Templates(directory=PROJECT_ROOT / "templates")
# Dates, times and money: the same filters as e-mails and PDFs (app/formatting.py); every
# <time datetime> in a page goes through its ``datetime_attr`` (seconds, with an offset).
register_filters(templates.env)


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str


def navigation(visitor: Visitor) -> list[NavItem]:
    """The main navigation for this visitor, by role.

    One entry per staff area, so the bar stays one line at desktop width however many
    roles someone holds: "Coordinate" and "Admin" open pages that carry the area's own
    sub-navigation (templates/scheduling/_subnav.html, templates/admin/_subnav.html).
    """
    items = [NavItem("Home", "/"), NavItem("Courses", "/courses"), NavItem("Schedule", "/schedule")]
    if not visitor.is_authenticated:
        return items
    items += [
        NavItem("My learning", "/learning"),
        NavItem("My bookings", "/bookings"),
        NavItem("My orders", "/orders"),
        NavItem("Certificates", "/certificates"),
    ]
    is_admin = Role.ADMIN in visitor.roles
    # An organisation coordinator's organisation (members, seat packs) is otherwise
    # reachable only by typing its id; admins reach every organisation under Admin.
    if visitor.organisations and not is_admin:
        if len(visitor.organisations) == 1:
            ((org_id, _name),) = visitor.organisations
            items.append(NavItem("My organisation", f"/orgs/{org_id}"))
        else:
            items.append(NavItem("My organisations", "/admin/organisations"))
    if visitor.has_role(Role.FACILITATOR):
        items.append(NavItem("My sessions", "/facilitator/sessions"))
    if visitor.has_role(Role.COORDINATOR):
        items.append(NavItem("Coordinate", "/coordinator/calendar"))
    if is_admin:
        items.append(NavItem("Admin", "/admin/content"))
    items.append(NavItem("Account", "/account"))
    return items


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page with the layout's shared context (user, nav, flashes, CSRF token)."""
    ctx: RequestContext | None = getattr(request.state, "ctx", None)
    visitor = ctx.current_visitor() if ctx else ANONYMOUS
    shared: dict[str, Any] = {
        "ctx": ctx,
        "user": ctx.user if ctx else None,
        "nav": navigation(visitor),
        "flashes": ctx.pop_flashes() if ctx else [],
        "csrf_field": CSRF_FIELD,
    }
    shared.update(context or {})
    return templates.TemplateResponse(request, template, shared, status_code=status_code)


def render_error_page(
    request: Request, visitor: Visitor, context: dict[str, Any], *, status_code: int
) -> HTMLResponse:
    """Render the error page for ``visitor`` without touching the database.

    The request's session has rolled back and closed by now, so the layout reads the
    visitor copy (name, roles, CSRF token for the sign-out form). Flash messages stay
    queued for the next page the person sees.
    """
    shared: dict[str, Any] = {
        "ctx": visitor,
        "user": visitor if visitor.is_authenticated else None,
        "nav": navigation(visitor),
        "flashes": [],
        "csrf_field": CSRF_FIELD,
        **context,
    }
    return templates.TemplateResponse(request, "errors/error.html", shared, status_code=status_code)


def redirect(url: str) -> RedirectResponse:
    """A redirect after a form post (303 so the browser follows with GET)."""
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only allow same-site relative redirect targets (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


async def verify_csrf(request: Request, ctx: Ctx) -> None:
    """Router dependency: every state-changing page request must carry the session's token."""
    if request.method in SAFE_METHODS:
        return
    submitted: str | None = request.headers.get("x-csrf-token")
    if submitted is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            submitted = value if isinstance(value, str) else None
    if not csrf_token_matches(ctx, submitted):
        raise Forbidden(
            "This form has expired or did not come from this site. "
            "Go back, reload the page and try again."
        )


class BodySizeLimitMiddleware(HttpMiddleware):
    """Refuses request bodies over a limit before anything reads them.

    Form parsing (the CSRF check reads every page POST) would otherwise spool any size of
    upload to disk, even for an anonymous visitor.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a declared oversize body at once, and stop reading one that grows too big."""
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            message = _too_large_message(self.max_bytes)
            await send_error(scope, receive, send, 413, "Request too large", message)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise PayloadTooLarge(_too_large_message(self.max_bytes))
            return message

        await self.app(scope, counting_receive, send)


class PayloadTooLarge(AppError, status=413, title="Request too large"):
    """The request body grew over the limit while it was read."""


def _too_large_message(max_bytes: int) -> str:
    return f"The request is larger than the {max_bytes // (1024 * 1024)} MiB this site accepts."


class InFlightLimitMiddleware(HttpMiddleware):
    """Admits at most ``limit`` requests at once; the rest wait their turn in the event loop.

    The limit matches the database pool (see ``Settings.max_requests_in_flight``): a burst
    of requests then queues cheaply instead of stalling threads on pool checkouts.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        super().__init__(app)
        self.limit = limit
        self._semaphore: asyncio.Semaphore | None = None

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wait for a free slot, then serve the request."""
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.limit)
        async with self._semaphore:
            await self.app(scope, receive, send)


class SecurityHeadersMiddleware(HttpMiddleware):
    """Adds CSP (with frame-ancestors), nosniff and friends to every response."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, adding each security header the response does not set."""
        await self.app(scope, receive, adding_headers(send, _missing_security_headers))


def _missing_security_headers(present: Headers) -> Headers:
    names = {name.lower() for name, _ in present}
    return [(name, value) for name, value in SECURITY_HEADERS if name not in names]
