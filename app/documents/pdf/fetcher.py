"""The one URL fetcher of every PDF: ``data:`` URLs, the app's ``static/`` files, given assets.

Nothing a PDF loads is ever fetched from the network or from elsewhere on disk.
"""

from __future__ import annotations

import base64
import mimetypes
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.config import PROJECT_ROOT

STATIC_DIR = PROJECT_ROOT / "static"

# Relative URLs in our HTML resolve against this virtual root; the fetcher maps
# file:///apex/static/... to static/ and file:///apex/assets/<sha256>/<name> to the
# assets of the render. No real file lives at /apex.
BASE_URL = "file:///apex/"
_VIRTUAL_ROOT = "/apex/"


@dataclass(frozen=True)
class Asset:
    """A file a render may embed (a pack image), looked up by its sha256."""

    media_type: str
    data: bytes


class RefusedURL(ValueError):
    """A URL the PDF engine will not load; WeasyPrint skips the resource and goes on."""


class PdfFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no types
    """A URL fetcher that never touches the network or files outside the allowed roots.

    Allowed: ``data:`` URLs (QR codes), ``file:///apex/static/<path>`` (the app's
    static files) and ``file:///apex/assets/<sha256>/<name>`` (assets given by the
    caller for this render). Everything else raises :class:`RefusedURL` and is listed
    in ``refused``. No opener is ever used, so there are no redirects to follow.
    """

    def __init__(self, assets: Mapping[str, Asset] | None = None, *, timeout: float = 2.0) -> None:
        # The timeout is kept low anyway, in case a future change lets a request through.
        super().__init__(timeout=timeout, allow_redirects=False, allowed_protocols=("data",))
        self.assets = dict(assets or {})
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """Serve an allowed URL from memory or ``static/``; refuse anything else."""
        try:
            return self._serve(url)
        except RefusedURL:
            self.refused.append(url)
            raise

    def _serve(self, url: str) -> URLFetcherResponse:
        scheme = url.partition(":")[0].lower()
        if scheme == "data":
            return _data_url(url)
        if scheme != "file":
            raise RefusedURL(
                f"refused {scheme or 'relative'} URL {url[:200]!r}: PDFs load no network"
            )
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or parts.query:
            raise RefusedURL(f"refused file URL {url[:200]!r}")
        path = unquote(parts.path)
        # Any ".." segment is refused outright, before and after normalising.
        if ".." in path.split("/") or "\\" in path or "\x00" in path:
            raise RefusedURL(f"refused path traversal in {url[:200]!r}")
        normal = posixpath.normpath(path)
        if normal.startswith(_VIRTUAL_ROOT + "static/"):
            return _static_file(url, normal.removeprefix(_VIRTUAL_ROOT + "static/"))
        if normal.startswith(_VIRTUAL_ROOT + "assets/"):
            sha = normal.removeprefix(_VIRTUAL_ROOT + "assets/").split("/", 1)[0]
            asset = self.assets.get(sha)
            if asset is None:
                raise RefusedURL(f"no asset {sha[:64]!r} in this render")
            return URLFetcherResponse(url, asset.data, {"Content-Type": asset.media_type})
        raise RefusedURL(f"refused file URL outside the allowed folders: {url[:200]!r}")


def _data_url(url: str) -> URLFetcherResponse:
    header, comma, payload = url[len("data:") :].partition(",")
    if not comma:
        raise RefusedURL("malformed data: URL")
    is_base64 = header.lower().endswith(";base64")
    media_type = (header[: -len(";base64")] if is_base64 else header).split(";")[0]
    try:
        data = base64.b64decode(payload, validate=False) if is_base64 else unquote_to_bytes(payload)
    except ValueError as exc:
        raise RefusedURL(f"malformed data: URL ({exc})") from None
    return URLFetcherResponse(url, data, {"Content-Type": media_type or "text/plain"})


def _static_file(url: str, relative: str) -> URLFetcherResponse:
    root = STATIC_DIR.resolve()
    target = (root / relative).resolve()
    # resolve() follows symlinks, so a link pointing out of static/ is refused too.
    if not target.is_relative_to(root) or not target.is_file():
        raise RefusedURL(f"no static file {relative!r}")
    media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": media_type})


def asset_href(sha256: str, name: str) -> str:
    """The relative URL of a render asset (resolved against ``BASE_URL`` by WeasyPrint)."""
    return f"assets/{sha256}/{posixpath.basename(name) or 'file'}"
