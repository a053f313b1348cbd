"""Certificate PDFs: what they say, real glyphs for every script, the QR code, batches."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session

from app import formatting
from app.config import get_settings
from app.documents.certificates import render as certificate_render
from app.documents.certificates import service as certificates
from app.documents.certificates.render import render_batch, render_certificate
from app.documents.files import storage
from app.documents.models import Certificate
from tests.documents.cert_helpers import current_version, one_line, pdf_text
from tests.documents.glyphs import missing_characters, page_glyphs
from tests.documents.qr_decode import qr_codes_in_pdf, qr_text_in_pdf
from tests.factories import make_user

NAMES = {
    "Zoë Ødegård": "Noto-Sans",
    "Łukasz Żółć": "Noto-Sans",
    "Σωκράτης": "Noto-Sans",
    "Дмитрий": "Noto-Sans",
    "محمد": "Arabic",
    "李小龍": "CJK",
}


def _cert(db: Session, name: str = "Grace Hopper", **kwargs) -> Certificate:
    user = make_user(db, name=name)
    return certificates.issue_or_find(
        db,
        user=user,
        course_version=current_version(db),
        first_date=kwargs.pop("first_date", date(2026, 3, 9)),
        last_date=kwargs.pop("last_date", date(2026, 3, 11)),
        facilitator_names=kwargs.pop("facilitator_names", ["Ada Lovelace"]),
    )[0]


def test_the_pdf_states_everything(db: Session) -> None:
    cert = _cert(db)
    pdf = render_certificate(cert)
    (page,) = pdf_text(pdf)
    text = one_line(page)
    for expected in (
        "Grace Hopper",
        cert.course_title,
        f"Version {cert.course_version}",
        "5.5 credit hours",  # online study of the course (no session)
        "9–11 March 2026",
        "Facilitated by Ada Lovelace",
        f"Serial {cert.serial}",
        f"{get_settings().base_url}/verify/{cert.token}",
    ):
        assert expected in text, expected
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert box.width > box.height  # landscape


@pytest.mark.parametrize(
    ("first", "last", "text"),
    [
        (date(2026, 3, 14), date(2026, 3, 14), "14 March 2026"),
        (date(2026, 3, 9), date(2026, 3, 11), "9–11 March 2026"),
        (date(2026, 3, 30), date(2026, 4, 1), "30 March – 1 April 2026"),
        (date(2026, 12, 30), date(2027, 1, 2), "30 December 2026 – 2 January 2027"),
    ],
)
def test_date_ranges(first: date, last: date, text: str) -> None:
    assert formatting.date_range(first, last) == text


def test_paper_size_follows_the_setting(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    cert = _cert(db)
    sizes = {}
    for paper in ("A4", "Letter"):
        monkeypatch.setattr(get_settings(), "paper_size", paper)
        box = PdfReader(io.BytesIO(render_certificate(cert))).pages[0].mediabox
        sizes[paper] = (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4))
    assert sizes == {"A4": (297, 210), "Letter": (279, 216)}


@pytest.mark.parametrize("name", list(NAMES))
def test_international_names_render_with_real_glyphs(db: Session, name: str) -> None:
    cert = _cert(db, name=name)
    pdf = render_certificate(cert)
    lines = [unicodedata.normalize("NFC", line.strip()) for line in pdf_text(pdf)[0].splitlines()]
    assert name in lines  # the name comes back out as text, in logical order
    # Real glyphs: every character maps (through the embedded font's ToUnicode map) to a
    # glyph that exists in the embedded font program and has an outline; a missing-glyph
    # box would be glyph 0 or an empty glyph. And the face is the script's own Noto face.
    assert missing_characters(pdf, [0], [name]) == []
    faces = {ch: g.font for g in page_glyphs(pdf, [0]) if g.in_font and g.inked for ch in g.text}
    for char in name.replace(" ", ""):
        assert NAMES[name] in faces[char], (char, faces[char])


def test_qr_code_carries_the_verification_url(db: Session) -> None:
    cert = _cert(db)
    pdf = render_certificate(cert)
    # Decoded from the modules the page draws (format, mask, Reed-Solomon checked): the
    # code says exactly this URL.
    url = f"{get_settings().base_url}/verify/{cert.token}"
    assert qr_text_in_pdf(pdf) == url
    # Printed crisp: a one-bit image mask, one bit per module (37 + a 2-module quiet
    # zone each side), which viewers and printers never interpolate.
    (matrix,) = qr_codes_in_pdf(pdf)
    assert len(matrix) == 37
    (image,) = PdfReader(io.BytesIO(pdf)).pages[0].images
    assert image.image.size == (41, 41)


def test_a_revoked_certificate_says_so(db: Session) -> None:
    cert = _cert(db)
    certificates.revoke(db, cert, "Issued in error", acting=make_user(db))
    text = one_line(pdf_text(render_certificate(cert))[0])
    assert "Revoked on" in text and "Issued in error" in text


def test_batch_renders_one_page_per_certificate(db: Session) -> None:
    long_name = "Maximilian Alexander " * 9 + "von Hohenzollern-Sigmaringen"
    certs = [_cert(db, name=name) for name in [*NAMES, long_name[:200], "Jane Doe"]]
    pdf = render_batch(certs).combined  # one PDF with a page per certificate
    pages = pdf_text(pdf)
    assert len(pages) == len(certs)
    for index, (cert, page) in enumerate(zip(certs, pages, strict=True)):
        assert cert.serial in page
        assert cert.token in one_line(page).replace(" ", "")
        assert qr_text_in_pdf(pdf, index) == certificate_render.verification_url(cert.token)


def test_rendering_is_repeatable(db: Session) -> None:
    cert = _cert(db)
    assert render_certificate(cert) == render_certificate(cert)


def test_render_needs_certificates() -> None:
    with pytest.raises(ValueError):
        render_batch([])


def test_stored_file_is_reused_and_changes_with_its_inputs(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert = _cert(db)
    renders: list[str] = []
    real = certificate_render.render_certificate

    def counting(c: Certificate) -> bytes:
        renders.append(c.serial)
        return real(c)

    monkeypatch.setattr(certificate_render, "render_certificate", counting)
    first = certificate_render.certificate_file(cert)
    second = certificate_render.certificate_file(cert)
    assert first == second and len(renders) == 1
    assert first.parent == storage.documents_dir()
    cert.revoked_at = datetime(2026, 4, 1, tzinfo=UTC)
    cert.revoke_reason = "Issued in error"
    third = certificate_render.certificate_file(cert)
    assert third != first and len(renders) == 2
    assert "Issued in error" in one_line(pdf_text(third.read_bytes())[0])


def test_certificate_document_joins_a_larger_pdf(db: Session) -> None:
    from app.documents.pdf import engine

    certs = [_cert(db, name="Zoë Ødegård"), _cert(db, name="李小龍")]
    document = certificate_render.certificate_document(certs)
    assert len(document.pages) == 2
    pages = pdf_text(engine.write_pdf([document]))
    assert ["Zoë Ødegård" in pages[0], "李小龍" in pages[1]] == [True, True]


def _check_single(pdf: bytes, cert: Certificate) -> None:
    """A person's own file: one page, their name, serial and address, their QR code."""
    (page,) = pdf_text(pdf)
    lines = [unicodedata.normalize("NFC", line.strip()) for line in page.splitlines()]
    assert cert.holder_name in lines
    assert f"Serial {cert.serial}" in one_line(page)
    url = certificate_render.verification_url(cert.token)
    assert url in one_line(page) and qr_text_in_pdf(pdf) == url
    assert missing_characters(pdf, [0], [cert.holder_name]) == []


