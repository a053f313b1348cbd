"""A bare ASGI app for the HTTP floor in bench_certificate_cached: 13 KiB, nothing else.

It does no work at all, so its time per request is what uvicorn, the loopback and the
client cost on this machine: no download of the app's can be faster.
"""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

BODY = bytes(13 * 1024)


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer every HTTP request with 13 KiB of PDF-typed zeros."""
    if scope["type"] != "http":
        return
    headers = [(b"content-type", b"application/pdf"), (b"content-length", b"%d" % len(BODY))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})
