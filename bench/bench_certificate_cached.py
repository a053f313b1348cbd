"""certificate_cached: the first download of a certificate against the second, over HTTP.

The app runs under uvicorn in its own process on a loopback port, as ``apex serve`` runs
it; a keep-alive HTTP/1.1 client (``http.client``, as a browser keeps its connection)
signs in, opens My learning and downloads each certificate from the link there twice:

- first: the file for the certificate's inputs is not stored (var/documents/ emptied
  before each pair), so the request goes through the route, which reads the certificate,
  renders it and stores the file;
- second: the same link again, now answered from the stored file.

Also printed: the same pair through the signed-in route ``/certificates/{id}.pdf``
(session lookup and a query on every request), a conditional request (304) and the
service-level pair (``certificate_file`` with no HTTP at all).

Everything runs in a scratch folder (its own SQLite database and var/ directory).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from bench.bench_certificates import certificates_of_ids, scratch_environment

PAIRS = 30  # first+second download pairs (certificates cycled)
BARE_APP = "bench.bare_asgi:app"
IDLE_GAP = 0.01  # seconds between "isolated" requests, as between a person's two clicks
SERVICE_REPEAT = 200
PASSWORD = "bench-password-for-certificates"
EMAIL = "bench@example.com"


class Browser:
    """A keep-alive HTTP/1.1 connection that keeps cookies, enough to sign in."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=sent)
        response = self.connection.getresponse()
        data = response.read()
        for value in response.headers.get_all("set-cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        status, _, data = self.request("GET", path, headers=headers)
        return status, data

    def timed_get(self, path: str) -> tuple[float, bytes]:
        start = time.perf_counter()
        status, data = self.get(path)
        elapsed = time.perf_counter() - start
        assert status == 200, f"GET {path}: {status}"
        return elapsed, data

    def log_in(self, email: str, password: str) -> None:
        _, page = self.get("/login")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page)
        assert token, "no CSRF token on /login"
        form = urlencode({"email": email, "password": password, "csrf_token": token[1].decode()})
        status, _, _ = self.request("POST", "/login", body=form)
        assert status == 303, f"login answered {status}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def served_app(target: str = "app.main:create_app") -> Iterator[int]:
    """uvicorn serving ``target`` (a factory) on a free loopback port, with this environment."""
    port = _free_port()
    env = {**os.environ, "APEX_ENV": "test", "APEX_RUN_TICKER": "false"}
    command = [sys.executable, "-m", "uvicorn", target]
    command += [] if target == BARE_APP else ["--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen(command, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def _seed() -> list[int]:
    """A learner with a completion (hence a certificate) of every course; their ids."""
    from sqlalchemy import select

    from app.accounts.models import Role
    from app.accounts.service import create_user
    from app.config import PROJECT_ROOT
    from app.content.models import CourseVersion
    from app.content.sync import sync_folder
    from app.db import get_session_factory
    from app.documents.certificates.issuing import issue_due_certificates
    from app.documents.certificates.service import certificates_of
    from app.learning.models import Completion

    with get_session_factory()() as db:
        sync_folder(db, PROJECT_ROOT / "courses")
        user = create_user(
            db, email=EMAIL, display_name="Zoë Ødegård", password=PASSWORD, roles={Role.LEARNER}
        )
        for version in db.scalars(select(CourseVersion).where(CourseVersion.is_current.is_(True))):
            db.add(
                Completion(
                    user_id=user.id, course_id=version.course_id, course_version_id=version.id
                )
            )
        db.flush()
        issue_due_certificates(db)
        ids = [c.id for c in certificates_of(db, user)]
        db.commit()
    return ids


def _clear_documents() -> None:
    from app.documents.files import storage

    for stored in storage.documents_dir().glob("*.pdf"):
        stored.unlink()


def _pairs(
    browser: Browser, paths: list[str], sizes: list[int] | None = None
) -> tuple[list[float], list[float]]:
    """Download each path twice, PAIRS times in all, emptying the store before each pair."""
    firsts, seconds = [], []
    for n in range(PAIRS):
        path = paths[n % len(paths)]
        _clear_documents()  # a first download is a miss: no stored file for these inputs
        first, first_pdf = browser.timed_get(path)
        second, second_pdf = browser.timed_get(path)
        assert first_pdf == second_pdf and first_pdf.startswith(b"%PDF")
        if sizes is not None:
            sizes.append(len(first_pdf))
        firsts.append(first)
        seconds.append(second)
    return firsts, seconds


def _ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def _stored_link() -> str:
    """A signed link to the bench learner's first certificate, with its file stored."""
    from app.db import get_session_factory
    from app.documents.certificates.render import certificate_file
    from app.documents.files import download_links
    from app.documents.models import Certificate

    with get_session_factory()() as db:
        cert = db.query(Certificate).order_by(Certificate.id).first()
        assert cert is not None
        certificate_file(cert)
        return download_links.url_for(cert)


def bench_http(ids: list[int]) -> list[str]:
    with served_app() as port:
        browser = Browser(port)
        browser.log_in(EMAIL, PASSWORD)
        _, page = browser.get("/learning")
        links = [
            link.decode().replace("&amp;", "&")
            for link in re.findall(rb'href="(/files/certificates/[^"]+)"', page)
        ]
        assert len(links) == len(ids), f"{len(links)} links on My learning for {len(ids)}"
        start = time.perf_counter()
        browser.timed_get(links[0])  # warm-up: the server's first render loads the fonts
        cold = time.perf_counter() - start
        sizes: list[int] = []
        firsts, seconds = _pairs(browser, links, sizes)
        signed_in = _pairs(browser, [f"/certificates/{cert_id}.pdf" for cert_id in ids])
        status, headers, _ = browser.request("GET", links[0])
        start = time.perf_counter()
        status, _ = browser.get(links[0], headers={"If-None-Match": headers["etag"]})
        revalidate = (time.perf_counter() - start) * 1000
        assert status == 304
        floor = [browser.timed_get("/healthz")[0] for _ in range(PAIRS)]
    first, second = _ms(firsts), _ms(seconds)
    route_first, route_second = _ms(signed_in[0]), _ms(signed_in[1])
    return [
        f"certificate_cached: ratio={first / second:.0f} (first download {first:.1f} ms / "
        f"second {second:.2f} ms; medians of {PAIRS} pairs over {len(links)} certificates of "
        f"{min(sizes) / 1024:.0f}-{max(sizes) / 1024:.0f} KiB, "
        "the signed link on My learning, real HTTP to uvicorn on loopback with a keep-alive "
        f"client; the server's very first download, fonts not loaded, took {cold * 1000:.0f} ms)",
        f"certificate_cached_signed_in_route: ratio={route_first / route_second:.0f} (GET "
        f"/certificates/{{id}}.pdf with the session cookie: first {route_first:.1f} ms / "
        f"second {route_second:.2f} ms; its second download pays the session lookup, a query "
        f"and FastAPI's routing; a 304 revalidation of a link takes {revalidate:.2f} ms; "
        f"GET /healthz takes {_ms(floor):.2f} ms)",
    ]


def _spaced(browser: Browser, path: str, gap: float) -> float:
    """Median time of requests to ``path`` sent ``gap`` seconds apart."""
    times = []
    for _ in range(PAIRS):
        time.sleep(gap)
        times.append(browser.timed_get(path)[0])
    return _ms(times)


def bench_floor(link: str) -> str:
    """What any request costs here: a bare ASGI app against the app's stored-link answer."""
    with served_app(BARE_APP) as port:
        bare = Browser(port)
        bare_busy, bare_idle = _spaced(bare, "/", 0), _spaced(bare, "/", IDLE_GAP)
    with served_app() as port:
        app = Browser(port)
        app_busy, app_idle = _spaced(app, link, 0), _spaced(app, link, IDLE_GAP)
    return (
        f"certificate_cached_http_floor: a bare ASGI app (no framework, no work, 13 KiB) "
        f"under the same uvicorn and client takes {bare_busy:.2f} ms back to back and "
        f"{bare_idle:.2f} ms with {IDLE_GAP * 1000:.0f} ms between requests; the app's "
        f"stored-link answer {app_busy:.2f} ms and {app_idle:.2f} ms: a second download "
        "cannot be faster than the bare app, which caps the ratio over HTTP on this machine "
        "at the first download's time over that floor"
    )


def bench_service(ids: list[int]) -> str:
    """The service level: certificate_file() on a miss (render, store) and on a hit."""
    from app.db import get_session_factory
    from app.documents.certificates.render import certificate_file

    with get_session_factory()() as db:
        certs = certificates_of_ids(db, ids)
    firsts, seconds = [], []
    for n in range(10):
        cert = certs[n % len(certs)]
        _clear_documents()
        start = time.perf_counter()
        certificate_file(cert)
        firsts.append(time.perf_counter() - start)
        start = time.perf_counter()
        for _ in range(SERVICE_REPEAT):
            certificate_file(cert)
        seconds.append((time.perf_counter() - start) / SERVICE_REPEAT)
    first, second = statistics.mean(firsts) * 1000, statistics.mean(seconds) * 1000
    return (
        f"certificate_cached_service: ratio={first / second:.0f} (certificate_file() on a "
        f"miss, rendering and storing, {first:.0f} ms / on a hit, hashing the inputs and "
        f"finding the stored file, {second * 1000:.0f} µs; no HTTP, no session, no query)"
    )


def run() -> list[str]:
    """Both levels of the cached-download benchmark; returns the lines to print."""
    with scratch_environment() as var:
        assert Path(var).is_dir()
        ids = _seed()
        lines = bench_http(ids)
        lines.append(bench_floor(_stored_link()))
        lines.append(bench_service(ids))
        load = os.getloadavg()[0]
        return [*lines, f"# load average {load:.1f} at the end"]


if __name__ == "__main__":
    print("\n".join(run()))
