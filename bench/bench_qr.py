"""QR codes and the PDF splitter: the in-house code against the libraries it stands in for.

``run()`` returns the printed lines:

- qr: the matrix of the QR code of 400 distinct verification URLs, made by
  ``app.documents.pdf.qr.qr_matrix`` (byte mode, level M, fixed mask, tables per version)
  against segno as the app would otherwise call it (its mask search) and with the same
  fixed mask; milliseconds per code (best of three rounds) and the speed-up.
- pdf_split: each person's own PDF of a batch of certificates, written from the captured
  objects (``Parts.write_single``, fonts subset once per batch) against WeasyPrint's
  public API writing each page again (``Document.copy([page]).write_pdf()``).

``BENCH_QR_N`` and ``BENCH_SPLIT_N`` set the counts for a quick run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence

QR_COUNT = int(os.environ.get("BENCH_QR_N", "400"))
SPLIT_COUNT = int(os.environ.get("BENCH_SPLIT_N", "60"))
ROUNDS = 3


def _urls(count: int) -> list[str]:
    # As certificates print them: the base URL, then a 22-character token.
    return [f"https://apex.example.org/verify/{n:022d}" for n in range(count)]


def _per_item_ms(make: Callable[[str], object], items: Sequence[str]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for item in items:
            make(item)
        best = min(best, time.perf_counter() - started)
    return 1000 * best / len(items)


def bench_qr() -> list[str]:
    """Milliseconds per QR code: in-house encoder, segno (mask search), segno (fixed mask)."""
    import segno

    from app.documents.pdf import qr

    urls = _urls(QR_COUNT)
    qr.qr_matrix(urls[0])  # the version's tables are built once per process

    def segno_search(url: str) -> object:
        return segno.make(url, error="m", micro=False, boost_error=False).matrix

    def segno_fixed(url: str) -> object:
        return segno.make(url, error="m", micro=False, boost_error=False, mask=qr.MASK).matrix

    ours = _per_item_ms(qr.qr_matrix, urls)
    search = _per_item_ms(segno_search, urls)
    fixed = _per_item_ms(segno_fixed, urls)
    return [
        f"qr: in-house {ours:.3f} ms/code; segno {search:.2f} ms/code ({search / ours:.0f}x), "
        f"segno with a fixed mask {fixed:.2f} ms/code ({fixed / ours:.0f}x); {len(urls)} URLs",
    ]


def bench_split() -> list[str]:
    """Milliseconds per person's PDF: written from captured parts, or by WeasyPrint again."""
    from app.documents.certificates.compose import CertificatePage, compose
    from app.documents.pdf import engine

    pages = [
        CertificatePage(
            serial=f"APX-2026-{n:05d}",
            holder_name=f"Person Number {n}",
            course_title="Relationship Management",
            course_version="3",
            credit_hours="14 credit hours",
            dates="2–3 March 2026",
            facilitators="Jo Bloggs",
            issued="4 March 2026",
            issued_iso="2026-03-04",
            verify_url=url,
            revoked="",
        )
        for n, url in enumerate(_urls(SPLIT_COUNT))
    ]
    document = compose(pages, engine.paper())
    started = time.perf_counter()
    parts = engine.capture_parts([document])
    capture = 1000 * (time.perf_counter() - started)
    started = time.perf_counter()
    singles = [parts.write_single(i, info={"Title": "x"}) for i in range(len(pages))]
    split = 1000 * (time.perf_counter() - started) / len(pages)
    started = time.perf_counter()
    again = [document.copy([page]).write_pdf() for page in document.pages]
    public = 1000 * (time.perf_counter() - started) / len(pages)
    size = sum(map(len, singles)) / len(singles) / 1024
    public_size = sum(map(len, again)) / len(again) / 1024
    return [
        f"pdf_split: capture {capture:.0f} ms for the batch (its combined PDF), then "
        f"{split:.2f} ms/person from parts ({size:.0f} KiB each); {public:.1f} ms/person "
        f"by WeasyPrint again ({public_size:.0f} KiB each), {public / split:.0f}x per person; "
        f"{len(pages)} certificates",
    ]


def run() -> list[str]:
    """Run both benchmarks; returns the lines to print."""
    return [*bench_qr(), *bench_split()]


if __name__ == "__main__":
    print("\n".join(run()))
