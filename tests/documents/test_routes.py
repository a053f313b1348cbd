"""The session documents page, job API and downloads: who may, and what they see."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import service
from app.accounts.models import Role, User
from app.documents.models import DocumentJob
from app.documents.session_docs import jobs
from app.scheduling.models import CourseSession
from tests.documents.helpers import (
    add_participant,
    job_scope,
    make_documents_session,
    make_facilitator,
    pages_text,
    sync_demo_pack,
)
from tests.factories import log_in, make_user, post_form


@pytest.fixture
def facilitator(db: Session) -> User:
    """The facilitator booked on the session."""
    return make_facilitator(db)


@pytest.fixture
def session(db: Session, tmp_path: Path, facilitator: User) -> CourseSession:
    """A demo-course session with two confirmed participants and its facilitator."""
    course = sync_demo_pack(db, tmp_path)
    made = make_documents_session(
        db, course, names=["Ada Lovelace", "Grace Hopper"], facilitators=[facilitator]
    )
    db.commit()
    return made


def _page(session: CourseSession) -> str:
    return f"/sessions/{session.id}/documents"


def _start(client: TestClient, session: CourseSession, kind: str) -> int:
    response = post_form(client, _page(session), {"kind": kind}, token_from=_page(session))
    assert response.status_code == 303, response.text
    match = re.search(r"#job-(\d+)$", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def test_the_facilitator_starts_a_pack_and_downloads_it(
    client: TestClient, db: Session, session: CourseSession, facilitator: User, enqueued: list[int]
) -> None:
    log_in(client, facilitator.email)
    page = client.get(_page(session))
    assert page.status_code == 200
    for label in ("Print pack", "Workbooks only", "Facilitator guide", "Certificates only"):
        assert f">{label}</button>" in page.text
    assert "2 confirmed participants" in page.text

    job_id = _start(client, session, "session_pack")
    assert enqueued == [job_id]  # handed to the workers after the commit
    waiting = client.get(_page(session))
    assert f'data-job-url="/api/v1/document-jobs/{job_id}"' in waiting.text
    assert "<progress" in waiting.text and ">Refresh</a>" in waiting.text
    assert '<script src="/static/job-progress.js" defer></script>' in waiting.text
    api = client.get(f"/api/v1/document-jobs/{job_id}")
    assert api.status_code == 200
    assert api.json() | {"id": 0} == {
        "id": 0,
        "kind": "session_pack",
        "label": "Print pack",
        "status": "queued",
        "status_text": "Waiting to start",
        "progress_done": 0,
        "progress_total": 0,
        "error": "",
        "download_url": None,
    }
    not_yet = client.get(f"/documents/jobs/{job_id}/download")
    assert not_yet.status_code == 409

    assert jobs.run_job(job_scope(db), job_id).status == "done"
    done = client.get(f"/api/v1/document-jobs/{job_id}").json()
    assert (done["status"], done["progress_done"], done["progress_total"]) == ("done", 6, 6)
    assert done["download_url"] == f"/documents/jobs/{job_id}/download"
    finished = client.get(_page(session))
    assert f'href="/documents/jobs/{job_id}/download"' in finished.text
    download = client.get(done["download_url"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "demo-course-2026-12-04-print-pack.pdf" in download.headers["content-disposition"]
    text = "\n".join(pages_text(download.content))
    assert "Ada Lovelace" in text and "Grace Hopper" in text and "Sign-in sheet" in text


def test_a_refused_document_is_explained(
    client: TestClient, session: CourseSession, facilitator: User, enqueued: list[int]
) -> None:
    log_in(client, facilitator.email)
    response = post_form(
        client, _page(session), {"kind": "certificates"}, token_from=_page(session)
    )
    assert response.status_code == 303
    assert "No certificates have been issued" in client.get(_page(session)).text
    assert enqueued == []


def test_a_failed_job_shows_its_reason_and_a_retry_button(
    client: TestClient, db: Session, session: CourseSession, facilitator: User, enqueued: list[int]
) -> None:
    log_in(client, facilitator.email)
    job_id = _start(client, session, "guide")
    job = db.get(DocumentJob, job_id)
    assert job is not None
    job.status, job.error = "failed", "The document could not be made (OSError: disk full)."
    db.commit()
    page = client.get(_page(session)).text
    assert "disk full" in page and f'action="/documents/jobs/{job_id}/retry"' in page
    retried = post_form(client, f"/documents/jobs/{job_id}/retry", {}, token_from=_page(session))
    assert retried.status_code == 303
    db.refresh(job)
    assert job.status == "queued" and enqueued == [job_id, job_id]


def test_without_the_csrf_token_nothing_starts(
    client: TestClient, session: CourseSession, facilitator: User, enqueued: list[int]
) -> None:
    log_in(client, facilitator.email)
    assert client.post(_page(session), data={"kind": "guide"}).status_code == 403
    assert enqueued == []


@pytest.mark.parametrize("who", ["other facilitator", "learner", "participant"])
def test_others_get_not_found_everywhere(
    client: TestClient, db: Session, session: CourseSession, facilitator: User, who: str
) -> None:
    job = jobs.start_job(db, kind="guide", session_id=session.id, user=facilitator)
    db.commit()
    if who == "participant":
        outsider = add_participant(db, session, "Enrolled Learner")
    else:
        roles = {Role.FACILITATOR} if who == "other facilitator" else {Role.LEARNER}
        outsider = make_user(db, roles=roles)
    db.commit()
    log_in(client, outsider.email)
    assert client.get(_page(session)).status_code == 404
    assert client.get(f"/api/v1/document-jobs/{job.id}").status_code == 404
    assert client.get(f"/documents/jobs/{job.id}/download").status_code == 404
    assert (
        post_form(client, _page(session), {"kind": "guide"}, token_from="/account").status_code
        == 404
    )
    token = service.issue_api_token(db, outsider, name="t")
    db.commit()
    bearer = client.get(
        f"/api/v1/document-jobs/{job.id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert bearer.status_code == 404


def test_coordinators_may_and_strangers_are_sent_to_sign_in(
    client: TestClient, db: Session, session: CourseSession
) -> None:
    assert client.get(_page(session)).status_code == 303  # to /login
    assert client.get("/api/v1/document-jobs/1").status_code == 401
    coordinator = make_user(db, roles={Role.COORDINATOR})
    db.commit()
    log_in(client, coordinator.email)
    assert client.get(_page(session)).status_code == 200
    assert client.get("/sessions/999999/documents").status_code == 404


def test_the_api_takes_a_personal_token(
    client: TestClient, db: Session, session: CourseSession, facilitator: User
) -> None:
    job = jobs.start_job(db, kind="guide", session_id=session.id, user=facilitator)
    token = service.issue_api_token(db, facilitator, name="t")
    db.commit()
    response = client.get(
        f"/api/v1/document-jobs/{job.id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200 and response.json()["status"] == "queued"
    bad = client.get(f"/api/v1/document-jobs/{job.id}", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
