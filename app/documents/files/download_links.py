"""Signed, short-lived download links for a learner's own certificate PDFs.

A learner's pages link each certificate as
``/files/certificates/{id}/{digest}/{serial}.pdf?expires=…&signature=…``: the digest names
the stored file (its inputs hash), and the signature, made with the app's secret key,
proves that the app handed this link to the certificate's holder. Serving such a link
needs no session and no query once the file is stored: check the signature, read
~20 KiB, send. That is what makes a repeated download cheap (the first one renders).

Like any pre-signed URL, a link is a bearer credential until it expires (an hour): the
PDF it opens carries nothing more than the public verification page shows anyway. An
expired link, or one whose certificate has changed since (revoked, renamed), redirects
to ``/certificates/{id}.pdf``, which checks the session and serves the current file.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from urllib.parse import quote

from starlette.types import ASGIApp, Receive, Scope, Send

from app import http_cache
from app.accounts.security import sign, signature_matches
from app.documents.certificates.render import inputs_hash
from app.documents.files import storage
from app.documents.models import Certificate

PREFIX = "/files/certificates/"
LIFETIME_SECONDS = 3600
READS = frozenset({"GET", "HEAD"})
_PURPOSE = "certificate-download"
_PATH = re.compile(r"/files/certificates/(\d{1,18})/([0-9a-f]{64})/([A-Za-z0-9-]{1,32})\.pdf")
INVALID_MESSAGE = (
    "This download link is not valid. Open your certificates from My learning "
    "(/learning) to get a new one."
)


@dataclass(frozen=True)
class Link:
    """What a download link names."""

    certificate_id: int
    digest: str
    serial: str
    expires: int

    def message(self) -> str:
        return f"{self.certificate_id}:{self.digest}:{self.serial}:{self.expires}"

    @property
    def fallback(self) -> str:
        """The session-checked download of the same certificate."""
        return f"/certificates/{self.certificate_id}.pdf"


def url_for(cert: Certificate, *, now: float | None = None) -> str:
    """A signed link to this certificate's current PDF, valid for an hour."""
    expires = int((now if now is not None else time.time()) + LIFETIME_SECONDS)
    link = Link(cert.id, inputs_hash(cert), cert.serial, expires)
    signature = sign(_PURPOSE, link.message())
    return (
        f"{PREFIX}{link.certificate_id}/{link.digest}/{quote(link.serial)}.pdf"
        f"?expires={expires}&signature={signature}"
    )


def parse(path: str, query_string: bytes) -> Link | None:
    """The link a request names, or None unless its path is well formed and signed by us."""
    match = _PATH.fullmatch(path)
    if match is None:
        return None
    query = dict(part.partition("=")[::2] for part in query_string.decode("latin-1").split("&"))
    expires, signature = query.get("expires", ""), query.get("signature", "")
    if not expires.isdigit() or not signature:
        return None
    link = Link(int(match[1]), match[2], match[3], int(expires))
    return link if signature_matches(_PURPOSE, link.message(), signature) else None


class CertificateLinkMiddleware:
    """Serves signed certificate links whose file is stored, in front of sessions and
    routing; every other request (and any link it cannot serve) goes on to the app.

    Mounted inside the security-headers middleware, so these responses get the same
    headers as every page.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        link = parse(scope["path"], scope.get("query_string", b""))
        # A stored certificate is ~13 KiB: reading it in the event loop costs less than
        # a thread hop would.
        data = (
            storage.read_if_stored(link.digest)
            if link is not None and link.expires >= time.time() and scope["method"] in READS
            else None
        )
        if link is None or data is None:
            # Not valid, expired or not rendered yet: the route says which and acts.
            await self.app(scope, receive, send)
            return
        await send_pdf(scope, send, link, data)


def _if_none_match(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            header: bytes = value
            return header.decode("latin-1")
    return ""


def link_headers(link: Link) -> dict[str, str]:
    """The headers of a PDF served through a link (by the middleware or the route)."""
    return {
        "etag": f'"{link.digest}"',
        # The file behind a digest never changes; the link itself expires.
        "cache-control": f"private, max-age={LIFETIME_SECONDS}, immutable",
        "content-disposition": f'attachment; filename="{link.serial}.pdf"',
    }


async def send_pdf(scope: Scope, send: Send, link: Link, data: bytes) -> None:
    """Answer with the PDF a link names (304 when the client has this file already)."""
    headers = [(name.encode(), value.encode()) for name, value in link_headers(link).items()]
    if http_cache.etag_matches(_if_none_match(scope), link.digest):
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    headers += [(b"content-type", b"application/pdf"), (b"content-length", b"%d" % len(data))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    body = b"" if scope["method"] == "HEAD" else data
    await send({"type": "http.response.body", "body": body})
