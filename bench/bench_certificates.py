"""Certificate benchmarks: the batch path against single renders, and its memory.

``run()`` returns the printed lines:

- certificates_batch: 200 certificates, each rendered on its own with a fresh WeasyPrint
  call (new font configuration, the certificate stylesheet parsed again, one HTML page
  with the QR code as a PNG made by segno with the same fixed mask), against the app's
  batch path, ``certificate_render.render_and_store``: what the session "Certificates"
  document and ``apex documents certificates`` run. It lays the batch out once per CPU
  core's share (this process and a worker process), composes the pages, writes the
  combined PDF and each person's own PDF, and stores the 200 files. The pool of workers
  is started by a warm-up batch first, as it is by the app's first batch; the cold
  batch's time is printed too. Also: the batch's peak memory in this process and in the
  worker processes.
- certificate_cached: see bench_certificate_cached.py (over HTTP, with uvicorn).

Everything runs in a scratch folder (its own SQLite database and var/ directory).
``BENCH_CERT_N`` sets the batch size for a quick run (default 200).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import resource
import secrets
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

BATCH = int(os.environ.get("BENCH_CERT_N", "200"))
BATCH_RUNS = 3
NAMES = [
    "Zoë Ødegård",
    "Łukasz Żółć",
    "Σωκράτης Παπαδόπουλος",
    "Дмитрий Иванов",
    "محمد العلي",
    "李小龍",
    "Grace Hopper",
    "Ana María Muñoz",
    "Jean-Baptiste Lefèvre",
    "Priya Raghunathan",
]


@contextlib.contextmanager
def scratch_environment() -> Iterator[Path]:
    """Point the settings at a scratch var/ folder and SQLite database, then restore them."""
    from app.config import get_settings
    from app.db import get_engine, get_session_factory

    keys = (
        "APEX_VAR_DIR",
        "APEX_DATABASE_URL",
        "APEX_LOAD_DEMO_DATA",
        "APEX_RUN_TICKER",
        "APEX_SECRET_KEY",
    )
    saved = {key: os.environ.get(key) for key in keys}
    with tempfile.TemporaryDirectory(prefix="apex-bench-certificates-") as folder:
        var = Path(folder) / "var"
        os.environ.update(
            {
                "APEX_VAR_DIR": str(var),
                "APEX_DATABASE_URL": f"sqlite:///{var / 'bench.db'}",
                "APEX_LOAD_DEMO_DATA": "false",
                "APEX_RUN_TICKER": "false",
                "APEX_SECRET_KEY": "bench-secret-key",
            }
        )
        caches = (get_settings, get_engine, get_session_factory)
        for cache in caches:
            cache.cache_clear()
        try:
            from app import migrate

            migrate.upgrade()
            yield var
        finally:
            get_engine().dispose()
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            for cache in caches:
                cache.cache_clear()


def _transient_certificates(count: int):
    """Certificates as the renderer sees them (not saved: rendering reads columns only)."""
    import yaml

    from app.config import PROJECT_ROOT
    from app.documents.models import Certificate

    spec = yaml.safe_load(
        (PROJECT_ROOT / "courses/relationship-management/course.yaml").read_text()
    )
    return [
        Certificate(
            id=n,
            serial=f"APEX-2026-{n:06d}",
            token=secrets.token_urlsafe(32),
            holder_name=NAMES[n % len(NAMES)],
            course_title=spec["title"],
            course_version=str(spec["version"]),
            credit_hours=float(spec["credit_hours"]),
            first_date=date(2026, 3, 9),
            last_date=date(2026, 3, 11),
            facilitator_names="Ada Lovelace, Grace Hopper",
            issued_at=datetime(2026, 3, 11, 17, 0, tzinfo=UTC),
            revoked_at=None,
            revoke_reason="",
        )
        for n in range(1, count + 1)
    ]


def _single_page_html(page) -> str:
    """One certificate as one ordinary HTML page: the app's design, every slot filled in place."""
    import html

    import segno

    from app.documents.certificates import compose as cc
    from app.documents.pdf import qr

    code = segno.make(page.verify_url, error="m", micro=False, boost_error=False, mask=qr.MASK)
    png = code.png_data_uri(scale=1, border=qr.BORDER)
    e = html.escape
    facilitators = f"Facilitated by {e(page.facilitators)}" if page.facilitators else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Certificate {e(page.serial)}</title></head><body>
<section class="certificate"><div class="main">
<p class="brand">APEX · Achieving Professional Excellence</p>
<h1>Certificate of Completion</h1>
<p class="intro">This certifies that</p>
<div class="holder-slot"><p class="holder {cc.name_size(page.holder_name)}" dir="auto">{
        e(page.holder_name)
    }</p></div>
<p class="intro">has completed</p>
<p class="course">{e(page.course_title)}</p>
<p class="details">Version {e(page.course_version)} · {page.credit_hours} · {page.dates}</p>
<p class="facilitators">{facilitators}</p></div>
<img class="qr" style="display: block; image-rendering: pixelated" src="{png}" alt="QR code">
<div class="lines-slot"><pre class="lines">Serial {e(page.serial)} · Issued {page.issued}
Verify at {e(page.verify_url)}</pre></div>
</section></body></html>"""


def _fresh_render(cert) -> bytes:
    """One certificate with a fresh WeasyPrint call: nothing parsed or loaded is reused."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from app.documents.certificates import compose as cc
    from app.documents.certificates import render as cr
    from app.documents.pdf import engine, fetcher

    page = cr.page_for(cert)
    fonts = FontConfiguration()
    loader = fetcher.PdfFetcher()
    source = cc.stylesheet_source(engine.paper())
    css = CSS(string=source, font_config=fonts, url_fetcher=loader)
    document = HTML(string=_single_page_html(page), base_url=fetcher.BASE_URL, url_fetcher=loader)
    return document.write_pdf(stylesheets=[css], font_config=fonts)


