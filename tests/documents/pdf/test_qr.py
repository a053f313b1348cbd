"""QR codes of verification URLs: the fast encoder says exactly its text (checked by decoding)."""

from __future__ import annotations

import random
import secrets

import pytest
import segno

from app.documents.certificates.compose import qr_image
from app.documents.pdf import qr
from tests.documents.qr_decode import QRError, decode, qr_codes_in_pdf

ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/:."


def _rows(matrix: list[str]) -> list[list[int]]:
    return [[int(module) for module in row] for row in matrix]


@pytest.mark.parametrize("mask", range(8))
def test_the_decoder_reads_segno_codes(mask: int) -> None:
    # The decoder is checked against an outside encoder before it checks ours.
    rng = random.Random(mask)
    for length in (1, 20, 45, 80, 100, 140, 170, 210):
        text = "".join(rng.choice(ALPHABET) for _ in range(length)).lower()
        code = segno.make(text, error="m", micro=False, boost_error=False, mask=mask, mode="byte")
        assert decode([list(row) for row in code.matrix]) == text


@pytest.mark.parametrize("mask", range(8))
def test_fast_codes_decode_to_their_text_in_every_version(mask: int) -> None:
    rng = random.Random(100 + mask)
    versions = set()
    for length in [*range(1, 215, 7), 213]:
        text = "".join(rng.choice(ALPHABET) for _ in range(length))
        matrix = qr.qr_matrix(text, mask=mask)
        versions.add((len(matrix) - 17) // 4)
        assert decode(_rows(matrix)) == text
        # The same version, size and function patterns as segno's code for the text.
        reference = segno.make(text, error="m", micro=False, boost_error=False, mask=mask)
        assert len(matrix) == len(reference.matrix)
        assert matrix[:7][0][:7] == "1111111" and matrix[6] == "".join(
            str(m) for m in reference.matrix[6]
        )
    assert versions == set(range(1, 11))


def test_verification_urls_use_the_fixed_mask_and_version_5() -> None:
    url = f"https://apex.example.com/verify/{secrets.token_urlsafe(32)}"
    matrix = qr.qr_matrix(url)
    assert len(matrix) == 37 and decode(_rows(matrix)) == url
    # The format information says mask 6 and level M, as segno writes it for that mask.
    reference = segno.make(url, error="m", micro=False, boost_error=False, mask=qr.MASK)
    assert matrix[8][:9] == "".join(str(m) for m in reference.matrix[8][:9])


def test_longer_texts_fall_back_to_segno() -> None:
    text = "https://apex.example.com/" + "x" * 300
    matrix = qr.qr_matrix(text)
    reference = segno.make(text, error="m", micro=False, boost_error=False, mask=qr.MASK)
    assert matrix == ["".join(str(m) for m in row) for row in reference.matrix]


def test_a_damaged_code_is_refused() -> None:
    rows = _rows(qr.qr_matrix("https://apex.example.com/verify/abc"))
    rows[-1][-1] ^= 1  # the first data module flipped: the syndromes are no longer zero
    with pytest.raises(QRError):
        decode(rows)


def test_the_pdf_image_is_the_code_with_its_quiet_zone() -> None:
    url = f"https://apex.example.com/verify/{secrets.token_urlsafe(32)}"
    content = b"q 1 0 0 1 0 0 cm 0 g " + qr_image(url) + b" Q"
    pdf = _one_page_pdf(content)
    (matrix,) = qr_codes_in_pdf(pdf)
    assert decode(matrix) == url
    assert b"/W 41 /H 41" in qr_image(url)  # 37 modules and a 2-module quiet zone each side


def _one_page_pdf(content: bytes) -> bytes:
    objects = [
        b"<</Type /Catalog /Pages 2 0 R>>",
        b"<</Type /Pages /Kids [3 0 R] /Count 1>>",
        b"<</Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] /Contents 4 0 R>>",
        b"<</Length %d>>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<</Size 5 /Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
