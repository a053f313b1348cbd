"""Security headers every response carries, and the base every ASGI middleware here shares.

A leaf module (it imports nothing from ``app``), so the middlewares in ``web``,
``base_url``, ``input_guard`` and ``accounts.sessions`` can all build on it.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'; frame-ancestors 'none'"
)

SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]

Headers = list[tuple[bytes, bytes]]


class HttpMiddleware:
    """An ASGI middleware that acts on HTTP requests and passes everything else through.

    Subclasses implement :meth:`handle`; lifespan and websocket scopes never reach it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request (the default passes it on unchanged)."""
        await self.app(scope, receive, send)


def adding_headers(send: Send, extra: Callable[[Headers], Headers]) -> Send:
    """``send``, with ``extra(headers already there)`` appended to the response's headers."""

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = list(message.get("headers", []))
            added = extra(present)
            if added:
                message["headers"] = [*present, *added]
        await send(message)

    return send_with_headers


__all__ = [
    "CONTENT_SECURITY_POLICY",
    "SECURITY_HEADERS",
    "Headers",
    "HttpMiddleware",
    "adding_headers",
]