def _started_processes() -> list[tuple[str, int]]:
    """This process's descendants (resource tracker, fork server, its workers), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[tuple[str, int]] = []
    todo = [os.getpid()]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append((_role(child, has_children=child in parents), child))
            todo.append(child)
    return found


def _role(pid: int, *, has_children: bool) -> str:
    """What a started process is: workers are forked by the fork server."""
    if has_children:
        return "fork server"
    with contextlib.suppress(OSError):
        if b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes():
            return "resource tracker"
    return "worker"


def _peak_rss_mib(pid: int) -> float:
    """A process's peak resident memory (VmHWM), in MiB; 0 when it is gone."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _clear_documents() -> None:
    from app.documents.files import storage

    for stored in storage.documents_dir().glob("*.pdf"):
        stored.unlink()


def bench_batch() -> list[str]:
    """certificates_batch: fresh single renders against the app's batch path, and memory."""
    from app.documents.certificates import batch as certificate_batch
    from app.documents.certificates.render import render_and_store, render_certificate
    from app.documents.files import storage

    certs = _transient_certificates(BATCH)
    # Warm-up: font files opened and caches filled once, for both paths alike; the first
    # batch also starts the worker pool (timed: what the app's first batch costs).
    _fresh_render(certs[0])
    gc.collect()
    rss_before = _max_rss_mib()
    start = time.perf_counter()
    render_and_store(certs)
    cold = time.perf_counter() - start
    rss_after = _max_rss_mib()

    batch_times = []
    for _ in range(BATCH_RUNS):
        _clear_documents()  # every run renders and stores all 200 files anew
        gc.collect()
        start = time.perf_counter()
        pdf = render_and_store(certs)
        batch_times.append(time.perf_counter() - start)
    batch = statistics.median(batch_times)
    stored = sorted(storage.documents_dir().glob("*.pdf"))
    assert len(stored) == BATCH, f"{len(stored)} files stored for {BATCH} certificates"
    single_kib = statistics.median(path.stat().st_size for path in stored) / 1024

    _clear_documents()
    gc.collect()
    tracemalloc.start()
    render_and_store(certs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    workers = [(role, _peak_rss_mib(pid)) for role, pid in _started_processes()]

    gc.collect()
    start = time.perf_counter()
    for cert in certs:
        _fresh_render(cert)
    single = time.perf_counter() - start

    start = time.perf_counter()
    for cert in certs[:50]:
        render_certificate(cert)
    reused = (time.perf_counter() - start) / 50 * BATCH

    per_single, per_batch = single / BATCH * 1000, batch / BATCH * 1000
    shares = min(certificate_batch.cores(), 2 if BATCH >= certificate_batch.POOL_MIN else 1)
    worker_text = ", ".join(f"{role} {rss:.0f} MiB" for role, rss in workers if rss) or "none"
    return [
        f"certificates_batch: ratio={single / batch:.1f} ({BATCH} single renders, fresh "
        f"WeasyPrint each, {single:.1f} s / batch path render_and_store {batch:.2f} s "
        f"(median of {BATCH_RUNS}; combined PDF + {BATCH} stored files, {shares} processes); "
        f"{per_single:.0f} ms vs {per_batch:.1f} ms per certificate; {len(pdf) / 1024:.0f} KiB "
        f"combined PDF, {single_kib:.0f} KiB median per-person file)",
        f"certificates_batch_cold: first batch of the process {cold:.2f} s (starts the worker "
        f"pool), ratio={single / cold:.1f}",
        f"certificates_batch_single_reusing_css: ratio={reused / batch:.1f} (render_certificate "
        f"x{BATCH}, the app's one-certificate path, est. from 50: {reused:.1f} s / batch "
        f"{batch:.2f} s)",
        f"certificates_batch_memory: peak={peak / 2**20:.0f} MiB traced Python allocations in "
        f"this process (tracemalloc, {BATCH} certificates); peak RSS this process "
        f"{rss_after:.0f} MiB (+{rss_after - rss_before:.0f} MiB during the first batch); "
        f"peak RSS of the processes it started: {worker_text}",
    ]


def certificates_of_ids(db, ids: list[int]) -> list:
    """The certificates with these ids, detached from the session (read columns only)."""
    from app.documents.models import Certificate

    found = [db.get(Certificate, cert_id) for cert_id in ids]
    db.expunge_all()
    return found


def run() -> list[str]:
    """Run the batch benchmark; returns the lines to print."""
    # create_app() sets the root logger to INFO, and WeasyPrint logs six progress lines
    # per render at INFO: quiet them, as the timing should not include log output.
    progress = logging.getLogger("weasyprint.progress")
    level = progress.level
    progress.setLevel(logging.WARNING)
    try:
        with scratch_environment():
            # Other work on the machine slows the two processes of the batch more than
            # the one of the single renders: say how busy it was.
            load = os.getloadavg()[0]
            lines = bench_batch()
            cores = len(os.sched_getaffinity(0))
            return [*lines, f"# load average {load:.1f} at the start, {cores} cores"]
    finally:
        progress.setLevel(level)


if __name__ == "__main__":
    print("\n".join(run()))
