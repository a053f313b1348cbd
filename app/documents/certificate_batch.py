"""Rendering a batch of certificates: one PDF with them all and a file per person, on every core.

The batch is cut into one share per CPU core; this process renders the first share and a
small pool of worker processes the others (each share: one layout, composed pages, fonts
subset once; see :mod:`app.documents.certificate_compose`). The shares come back as
:class:`~app.documents.pdf_parts.Parts`, from which the combined PDF and every person's
own PDF are written without rendering anything again.

Workers start from a fork server (a clean process, never a fork of a web process with
threads) and stay up for the next batch, each with its fonts and parsed CSS. They get
everything they need in the call (the pages as display strings, the paper size) and
read no settings, so a worker always renders exactly what this process would. Small
batches (a single download) render here: a second process would cost more than it saves.
When the pool cannot run (no fork server on this system, a worker killed), the batch is
rendered here, only slower.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import weasyprint

from app.documents import engine, pdf_parts
from app.documents.certificate_compose import CertificatePage, compose
from app.documents.engine import Paper

log = logging.getLogger(__name__)

POOL_MIN = 40  # certificates from which a batch is shared with worker processes
_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


@dataclass(frozen=True)
class RenderedBatch:
    """A batch's PDFs: all certificates in one file, and each certificate's own file."""

    combined: bytes
    singles: tuple[bytes, ...]


def cores() -> int:
    """The CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def render_share(paper_name: str, pages: Sequence[CertificatePage]) -> pdf_parts.Parts:
    """Lay out and compose some certificates, then build their PDF as parts (any process)."""
    document = compose(pages, engine.PAPERS[paper_name])
    return engine.capture_parts([document])


def _worker_pool(workers: int) -> ProcessPoolExecutor | None:
    global _pool
    with _pool_lock:
        if _pool is None:
            try:
                context = multiprocessing.get_context("forkserver")
                # Workers fork from a server that has already imported WeasyPrint.
                context.set_forkserver_preload([__name__])
                _pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
            except (ValueError, OSError) as exc:  # no fork server on this platform
                log.warning("certificates render in one process: %s", exc)
                return None
        return _pool


def _drop_pool() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None


atexit.register(_drop_pool)


def _shares(pages: Sequence[CertificatePage], count: int) -> list[Sequence[CertificatePage]]:
    size = -(-len(pages) // count)
    return [pages[start : start + size] for start in range(0, len(pages), size)]


def _render_parts(pages: Sequence[CertificatePage], paper: Paper) -> list[pdf_parts.Parts]:
    count = cores()
    if len(pages) < POOL_MIN or count < 2:
        return [render_share(paper.name, pages)]
    shares = _shares(pages, count)
    pool = _worker_pool(len(shares) - 1)
    if pool is None:
        return [render_share(paper.name, pages)]
    futures: list[Future[pdf_parts.Parts]] = []
    try:
        futures = [pool.submit(render_share, paper.name, share) for share in shares[1:]]
        # This process renders the first share while the workers render the others.
        first = render_share(paper.name, shares[0])
        return [first, *(future.result() for future in futures)]
    except (BrokenProcessPool, OSError) as exc:
        # A dead worker, or a pool that could not start one, must not fail the batch:
        # render it here, and start a fresh pool next time. (An error in the rendering
        # itself is raised as it is, from whichever process met it.)
        log.warning("certificate workers failed (%s); rendering the batch here", exc)
        for future in futures:
            future.cancel()
        _drop_pool()
        return [render_share(paper.name, pages)]


def _info(title: str, created: str) -> dict[str, str]:
    # As WeasyPrint writes them, with the creation date taken from the inputs, so the
    # same certificates always give the same bytes.
    stamp = "D:" + created.replace("-", "")
    return {
        "Producer": f"WeasyPrint {weasyprint.__version__}",
        "Title": title,
        "Author": "APEX",
        "Creator": "APEX",
        "CreationDate": stamp,
        "ModDate": stamp,
    }


def render_batch(pages: Sequence[CertificatePage], paper: Paper) -> RenderedBatch:
    """All certificates in one PDF (a page each, in order) and each one as its own PDF.

    Each person's file shares the batch's embedded font subsets: it carries the glyphs
    (not the text) of other names in the batch, as any page split from a combined PDF does.
    """
    if not pages:
        raise ValueError("no certificates to render")
    parts = _render_parts(pages, paper)
    created = max(page.issued_iso for page in pages)
    title = f"Certificate {pages[0].serial}" if len(pages) == 1 else "Certificates"
    everything = [(share, range(len(share.pages))) for share in parts]
    combined = pdf_parts.write_pdf(everything, info=_info(title, created))
    if len(pages) == 1:
        return RenderedBatch(combined, (combined,))
    located = [(share, index) for share in parts for index in range(len(share.pages))]
    singles = tuple(
        pdf_parts.write_pdf(
            [(share, [index])], info=_info(f"Certificate {page.serial}", page.issued_iso)
        )
        for page, (share, index) in zip(pages, located, strict=True)
    )
    return RenderedBatch(combined, singles)
