"""The one rule for the platform's public address, used by every absolute link it makes.

Links that leave the page (e-mails, calendar feeds, password resets, the verify link and
QR code printed on a certificate, the address Stripe sends a payer back to) need the
scheme, host and port people reach the platform on. In order:

1. ``APEX_BASE_URL`` when it is set (production behind a proxy sets it);
2. inside a request, the scheme, host and port that request was sent to;
3. work carried out of a request (mail, document jobs) uses the address of the request
   that queued it (:func:`carrying`);
4. elsewhere (CLI, ticker, workers) the address ``apex serve`` listens on
   (:func:`record_serve_address`), and finally ``http://localhost:8000``.

Without ``APEX_BASE_URL`` the request's address comes from its ``Host`` header, which the
client chooses; production should set ``APEX_BASE_URL`` so no link ever names a host an
attacker sent (``apex serve`` says so at start).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from app.config import get_settings
from app.http_headers import HttpMiddleware

DEFAULT_BASE_URL = "http://localhost:8000"
# The environment variable `apex serve` sets, so the worker processes uvicorn spawns
# (they read their own Settings) know the address too.
SERVE_URL_ENV = "APEX_SERVE_URL"

# The base URL of the request (or queued work) this code runs for. A context variable,
# not a thread-local: Starlette copies the context into the threads that run sync
# dependencies and endpoints, so deep service code (mail notices) sees it too.
_current: ContextVar[str | None] = ContextVar("apex_base_url", default=None)


def public_base_url(request: Request | None = None) -> str:
    """The absolute address links start with, without a trailing slash (see module doc)."""
    settings = get_settings()
    if settings.base_url:
        return settings.base_url.rstrip("/")
    if request is not None:
        return request_base_url(request)
    return _current.get() or settings.serve_url.rstrip("/") or DEFAULT_BASE_URL


def absolute_url(path: str, request: Request | None = None) -> str:
    """``path`` (starting with /) on the public base URL."""
    return f"{public_base_url(request)}{path}"


def request_base_url(request: Request) -> str:
    """The scheme, host, port (and mount path) a request was sent to."""
    return str(request.base_url).rstrip("/")


@contextmanager
def carrying(base_url: str | None) -> Iterator[None]:
    """Run the block with the base URL of the request that queued the work (None: none)."""
    token = _current.set(base_url)
    try:
        yield
    finally:
        _current.reset(token)


def serve_address(host: str, port: int) -> str:
    """The http address of a listening socket, as a browser on this machine writes it."""
    # A wildcard address is not one a browser can open; this machine is reached as
    # localhost. An IPv6 literal needs brackets in a URL.
    name = "localhost" if host in ("", "0.0.0.0", "::") else host
    if ":" in name:
        name = f"[{name}]"
    return f"http://{name}:{port}"


def record_serve_address(host: str, port: int) -> str:
    """Remember the address ``apex serve`` listens on, for links made outside requests."""
    address = serve_address(host, port)
    get_settings().serve_url = address
    # Written, not read: uvicorn's worker processes build their Settings from it.
    os.environ[SERVE_URL_ENV] = address
    return address


class BaseUrlMiddleware(HttpMiddleware):
    """Makes each request's own address the base URL of everything it runs."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request with its own address as the base URL."""
        with carrying(request_base_url(Request(scope))):
            await self.app(scope, receive, send)
