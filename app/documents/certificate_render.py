"""Certificate PDFs: one page per certificate, many certificates in one WeasyPrint pass.

Rendering goes through the shared engine (app/documents/engine.py): its fetcher serves
only ``data:`` URLs and the app's own files (the QR code is a PNG data URL), and the
parsed stylesheet and font configuration are reused by every render in the process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import segno
from weasyprint import Document

from app.config import get_settings
from app.documents import engine, storage
from app.documents.models import Certificate

TEMPLATE = "certificate.html"
STYLESHEET = engine.TEMPLATES_DIR / "certificate.css"
QR_BORDER = 2  # quiet zone in modules; the white page around the code adds the rest


@dataclass(frozen=True)
class CertificatePage:
    """What one certificate page shows, as display strings (also the cache key's input).

    Plain data, so pages can be rendered outside the database transaction.
    """

    serial: str
    holder_name: str
    course_title: str
    course_version: str
    credit_hours: str
    dates: str
    facilitators: str
    issued: str
    issued_iso: str
    verify_url: str
    revoked: str


def verification_url(token: str) -> str:
    """The public address that verifies a certificate (printed and in the QR code)."""
    return f"{get_settings().base_url.rstrip('/')}/verify/{token}"


def long_date(value: date) -> str:
    """14 March 2026."""
    return f"{value.day} {value:%B %Y}"


def date_range(first: date, last: date) -> str:
    """14 March 2026; 9–11 March 2026; 30 March – 1 April 2026; across years in full."""
    if first == last:
        return long_date(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:%B %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%B} – {long_date(last)}"
    return f"{long_date(first)} – {long_date(last)}"


def credit_hours_text(hours: float) -> str:
    """6.5 credit hours; 1 credit hour."""
    return f"{hours:g} credit hour{'' if hours == 1 else 's'}"


def page_for(cert: Certificate) -> CertificatePage:
    """The display strings of one certificate, from its frozen columns."""
    revoked = ""
    if cert.revoked_at is not None:
        revoked = f"{long_date(cert.revoked_at.date())}: {cert.revoke_reason}"
    return CertificatePage(
        serial=cert.serial,
        holder_name=cert.holder_name,
        course_title=cert.course_title,
        course_version=cert.course_version,
        credit_hours=credit_hours_text(cert.credit_hours),
        dates=date_range(cert.first_date, cert.last_date),
        facilitators=cert.facilitator_names,
        issued=long_date(cert.issued_at.date()),
        issued_iso=cert.issued_at.date().isoformat(),
        verify_url=verification_url(cert.token),
        revoked=revoked,
    )


def qr_code(url: str) -> segno.QRCode:
    """The QR code of a verification URL (error correction M survives a crease or stain)."""
    return segno.make(url, error="m", micro=False, boost_error=False)


def qr_data_uri(url: str) -> str:
    """The QR code as a PNG data URI, one pixel per module (scaled crisply by the CSS).

    A bitmap rather than SVG: WeasyPrint draws an SVG path in Python at ~40 ms per code,
    more than the rest of a batch page; the PNG decodes in well under a millisecond and
    prints exactly as sharp (the stylesheet turns interpolation off).
    """
    return qr_code(url).png_data_uri(scale=1, border=QR_BORDER)


def certificate_html(pages: Sequence[CertificatePage], qr_uris: Sequence[str]) -> str:
    """The HTML of a document with one page per certificate."""
    views = [{**asdict(page), "qr_png": uri} for page, uri in zip(pages, qr_uris, strict=True)]
    title = f"Certificate {pages[0].serial}" if len(pages) == 1 else "Certificates"
    # The newest issue date stands for the file's creation date, so rendering the same
    # certificates twice gives the same bytes.
    created = max(page.issued_iso for page in pages)
    context = {"certificates": views, "title": title, "created": created}
    return engine.render_template(TEMPLATE, context)


def _stylesheet_source() -> str:
    # One source string per paper size: the engine parses each distinct source once.
    return f"@page {{ size: {engine.paper().name} landscape; }}\n" + _certificate_css()


@lru_cache(maxsize=1)
def _certificate_css() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


def pages_document(pages: Sequence[CertificatePage]) -> Document:
    """Lay out certificate pages (not yet written) in a single WeasyPrint pass."""
    if not pages:
        raise ValueError("no certificates to render")
    html = certificate_html(pages, [qr_data_uri(page.verify_url) for page in pages])
    return engine.render_document(html, stylesheets=[_stylesheet_source()])


def certificate_document(certs: Sequence[Certificate]) -> Document:
    """Certificates laid out as pages, one each, to join a larger PDF (print packs)."""
    return pages_document([page_for(cert) for cert in certs])


def render_pages(pages: Sequence[CertificatePage]) -> bytes:
    """One PDF, one page per certificate page, laid out in a single WeasyPrint pass."""
    return engine.write_pdf([pages_document(pages)])


def render_certificates(certs: Sequence[Certificate]) -> bytes:
    """One PDF with a page per certificate (the batch path: one WeasyPrint pass)."""
    return render_pages([page_for(cert) for cert in certs])


def render_certificate(cert: Certificate) -> bytes:
    """The PDF of one certificate."""
    return render_pages([page_for(cert)])


@lru_cache(maxsize=1)
def _design_hash() -> str:
    # The template and stylesheet are inputs too: a new design names new files. (Both
    # are read once per process, like the parsed stylesheet itself.)
    digest = hashlib.sha256()
    for path in (engine.TEMPLATES_DIR / TEMPLATE, STYLESHEET):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def inputs_hash(cert: Certificate) -> str:
    """The hash naming a certificate's stored PDF: everything it shows (revocation
    included), the design, the paper and the engine's template version."""
    page = asdict(page_for(cert))
    return storage.inputs_hash({"kind": "certificate", "page": page, "design": _design_hash()})


def certificate_file(cert: Certificate) -> Path:
    """The stored PDF of a certificate, rendered and stored first when its inputs are new."""
    digest = inputs_hash(cert)
    return storage.lookup(digest) or storage.store(digest, render_certificate(cert))
