"""The one PDF engine: Jinja2 templates from ``templates/pdf/`` laid out by WeasyPrint.

Everything a PDF may load goes through :class:`app.documents.pdf.fetcher.PdfFetcher`,
which serves only ``data:`` URLs, the app's ``static/`` files and the assets handed in by
the caller; nothing is ever fetched from the network or from elsewhere on disk. Parsed
CSS and the font configuration are built once per process and reused by every render.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration

from app.config import PROJECT_ROOT, get_settings
from app.documents.pdf import internals
from app.documents.pdf import parts as pdf_parts
from app.documents.pdf.fetcher import BASE_URL, Asset, PdfFetcher
from app.formatting import register_filters

# Bump when code (not a template) changes what a document looks like: with the hash of
# templates/pdf/ it is part of every stored file's inputs, so old files are not served.
TEMPLATE_VERSION = "pdf-templates-1"

TEMPLATES_DIR = PROJECT_ROOT / "templates" / "pdf"


@dataclass(frozen=True)
class Paper:
    """A paper size: its CSS name and its dimensions in millimetres (portrait)."""

    name: str
    width_mm: float
    height_mm: float


PAPERS = {"A4": Paper("A4", 210.0, 297.0), "Letter": Paper("Letter", 215.9, 279.4)}


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
    register_filters(env)
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


def write_pdf(documents: Sequence[Document]) -> bytes:
    """Write the pages of one or more rendered documents, in order, as one PDF.

    Metadata (title, dates) comes from the first document; fonts used on several
    documents' pages are embedded once; a document given several times (a shared
    workbook body) is painted once and its page contents stored once (with the internals;
    without them each copy is painted and stored).
    """
    if not documents:
        raise ValueError("no documents to write")
    pages = [page for document in documents for page in document.pages]
    finisher = None
    if get_settings().pdf_use_internals:
        pages, finisher = internals.share_repeated(pages)
    with _RENDER_LOCK:
        pdf: bytes | None = documents[0].copy(pages).write_pdf(finisher=finisher)
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
