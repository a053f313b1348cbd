"""Rendering a batch of certificates: one PDF with them all and a file per person, on every core.

The batch is cut into one share per CPU core; this process renders the first share and a
small pool of worker processes the others. Each share is laid out once and composed
(:mod:`app.documents.certificates.compose`), written with its fonts subset once, and
split into each person's own PDF, which the same process stores when asked to
(:mod:`app.documents.pdf.parts`). The shares come back as parts, from which the combined
PDF is written without rendering anything again.

Workers start from a fork server (a clean process, never a fork of a web process with
threads) and stay up for the next batch, each with its fonts and parsed CSS. They get
everything they need in the call (the pages as display strings, the paper size, where to
store each file) and read no settings, so a worker always renders exactly what this
process would. Small batches (a single download) render here: a second process would
cost more than it saves. When the pool cannot run (no fork server on this system, a
worker killed), the batch is rendered here, only slower.
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
from pathlib import Path
from typing import TypeVar

import weasyprint

from app.config import get_settings
from app.documents.certificates.compose import CertificatePage, compose
from app.documents.files import storage
from app.documents.pdf import engine
from app.documents.pdf import parts as pdf_parts
from app.documents.pdf.engine import Paper

log = logging.getLogger(__name__)

T = TypeVar("T")
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


@dataclass(frozen=True)
class _Share:
    """What one process made of its share: its pages as parts, and each page's own PDF."""

    parts: pdf_parts.Parts
    singles: tuple[bytes, ...]


def render_share(
    paper_name: str, pages: Sequence[CertificatePage], targets: Sequence[Path | None]
) -> _Share:
    """Lay out and compose some certificates, write them, store each one's file (any process).

    ``targets`` gives, per page, where to store its own PDF (None: do not store), so the
    files are written by the process that made them.
    """
    document = compose(pages, engine.PAPERS[paper_name])
    parts = engine.capture_parts([document])
    singles = tuple(
        parts.write_single(index, info=_info(f"Certificate {page.serial}", page.issued_iso))
        for index, page in enumerate(pages)
    )
    for single, target in zip(singles, targets, strict=True):
        if target is not None:
            storage.write_atomically(target, single)
    return _Share(parts, singles)


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


def _split(items: Sequence[T], count: int) -> list[Sequence[T]]:
    size = -(-len(items) // count)
    return [items[start : start + size] for start in range(0, len(items), size)]


def _render_shares(
    pages: Sequence[CertificatePage], paper: Paper, targets: Sequence[Path | None]
) -> list[_Share]:
    count = cores()
    if len(pages) < POOL_MIN or count < 2:
        return [render_share(paper.name, pages, targets)]
    shares = list(zip(_split(pages, count), _split(targets, count), strict=True))
    pool = _worker_pool(len(shares) - 1)
    if pool is None:
        return [render_share(paper.name, pages, targets)]
    futures: list[Future[_Share]] = []
    try:
        futures = [pool.submit(render_share, paper.name, *share) for share in shares[1:]]
        # This process renders the first share while the workers render the others.
        first = render_share(paper.name, *shares[0])
        return [first, *(future.result() for future in futures)]
    except (BrokenProcessPool, OSError) as exc:
        # A dead worker, or a pool that could not start one, must not fail the batch:
        # render it here, and start a fresh pool next time. (An error in the rendering
        # itself is raised as it is, from whichever process met it.)
        log.warning("certificate workers failed (%s); rendering the batch here", exc)
        for future in futures:
            future.cancel()
        _drop_pool()
        return [render_share(paper.name, pages, targets)]


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


def render_batch(
    pages: Sequence[CertificatePage],
    paper: Paper,
    *,
    targets: Sequence[Path | None] | None = None,
) -> RenderedBatch:
    """All certificates in one PDF (a page each, in order) and each one as its own PDF.

    ``targets`` gives, per page, the path to store its own PDF at (None: not stored).
    Each person's file embeds only the fonts its page uses, subset for its share of the
    batch: it may carry glyphs (never the text) of other names in the same script.
    """
    if not pages:
        raise ValueError("no certificates to render")
    if not get_settings().pdf_use_internals:
        return _render_public(pages, paper, targets or [None] * len(pages))
    shares = _render_shares(pages, paper, targets or [None] * len(pages))
    created = max(page.issued_iso for page in pages)
    title = f"Certificate {pages[0].serial}" if len(pages) == 1 else "Certificates"
    everything = [(share.parts, range(len(share.parts.pages))) for share in shares]
    combined = pdf_parts.write_pdf(everything, info=_info(title, created))
    singles = tuple(single for share in shares for single in share.singles)
    return RenderedBatch(combined, singles)


def _render_public(
    pages: Sequence[CertificatePage], paper: Paper, targets: Sequence[Path | None]
) -> RenderedBatch:
    """The batch with WeasyPrint's public API only: one process, each page written again."""
    document = compose(pages, paper)
    singles = tuple(engine.write_pdf([document.copy([page])]) for page in document.pages)
    for single, target in zip(singles, targets, strict=True):
        if target is not None:
            storage.write_atomically(target, single)
    return RenderedBatch(engine.write_pdf([document]), singles)
