"""Certificates print the public base URL (app/base_url.py): verify link, QR code, file key."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import get_settings
from app.content.models import CourseVersion
from app.documents.certificates import service as certificates
from app.documents.files import storage
from app.documents.models import Certificate, JobStatus
from app.documents.session_docs import jobs, packs
from app.enrollment.models import Enrollment
from tests.conftest import PersonClient
from tests.documents.cert_helpers import (
    current_version,
    include_certificate_routes,
    one_line,
    pdf_text,
)
from tests.documents.helpers import (
    job_scope,
    make_documents_session,
    make_facilitator,
    sync_demo_pack,
)
from tests.documents.qr_decode import qr_text_in_pdf
from tests.factories import log_in, make_user, post_form

SERVED = "http://127.0.0.1:8101"
OTHER = "http://192.0.2.10:8101"
PUBLIC = "https://training.example.com"


@pytest.fixture
def no_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """APEX_BASE_URL unset (the suite sets it globally) and no `apex serve` address."""
    monkeypatch.setattr(get_settings(), "base_url", "")
    monkeypatch.setattr(get_settings(), "serve_url", "")


def _browser_at(app: FastAPI, db: Session, origin: str) -> PersonClient:
    include_certificate_routes(app)
    return PersonClient(app, db, base_url=origin, follow_redirects=False)


@pytest.fixture
def browser(app: FastAPI, db: Session) -> Iterator[PersonClient]:
    """A browser talking to the app at 127.0.0.1:8101, as `apex serve --port 8101` is."""
    with _browser_at(app, db, SERVED) as client:
        yield client


def _holder_and_cert(db: Session) -> tuple[User, Certificate]:
    holder = make_user(db, name="Grace Hopper")
    cert, _ = certificates.issue_or_find(
        db,
        user=holder,
        course_version=current_version(db),
        first_date=date(2026, 3, 9),
        last_date=date(2026, 3, 9),
    )
    return holder, cert


def _verify_url_in(pdf: bytes) -> tuple[str, str]:
    """The verify URL printed on the first page, and the one its QR code opens."""
    match = re.search(r"(\S+/verify/\S+)", one_line(pdf_text(pdf)[0]))
    assert match, pdf_text(pdf)[0]
    return match.group(1), qr_text_in_pdf(pdf)


def test_the_certificate_verify_url_uses_the_request_address(
    no_base_url: None, browser: PersonClient, db: Session
) -> None:
    holder, cert = _holder_and_cert(db)
    log_in(browser, holder.email)
    pdf = browser.get(f"/certificates/{cert.id}.pdf")
    assert pdf.status_code == 200, pdf.text
    expected = f"{SERVED}/verify/{cert.token}"
    assert _verify_url_in(pdf.content) == (expected, expected)


def test_the_certificate_verify_url_uses_apex_base_url_when_set(
    no_base_url: None, browser: PersonClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "base_url", PUBLIC)
    holder, cert = _holder_and_cert(db)
    log_in(browser, holder.email)
    pdf = browser.get(f"/certificates/{cert.id}.pdf")
    expected = f"{PUBLIC}/verify/{cert.token}"
    assert _verify_url_in(pdf.content) == (expected, expected)


def test_a_pdf_stored_under_one_base_url_is_not_served_under_another(
    no_base_url: None, app: FastAPI, browser: PersonClient, db: Session, documents_dir: Path
) -> None:
    holder, cert = _holder_and_cert(db)
    log_in(browser, holder.email)
    first = browser.get(f"/certificates/{cert.id}.pdf")
    assert first.status_code == 200
    # The same person, through another address of the same server.
    with _browser_at(app, db, OTHER) as elsewhere:
        log_in(elsewhere, holder.email)
        second = elsewhere.get(f"/certificates/{cert.id}.pdf")
        links = [_download_link(browser), _download_link(elsewhere)]
    assert _verify_url_in(first.content)[1] == f"{SERVED}/verify/{cert.token}"
    assert _verify_url_in(second.content)[1] == f"{OTHER}/verify/{cert.token}"
    assert len(list(documents_dir.glob("*.pdf"))) == 2  # one stored file per address
    # The signed links on My learning name each address's own file.
    digests = {link.split("/")[4] for link in links}
    assert len(digests) == 2 and all(storage.lookup(digest) for digest in digests)


def _download_link(client: PersonClient) -> str:
    page = client.get("/learning")
    (link,) = re.findall(r'href="(/files/certificates/[^"]+)"', page.text)
    return link


def test_a_document_job_carries_the_address_of_the_request_that_queued_it(
    no_base_url: None,
    browser: PersonClient,
    db: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    facilitator = make_facilitator(db)
    session = make_documents_session(
        db, sync_demo_pack(db, tmp_path), names=["Ada Lovelace"], facilitators=[facilitator]
    )
    person = db.scalars(select(Enrollment.user_id).where(Enrollment.session_id == session.id))
    holder = db.get(User, person.one())
    version = db.scalars(
        select(CourseVersion).where(CourseVersion.course_id == session.course_id)
    ).one()
    assert holder is not None
    cert, _ = certificates.issue_or_find(
        db,
        user=holder,
        course_version=version,
        session=session,
        first_date=session.starts_on,
        last_date=session.ends_on,
    )
    queued: list[tuple[int, str | None]] = []
    monkeypatch.setattr(
        jobs,
        "enqueue",
        lambda job_id, *, bind=None, base_url=None: queued.append((job_id, base_url)),
    )
    log_in(browser, facilitator.email)
    page = f"/sessions/{session.id}/documents"
    started = post_form(browser, page, {"kind": packs.CERTIFICATES}, token_from=page)
    assert started.status_code == 303, started.text
    ((job_id, base_url),) = queued
    assert base_url == SERVED
    # The worker runs later, outside the request, in a process with another default.
    monkeypatch.setattr(get_settings(), "serve_url", "http://localhost:9999")
    outcome = jobs.run_job(job_scope(db), job_id, base_url=base_url)
    assert outcome.status == JobStatus.DONE, outcome.error
    pdf = storage.read(outcome.inputs_hash or "")
    assert qr_text_in_pdf(pdf) == f"{SERVED}/verify/{cert.token}"