def test_batch_gives_each_person_their_own_correct_file(db: Session) -> None:
    certs = [_cert(db, name=name) for name in [*NAMES, "Jane Doe"]]
    batch = certificate_render.render_batch(certs)
    assert len(pdf_text(batch.combined)) == len(certs)
    assert len(batch.singles) == len(certs)
    for cert, single in zip(certs, batch.singles, strict=True):
        _check_single(single, cert)
        others = [c.serial for c in certs if c is not cert]
        assert not any(serial in pdf_text(single)[0] for serial in others)


def test_batch_shared_with_a_worker_process_gives_the_same_pages(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.documents.certificates import batch as certificate_batch

    certs = [_cert(db, name=name) for name in [*NAMES, "Jane Doe", "Ada Lovelace"]]
    here = certificate_render.render_batch(certs)
    monkeypatch.setattr(certificate_batch, "POOL_MIN", 2)
    monkeypatch.setattr(certificate_batch, "cores", lambda: 2)
    shared = certificate_render.render_batch(certs)
    assert certificate_batch._pool is not None  # the second half went to a worker
    assert pdf_text(shared.combined) == pdf_text(here.combined)
    for cert, single in zip(certs, shared.singles, strict=True):
        _check_single(single, cert)


def test_batch_path_stores_each_persons_file_for_their_download(db: Session) -> None:
    certs = [_cert(db, name=name) for name in ("Zoë Ødegård", "李小龍", "Grace Hopper")]
    combined = certificate_render.render_and_store(certs)
    assert len(pdf_text(combined)) == 3
    for cert in certs:
        stored = storage.lookup(certificate_render.inputs_hash(cert))
        assert stored is not None
        assert certificate_render.certificate_file(cert) == stored
        _check_single(stored.read_bytes(), cert)


def test_frames_are_shared_by_certificates_that_show_the_same_course(db: Session) -> None:
    same = [_cert(db, name=name) for name in ("Ada Lovelace", "Grace Hopper")]
    other = _cert(db, name="Alan Turing", facilitator_names=["Barbara Liskov"])
    pdf = render_batch([*same, other]).combined
    reader = PdfReader(io.BytesIO(pdf))
    forms = [
        {str(name) for name in (page["/Resources"].get("/XObject") or {})} for page in reader.pages
    ]
    # One form XObject per frame; each page draws its own group's frame.
    texts = pdf_text(pdf)
    assert "Facilitated by Ada Lovelace" in texts[0] and "Ada Lovelace" in texts[1]
    assert "Facilitated by Barbara Liskov" in texts[2]
    assert len(forms[0]) == 2  # the resources of this file name both frames


def _font_names(pdf: bytes) -> set[str]:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    found: set[str] = set()
    todo = [page["/Resources"]]
    while todo:
        resources = todo.pop().get_object()
        for font in (resources.get("/Font") or {}).values():
            found.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
        for xobject in (resources.get("/XObject") or {}).values():
            if "/Resources" in xobject.get_object():
                todo.append(xobject.get_object()["/Resources"])
    return found


def test_each_persons_file_embeds_only_the_fonts_its_page_uses(db: Session) -> None:
    certs = [_cert(db, name=name) for name in ("Grace Hopper", "李小龍", "محمد")]
    batch = certificate_render.render_batch(certs)
    latin, cjk, arabic = (_font_names(single) for single in batch.singles)
    assert not any("CJK" in f or "Arabic" in f for f in latin), latin
    assert any("CJK" in f for f in cjk) and not any("Arabic" in f for f in cjk), cjk
    assert any("Arabic" in f for f in arabic) and not any("CJK" in f for f in arabic), arabic
    # The batch file has them all, and each person's file is much smaller than it.
    assert {f for f in _font_names(batch.combined) if "CJK" in f or "Arabic" in f}
    assert len(batch.singles[0]) < len(batch.combined) / 2


def test_names_and_lines_flowing_onto_more_tall_pages_stay_with_their_certificate(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.documents.certificates import compose as certificate_compose

    # A tall page of 60 mm holds two or three people's parts: eight certificates need
    # several, and the lines block breaks between them.
    monkeypatch.setattr(certificate_compose, "VARIABLES_PAGE_MM", 60)
    certs = [_cert(db, name=f"Person {n} " + "Long" * (n % 3)) for n in range(8)]
    batch = certificate_render.render_batch(certs)
    pages = pdf_text(batch.combined)
    assert len(pages) == len(certs)
    for index, (cert, page) in enumerate(zip(certs, pages, strict=True)):
        assert cert.holder_name in page and cert.serial in page
        assert cert.token in one_line(page).replace(" ", "")
        assert qr_text_in_pdf(batch.combined, index).endswith(cert.token)
