"""The one PDF engine: Jinja2 templates from ``templates/pdf/`` laid out by WeasyPrint.

Everything a PDF may load goes through :class:`PdfFetcher`, which serves only ``data:``
URLs, the app's ``static/`` files and the assets handed in by the caller; nothing is ever
fetched from the network or from elsewhere on disk. Parsed CSS and the font
configuration are built once per process and reused by every render.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import posixpath
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import CSS, HTML, Document, Page
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.config import PROJECT_ROOT, get_settings
from app.documents import formatting
from app.documents.pdf import parts as pdf_parts

# Bump when code (not a template) changes what a document looks like: with the hash of
# templates/pdf/ it is part of every stored file's inputs, so old files are not served.
TEMPLATE_VERSION = "pdf-templates-1"

TEMPLATES_DIR = PROJECT_ROOT / "templates" / "pdf"
STATIC_DIR = PROJECT_ROOT / "static"

# Relative URLs in our HTML resolve against this virtual root; the fetcher maps
# file:///apex/static/... to static/ and file:///apex/assets/<sha256>/<name> to the
# assets of the render. No real file lives at /apex.
BASE_URL = "file:///apex/"
_VIRTUAL_ROOT = "/apex/"


@dataclass(frozen=True)
class Paper:
    """A paper size: its CSS name and its dimensions in millimetres (portrait)."""

    name: str
    width_mm: float
    height_mm: float


PAPERS = {"A4": Paper("A4", 210.0, 297.0), "Letter": Paper("Letter", 215.9, 279.4)}


@dataclass(frozen=True)
class Asset:
    """A file a render may embed (a pack image), looked up by its sha256."""

    media_type: str
    data: bytes


class RefusedURL(ValueError):
    """A URL the PDF engine will not load; WeasyPrint skips the resource and goes on."""


class PdfFetcher(URLFetcher):
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


# WeasyPrint shares Pango/fontconfig state that is not safe to use from several threads
# at once, and the in-process job worker has threads: one render at a time per process.
_RENDER_LOCK = threading.RLock()


@lru_cache(maxsize=1)
def font_config() -> FontConfiguration:
    """The process-wide font configuration (fonts by family name, from fontconfig)."""
    return FontConfiguration()


@lru_cache(maxsize=16)
def _parsed_css(source: str) -> CSS:
    """A stylesheet parsed once per process (the same source string reuses it)."""
    return CSS(
        string=source, base_url=BASE_URL, url_fetcher=PdfFetcher(), font_config=font_config()
    )


def default_stylesheets() -> list[str]:
    """The CSS sources every document gets unless it brings its own: pdf.css and the paper."""
    return [_pdf_css(), f"@page {{ size: {paper().name} portrait; }}"]


@lru_cache(maxsize=1)
def _pdf_css() -> str:
    return (TEMPLATES_DIR / "pdf.css").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def design_hash() -> str:
    """A hash of every file in ``templates/pdf/`` and the template version constant."""
    digest = hashlib.sha256(TEMPLATE_VERSION.encode())
    for path in sorted(TEMPLATES_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(TEMPLATES_DIR).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def paper() -> Paper:
    """The configured paper size (``APEX_PAPER_SIZE``: A4 or Letter)."""
    return PAPERS[get_settings().paper_size]


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        long_date=formatting.long_date,
        short_date=formatting.short_date,
        clock=formatting.clock,
    )
    return env


def render_template(name: str, context: Mapping[str, Any]) -> str:
    """Render a template of ``templates/pdf/`` to HTML (autoescaped; ``paper`` is added)."""
    return _environment().get_template(name).render({"paper": paper(), **context})


def render_document(
    html: str,
    *,
    assets: Mapping[str, Asset] | None = None,
    stylesheets: Sequence[str] | None = None,
) -> Document:
    """Lay out one HTML string into pages (not yet written), with the locked-down fetcher.

    ``stylesheets`` are CSS sources replacing the defaults (pdf.css and the paper size);
    each distinct source is parsed once per process.
    """
    fetcher = PdfFetcher(assets)
    sources = default_stylesheets() if stylesheets is None else list(stylesheets)
    with _RENDER_LOCK:
        css = [_parsed_css(source) for source in sources]
        page = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
        return page.render(stylesheets=css, font_config=font_config())


class _RepeatedPage(Page):
    """A page that appears several times in one PDF: drawn once, its operations replayed.

    WeasyPrint paints every page it writes; a workbook body repeated after 30 covers
    would be painted 30 times, which costs more than laying it out. The first
    occurrence records the drawing operations it appends to its content stream (fonts,
    images and graphic states live in the PDF's shared resources, so the operations are
    valid on any page of the same PDF); later occurrences append the same operations.
    Later occurrences drop links, anchors and bookmarks, so in-document links resolve
    to the first copy instead of colliding.
    """

    def __init__(self, page: Page, recording: list[list[Any]], *, first: bool) -> None:
        # No super().__init__(): the page is already laid out; take its attributes.
        self.__dict__.update(page.__dict__)
        self._original = page
        self._recording = recording
        if not first:
            self.links, self.anchors, self.bookmarks = [], {}, []

    def paint(self, stream: Any, scale: float = 1) -> None:
        """Paint the page, or replay the operations recorded when it was first painted."""
        if self._recording:
            stream.stream.extend(self._recording[0])
            return
        start = len(stream.stream)
        self._original.paint(stream, scale)
        self._recording.append(stream.stream[start:])


def _share_repeated(pages: list[Page]) -> tuple[list[Page], dict[int, int]]:
    """Wrap pages that occur several times; also map each repeat's index to its first's."""
    counts = Counter(id(page) for page in pages)
    recordings: dict[int, list[list[Any]]] = {}
    first_index: dict[int, int] = {}
    repeats: dict[int, int] = {}
    shared: list[Page] = []
    for index, page in enumerate(pages):
        if counts[id(page)] == 1:
            shared.append(page)
            continue
        first = id(page) not in recordings
        if first:
            first_index[id(page)] = index
        else:
            repeats[index] = first_index[id(page)]
        recording = recordings.setdefault(id(page), [])
        shared.append(_RepeatedPage(page, recording, first=first))
    return shared, repeats


def _point_repeats_at_first_contents(repeats: dict[int, int]) -> Callable[[Any, Any], None]:
    """A WeasyPrint finisher: repeated pages share the first occurrence's content stream.

    The replayed streams hold the same operations; pointing every repeat at the first one
    and emptying the copies saves compressing and storing the same page 30 times.
    """

    def finish(_document: Any, pdf: Any) -> None:
        page_numbers = pdf.pages["Kids"][::3]  # [number, 0, "R", number, 0, "R", ...]
        for index, first in repeats.items():
            page = pdf.objects[page_numbers[index]]
            original = pdf.objects[page_numbers[first]]
            duplicate = pdf.objects[int(page["Contents"].split()[0])]
            duplicate.stream = []
            page["Contents"] = original["Contents"]

    return finish


def write_pdf(documents: Sequence[Document]) -> bytes:
    """Write the pages of one or more rendered documents, in order, as one PDF.

    Metadata (title, dates) comes from the first document; fonts used on several
    documents' pages are embedded once; a document given several times (a shared
    workbook body) is painted once and its page contents stored once.
    """
    if not documents:
        raise ValueError("no documents to write")
    pages, repeats = _share_repeated([page for document in documents for page in document.pages])
    finisher = _point_repeats_at_first_contents(repeats) if repeats else None
    with _RENDER_LOCK:
        pdf = documents[0].copy(pages).write_pdf(finisher=finisher)
    assert pdf is not None  # no target given: WeasyPrint returns the bytes
    return pdf


def capture_parts(documents: Sequence[Document]) -> pdf_parts.Parts:
    """Build the PDF of some documents (fonts subset once) and keep it as parts.

    The parts write any of its pages as a PDF of their own (a certificate per person) or
    join parts made elsewhere (another process's share of a batch) into one file.
    """
    if not documents:
        raise ValueError("no documents to write")
    pages = [page for document in documents for page in document.pages]
    with _RENDER_LOCK:
        return pdf_parts.render_parts(documents[0].copy(pages))


def render_pdf(html: str, *, assets: Mapping[str, Asset] | None = None) -> bytes:
    """Render one HTML string to PDF bytes."""
    return write_pdf([render_document(html, assets=assets)])


def split_pages(document: Document, pages_per_part: int) -> list[Document]:
    """Cut a document into consecutive parts of ``pages_per_part`` pages each.

    One render of N similar one-page documents, split afterwards, is much cheaper than N
    renders (certificates use this).
    """
    if pages_per_part < 1:
        raise ValueError("pages_per_part must be at least 1")
    pages = document.pages
    return [
        document.copy(pages[start : start + pages_per_part])
        for start in range(0, len(pages), pages_per_part)
    ]
