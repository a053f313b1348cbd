"""Certificate benchmarks: the batch path against single renders, and the stored-file cache.

``run()`` returns the printed lines:

- certificates_batch: 200 certificates, each rendered on its own with a fresh WeasyPrint
  call (new font configuration, stylesheet parsed again, one HTML document), against the
  batch path (``render_certificates``: one document, one page per certificate, the
  process's parsed stylesheet and fonts). Also: the production single path, which
  reuses the parsed stylesheet, for comparison; and the batch's peak memory.
- certificate_cached: the first download of a certificate (rendered and stored) against
  the second (served from var/documents/), through the real route with a TestClient.

Everything runs in a scratch folder (its own SQLite database and var/ directory).
``BENCH_CERT_N`` sets the batch size for a quick run (default 200).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import re
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
CACHED = 10
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


def _fresh_render(cert) -> bytes:
    """One certificate with a fresh WeasyPrint call: nothing parsed or loaded is reused."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from app.documents import certificate_render as cr
    from app.documents import engine

    page = cr.page_for(cert)
    html = cr.certificate_html([page], [cr.qr_data_uri(page.verify_url)])
    fonts = FontConfiguration()
    fetcher = engine.PdfFetcher()
    css = CSS(string=cr._stylesheet_source(), font_config=fonts, url_fetcher=fetcher)
    document = HTML(string=html, base_url=engine.BASE_URL, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[css], font_config=fonts)


def _max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def bench_batch() -> list[str]:
    """certificates_batch: fresh single renders against the one-pass batch, and memory."""
    from app.documents.certificate_render import render_certificate, render_certificates

    certs = _transient_certificates(BATCH)
    # Warm-up: font files opened and caches filled once, for both paths alike.
    _fresh_render(certs[0])
    render_certificates(certs[: len(NAMES)])
    gc.collect()

    # The batch first, so the growth of the peak resident size is the batch's own.
    rss_before = _max_rss_mib()
    start = time.perf_counter()
    pdf = render_certificates(certs)
    batch = time.perf_counter() - start
    rss_after = _max_rss_mib()

    gc.collect()
    tracemalloc.start()
    render_certificates(certs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

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
    return [
        f"certificates_batch: ratio={single / batch:.1f} ({BATCH} single renders "
        f"{single:.1f} s / batch {batch:.2f} s; {per_single:.0f} ms vs {per_batch:.1f} ms "
        f"per certificate; {len(pdf) / 1024:.0f} KiB PDF)",
        f"certificates_batch_single_reusing_css: ratio={reused / batch:.1f} (render_certificate "
        f"x{BATCH}, est. from 50: {reused:.1f} s / batch {batch:.2f} s)",
        f"certificates_batch_memory: peak={peak / 2**20:.0f} MiB traced Python allocations "
        f"(tracemalloc, {BATCH} certificates); peak RSS {rss_after:.0f} MiB "
        f"(+{rss_after - rss_before:.0f} MiB during the batch)",
    ]


def _log_in(client, email: str, password: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF token on /login"
    data = {"email": email, "password": password, "csrf_token": token.group(1)}
    response = client.post("/login", data=data)
    assert response.status_code == 303, response.status_code


def bench_cached() -> list[str]:
    """certificate_cached: first download (render + store) against the second (from disk)."""
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from app.accounts.models import Role
    from app.accounts.service import create_user
    from app.config import PROJECT_ROOT
    from app.content.models import CourseVersion
    from app.content.sync import sync_folder
    from app.db import get_session_factory
    from app.documents import certificate_routes, storage
    from app.documents.certificate_issuing import issue_due_certificates
    from app.documents.certificates import certificates_of
    from app.learning.models import Completion
    from app.main import create_app

    password = "bench-password-for-certificates"
    with get_session_factory()() as db:
        sync_folder(db, PROJECT_ROOT / "courses")
        user = create_user(
            db,
            email="bench@example.com",
            display_name="Zoë Ødegård",
            password=password,
            roles={Role.LEARNER},
        )
        versions = db.scalars(select(CourseVersion).where(CourseVersion.is_current.is_(True)))
        for version in versions:
            db.add(
                Completion(
                    user_id=user.id, course_id=version.course_id, course_version_id=version.id
                )
            )
        db.flush()
        issue_due_certificates(db)
        ids = [c.id for c in certificates_of(db, user)]
        db.commit()
    app = create_app()
    if not any(getattr(r, "path", "") == "/verify/{token}" for r in app.routes):
        app.include_router(certificate_routes.router)
        app.include_router(certificate_routes.api)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request
    firsts, seconds = [], []
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        _log_in(client, "bench@example.com", password)
        start = time.perf_counter()
        client.get(f"/certificates/{ids[0]}.pdf")  # warm-up: fonts, templates, routes
        cold = time.perf_counter() - start
        for n in range(CACHED):
            cert_id = ids[n % len(ids)]
            # A first download is a cache miss: no stored file yet for these inputs.
            for stored in storage.documents_dir().glob("*.pdf"):
                stored.unlink()
            start = time.perf_counter()
            first = client.get(f"/certificates/{cert_id}.pdf")
            firsts.append(time.perf_counter() - start)
            start = time.perf_counter()
            second = client.get(f"/certificates/{cert_id}.pdf")
            seconds.append(time.perf_counter() - start)
            assert first.status_code == second.status_code == 200
            assert first.content == second.content
    first_ms = statistics.mean(firsts) * 1000
    second_ms = statistics.mean(seconds) * 1000
    return [
        f"certificate_cached: ratio={first_ms / second_ms:.0f} (first download {first_ms:.0f} ms "
        f"/ second download {second_ms:.1f} ms; mean of {len(firsts)} certificates, "
        "TestClient through GET /certificates/{id}.pdf; the process's very first download, "
        f"fonts not yet loaded, took {cold * 1000:.0f} ms)"
    ]


def run() -> list[str]:
    """Run both certificate benchmarks; returns the lines to print."""
    # create_app() sets the root logger to INFO, and WeasyPrint logs six progress lines
    # per render at INFO: quiet them, as the timing should not include log output.
    progress = logging.getLogger("weasyprint.progress")
    level = progress.level
    progress.setLevel(logging.WARNING)
    try:
        with scratch_environment():
            cached = bench_cached()  # first, so its warm-up is the process's first render
            return bench_batch() + cached
    finally:
        progress.setLevel(level)


if __name__ == "__main__":
    print("\n".join(run()))
