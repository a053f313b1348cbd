"""Certificate pages composed from shared frames and per-person parts.

WeasyPrint spends ~10 ms laying out a page however little it holds, and ~30 ms on a
certificate page, so a batch laid out page by page costs that much per person. Here a
batch is laid out as one document with a *frame* page per group of certificates that
show the same course, version, dates, facilitators and revocation (a session's batch is
one group) and one tall page with what differs per person: the holder's name and the
serial and verification lines (``templates/pdf/certificate.html``). Each certificate
page is then assembled from boxes WeasyPrint has already laid out:

- the frame, painted once per PDF into a form XObject that every page of the group draws;
- the person's name and lines, moved (``Box.translate``) into the frame's slots;
- the QR code, drawn into the QR slot as a one-bit image mask (one bit per module, so it
  prints as crisp as the code itself and costs ~200 bytes).

The result is an ordinary :class:`weasyprint.Document`: it joins a print pack, is written
with :func:`app.documents.pdf.engine.write_pdf`, and its text (name, serial, address) is real
text with embedded fonts, as before.

This leans on WeasyPrint's box API (``descendants``, ``copy_with_children``,
``translate``), on ``Page`` and on the stream's XObject resources, all reached through
:mod:`app.documents.pdf.internals`; with ``APEX_PDF_USE_INTERNALS=false`` each
certificate is laid out as a whole page instead (slower, the same pages). WeasyPrint is
pinned to the minor version this was written for, and
tests/documents/certificates/test_certificates_pdf.py checks what each page shows, its
glyphs and its QR code, so a change there fails the tests rather than the certificates.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from weasyprint import Document, Page

from app.config import get_settings
from app.documents.pdf import engine, internals, qr
from app.documents.pdf.engine import Paper

# Part of every stored certificate's inputs: bump when this code changes how a page looks.
DESIGN_VERSION = "composed-2"  # 2: says how it was earned
TEMPLATE = "certificate.html"
STYLESHEET = engine.TEMPLATES_DIR / "certificate.css"
FRAME_MARGIN_MM = 10  # the @page margin in certificate.css, top and bottom
VARIABLES_PAGE_MM = 6000  # the tall page's height: ~250 people's parts; more flow on
LONG, LONGER = 36, 80  # name widths (CJK characters count twice) for 20pt and 14pt


@dataclass(frozen=True)
class CertificatePage:
    """What one certificate page shows, as display strings (also the cache key's input).

    Plain data, so pages can be rendered outside the database transaction or in another
    process.
    """

    serial: str
    holder_name: str
    course_title: str
    course_version: str
    credit_hours: str
    dates: str
    earned: str  # "attended, 26 February 2027, APEX Training Centre" or "completed online, …"
    facilitators: str
    issued: str
    issued_iso: str
    verify_url: str
    revoked: str

    def frame_key(self) -> tuple[str, ...]:
        """What the frame shows: certificates with the same key share one frame."""
        return (
            self.course_title,
            self.course_version,
            self.credit_hours,
            self.dates,
            self.earned,
            self.facilitators,
            self.revoked,
        )


def name_size(name: str) -> str:
    """The CSS class sizing a holder's name so it fits its slot (wide characters count 2)."""
    width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in name)
    if width > LONGER:
        return "longer"
    return "long" if width > LONG else ""


def stylesheet_source(paper: Paper) -> str:
    """The certificate CSS for a paper size (one source string per size, parsed once)."""
    # Landscape: the page is as tall as the paper is wide. The frame fills the page box.
    frame_height = paper.width_mm - 2 * FRAME_MARGIN_MM
    return (
        f"@page {{ size: {paper.name} landscape; }}\n"
        f"@page variables {{ size: {paper.height_mm}mm {VARIABLES_PAGE_MM}mm; }}\n"
        f".certificate {{ height: {frame_height}mm; }}\n" + _certificate_css()
    )


@lru_cache(maxsize=1)
def _certificate_css() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


def certificate_html(
    pages: Sequence[CertificatePage], paper: Paper, *, composed: bool = True
) -> str:
    """The HTML laid out for a batch: one frame page per group, then the per-person parts.

    Not ``composed``: a whole page per certificate, for WeasyPrint's public API alone.
    """
    frames: dict[tuple[str, ...], CertificatePage] = {}
    for page in pages:
        frames.setdefault(page.frame_key(), page)
    views = [{**asdict(page), "size": name_size(page.holder_name)} for page in pages]
    if not composed:
        for view, page in zip(views, pages, strict=True):
            view["qr"] = qr_svg_url(page.verify_url)
    title = f"Certificate {pages[0].serial}" if len(pages) == 1 else "Certificates"
    # The newest issue date stands for the file's creation date, so rendering the same
    # certificates twice gives the same bytes.
    created = max(page.issued_iso for page in pages)
    context = {
        "frames": list(frames.values()),
        "certificates": views,
        "title": title,
        "created": created,
        "paper": paper,
        "composed": composed,
    }
    return engine.render_template(TEMPLATE, context)


