"""Refuses NUL characters in addresses, queries and form or JSON bodies, before any route.

No text a person types contains NUL, and PostgreSQL cannot store it in a text column: it
fails the statement, which used to surface as a 500 half-way through a request. Refusing
it at the edge gives one clear 400 for every route at once (pages and API alike).
Multipart bodies are left alone: uploaded files may hold any byte.
"""

from __future__ import annotations

import re

from starlette.types import Message, Receive, Scope, Send

from app.errors import AppError, send_error
from app.http_headers import HttpMiddleware

FORM = b"application/x-www-form-urlencoded"
JSON = b"application/json"

# A JSON escape \u0000 that is not itself escaped (an odd run of backslashes before "u").
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)

MESSAGE = (
    "The {where} contains a NUL character (%00), which no address or text field may "
    "hold. Remove it and try again."
)


def _has_nul(data: bytes, *, json: bool = False) -> bool:
    """NUL raw, or encoded the way this kind of data encodes it (%00, or \\u0000 in JSON)."""
    if b"\x00" in data:
        return True
    if json:  # in JSON, "%00" is just text
        return _JSON_NUL.search(data) is not None
    return b"%00" in data


def _checked_body(headers: dict[bytes, bytes]) -> bytes | None:
    """The request's content type when its body is checked (forms and JSON), else None."""
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    if content_type in (FORM, JSON) or content_type.endswith(b"+json"):
        return content_type
    return None


class NulByteGuardMiddleware(HttpMiddleware):
    """Answers 400 when the address, query or a form/JSON body holds a NUL."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse the request if it carries a NUL, else pass it (and its body) on."""
        where = None
        if "\x00" in scope["path"] or b"%00" in scope.get("raw_path", b""):
            where = "address"
        elif _has_nul(scope.get("query_string", b"")):
            where = "query string"
        content_type = _checked_body(dict(scope.get("headers", [])))
        if where is None and content_type is not None:
            try:
                body = await _read_body(receive)
            except AppError as exc:  # e.g. over the size limit while reading
                await send_error(scope, receive, send, exc.status, exc.title, exc.message)
                return
            if _has_nul(body, json=content_type != FORM):
                where = "form" if content_type == FORM else "request body"
            else:
                receive = _replay(body, receive)
        if where is not None:
            await send_error(scope, receive, send, 400, "Bad request", MESSAGE.format(where=where))
            return
        await self.app(scope, receive, send)


async def _read_body(receive: Receive) -> bytes:
    # Forms and JSON are small (the size limit outside this middleware bounds them).
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, original: Receive) -> Receive:
    """Hands the app the body already read, then the connection's own messages."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()  # waits for the real disconnect, as streaming needs

    return receive
