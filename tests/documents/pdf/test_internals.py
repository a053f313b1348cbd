"""With and without WeasyPrint's internals (APEX_PDF_USE_INTERNALS) PDFs show the same pages.

The internals (app/documents/pdf/internals.py) only make PDFs faster: repeated pages
painted once, certificates composed from a shared frame, a batch split into each
person's file. The public-API path must give the same pages: as many, each of the same
size and showing the same text. The text is compared line by line as a sorted list,
since a composed page draws the frame before the name, so a reader extracts the lines
in another order.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from app.config import get_settings
from app.documents.certificates.batch import RenderedBatch, render_batch
from app.documents.certificates.compose import CertificatePage
from app.documents.pdf import engine

PEOPLE = ["Ada Lovelace", "Grace Hopper", "Zoë Łukasiewicz-Ng", "Νίκος Παπαδόπουλος"]


def _pages(pdf: bytes) -> list[tuple[tuple[float, float], list[str]]]:
    """Each page's size (points) and its text lines, sorted."""
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        size = (round(float(page.mediabox.width), 1), round(float(page.mediabox.height), 1))
        lines = sorted(" ".join(line.split()) for line in (page.extract_text() or "").splitlines())
        found.append((size, [line for line in lines if line]))
    return found


def _certificate(index: int, name: str) -> CertificatePage:
    return CertificatePage(
        serial=f"APX-2026-{index:05d}",
        holder_name=name,
        course_title="Relationship Management",
        course_version="3",
        credit_hours="14 credit hours",
        dates="2–3 March 2026",
        earned="attended, 2–3 March 2026, Harbour Room",
        facilitators="Jo Bloggs",
        issued="4 March 2026",
        issued_iso="2026-03-04",
        verify_url=f"http://testserver/verify/token-{index}",
        revoked="",
    )


def _both(monkeypatch: pytest.MonkeyPatch, make: object) -> tuple[object, object]:
    assert callable(make)
    monkeypatch.setattr(get_settings(), "pdf_use_internals", True)
    fast = make()
    monkeypatch.setattr(get_settings(), "pdf_use_internals", False)
    public = make()
    return fast, public


def test_repeated_pages_are_the_same_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    cover = engine.render_document("<h1>Cover for Ada</h1>")
    other = engine.render_document("<h1>Cover for Grace</h1>")
    body = engine.render_document("<p>Module one</p><p style='break-before: page'>Two</p>")

    def make() -> bytes:
        return engine.write_pdf([cover, body, other, body])

    fast, public = _both(monkeypatch, make)
    assert isinstance(fast, bytes) and isinstance(public, bytes)
    assert len(_pages(fast)) == 6
    assert _pages(fast) == _pages(public)


def test_certificate_batch_is_the_same_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    certificates = [_certificate(i, name) for i, name in enumerate(PEOPLE, start=1)]

    def make() -> RenderedBatch:
        return render_batch(certificates, engine.paper())

    fast, public = _both(monkeypatch, make)
    assert isinstance(fast, RenderedBatch) and isinstance(public, RenderedBatch)
    assert len(_pages(fast.combined)) == len(PEOPLE)
    assert _pages(fast.combined) == _pages(public.combined)
    assert len(fast.singles) == len(public.singles) == len(PEOPLE)
    for mine, theirs in zip(fast.singles, public.singles, strict=True):
        assert _pages(mine) == _pages(theirs)
    assert any("Ada Lovelace" in line for line in _pages(public.singles[0])[0][1])