def qr_image(url: str) -> bytes:
    """The QR code of ``url`` as a PDF inline image mask, quiet zone included.

    One bit per module, 1 painted with the fill colour (``/D [1 0]``); hex-encoded so no
    reader can mistake a byte of the image for the end-of-image marker.
    """
    rows = qr.qr_matrix(url)
    size = len(rows) + 2 * qr.BORDER
    blank = "0" * qr.BORDER
    width_bytes = (size + 7) // 8
    pad = "0" * (8 * width_bytes - size)
    lines = ["0" * size] * qr.BORDER + [blank + row + blank for row in rows]
    lines += ["0" * size] * qr.BORDER
    data = b"".join(int(line + pad, 2).to_bytes(width_bytes, "big") for line in lines)
    header = f"BI /W {size} /H {size} /BPC 1 /IM true /D [1 0] /F /AHx ID ".encode("ascii")
    return header + data.hex().encode("ascii") + b">\nEI"


def qr_svg_url(url: str) -> str:
    """The QR code of ``url`` as an SVG ``data:`` URL, quiet zone included."""
    rows = qr.qr_matrix(url)
    size = len(rows) + 2 * qr.BORDER
    runs = "".join(
        f"M{qr.BORDER + run.start()} {qr.BORDER + y}h{len(run.group())}v1h-{len(run.group())}z"
        for y, row in enumerate(rows)
        for run in re.finditer("1+", row)
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges"><path d="{runs}"/></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def _slots(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for box in internals.boxes(page):
        element = getattr(box, "element", None)
        slot = element.get("data-slot") if element is not None else None
        if slot and slot not in found:
            found[slot] = box  # the element's principal box comes first
    if set(found) != {"holder", "qr", "lines"}:
        raise RuntimeError(f"certificate frame without its slots: found {sorted(found)}")
    return found


def _parts(pages: Sequence[Page]) -> tuple[list[Any], list[Any], list[Any]]:
    """The holders' boxes, the serial/verification line boxes and their block(s), in order."""
    holders: list[Any] = []
    lines: list[Any] = []
    blocks: list[Any] = []
    seen: set[int] = set()
    for page in pages:
        for box in internals.boxes(page):
            element = getattr(box, "element", None)
            if element is None or type(box).__name__ != "BlockBox":
                continue
            classes = (element.get("class") or "").split()
            if element.tag == "p" and "holder" in classes and id(element) not in seen:
                seen.add(id(element))
                holders.append(box)
            elif element.tag == "pre" and "lines" in classes:
                # The block may continue on the next tall page: collect every fragment.
                lines.extend(box.children)
                blocks.extend([box] * len(box.children))
    return holders, lines, blocks


def compose(pages: Sequence[CertificatePage], paper: Paper) -> Document:
    """Lay out a batch of certificates and compose its pages (not yet written)."""
    if not pages:
        raise ValueError("no certificates to render")
    if not get_settings().pdf_use_internals:
        # Public API only: a page laid out per certificate (~30 ms each instead of ~1 ms).
        html = certificate_html(pages, paper, composed=False)
        return engine.render_document(html, stylesheets=[stylesheet_source(paper)])
    html = certificate_html(pages, paper)
    document = engine.render_document(html, stylesheets=[stylesheet_source(paper)])
    frame_keys = list(dict.fromkeys(page.frame_key() for page in pages))
    frame_pages = document.pages[: len(frame_keys)]
    holders, lines, blocks = _parts(document.pages[len(frame_keys) :])
    if len(holders) != len(pages) or len(lines) != 2 * len(pages):
        raise RuntimeError(
            f"certificate parts out of step: {len(holders)} names and {len(lines)} lines "
            f"for {len(pages)} certificates"
        )
    frames = {
        key: (internals.SharedFrame(page), _slots(page))
        for key, page in zip(frame_keys, frame_pages, strict=True)
    }
    composed: list[Page] = []
    for index, page in enumerate(pages):
        frame, slots = frames[page.frame_key()]
        holder, slot = holders[index], slots["holder"]
        # Centred in its slot; a name too tall for it (which the sizes avoid) overflows
        # evenly above and below rather than onto the lines under it alone.
        holder.translate(
            slot.content_box_x() - holder.content_box_x(),
            slot.content_box_y() + (slot.height - holder.margin_height()) / 2 - holder.position_y,
        )
        first, second = lines[2 * index], lines[2 * index + 1]
        block, slot = blocks[2 * index], slots["lines"]
        dx = slot.content_box_x() - block.content_box_x()
        # One under the other (they may come from two fragments of the block when the
        # tall page overflowed), carried by a copy of the block, which paints nothing.
        top = slot.content_box_y()
        first.translate(dx, top - first.position_y)
        second.translate(dx, top + first.height - second.position_y)
        carrier = block.copy_with_children([first, second])
        overlay = internals.page_with(frame.page, [holder, carrier])
        qr_code = qr_image(page.verify_url)
        composed.append(internals.ComposedPage(frame, overlay, slots["qr"], qr_code))
    return document.copy(composed)
