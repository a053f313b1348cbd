"""Document jobs: progress in the database, failure with a reason, retry, idempotent reruns."""

from __future__ import annotations

import threading
from pathlib import Path

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.documents.files import storage
from app.documents.models import DocumentJob, JobStatus
from app.documents.session_docs import jobs, packs
from app.enrollment.models import Enrollment
from app.errors import Invalid, NotFound
from tests.conftest import REDIS_URL, skip_or_fail
from tests.documents.helpers import (
    job_scope,
    make_documents_session,
    page_count,
    pages_text,
    sync_demo_pack,
)


@pytest.fixture
def demo_session_id(db: Session, tmp_path: Path) -> int:
    """A session of the small demo course with two confirmed participants."""
    course = sync_demo_pack(db, tmp_path)
    session = make_documents_session(db, course, names=["Ada Lovelace", "Grace Hopper"])
    db.commit()
    return session.id


def test_a_job_records_progress_and_finishes_with_its_file(
    db: Session, demo_session_id: int
) -> None:
    job = jobs.start_job(db, kind=packs.SESSION_PACK, session_id=demo_session_id, user=None)
    db.commit()
    seen: list[tuple[int, int, int, int]] = []

    def watch(done: int, total: int) -> None:
        # The row was committed (here: a savepoint released) before the callback runs.
        row = db.get(DocumentJob, job.id)
        assert row is not None
        seen.append((done, total, row.progress_done, row.progress_total))

    outcome = jobs.run_job(job_scope(db), job.id, on_progress=watch)
    assert outcome.status == JobStatus.DONE and outcome.rendered
    # guide, sign-in sheet, name tents, workbook body, workbook covers, then the writing.
    assert [(d, t) for d, t, _, _ in seen] == [(n, 6) for n in range(7)]
    assert all(d == rd and t == rt for d, t, rd, rt in seen)
    db.refresh(job)
    assert (job.status, job.progress_done, job.progress_total, job.attempts) == ("done", 6, 6, 1)
    assert job.finished_at is not None and job.error == ""
    pdf = storage.read(job.inputs_hash or "")
    text = "\n".join(pages_text(pdf))
    for part in ("Facilitator guide", "Sign-in sheet", "Ada Lovelace", "Grace Hopper", "Contents"):
        assert part in text
    assert page_count(pdf) > 5


def test_running_a_job_twice_gives_the_same_file_and_renders_once(
    db: Session, demo_session_id: int, documents_dir: Path
) -> None:
    job = jobs.start_job(db, kind=packs.WORKBOOKS, session_id=demo_session_id, user=None)
    first = jobs.run_job(job_scope(db), job.id)
    stored = storage.read(first.inputs_hash or "")
    second = jobs.run_job(job_scope(db), job.id)
    assert (second.status, second.inputs_hash, second.rendered) == (
        "done",
        first.inputs_hash,
        False,
    )
    assert storage.read(second.inputs_hash or "") == stored
    assert len(list(documents_dir.iterdir())) == 1


def test_rendering_the_same_inputs_again_gives_identical_bytes(
    db: Session, demo_session_id: int
) -> None:
    plan = packs.plan_document(db, demo_session_id, packs.SESSION_PACK)
    assert packs.build(plan) == packs.build(
        packs.plan_document(db, demo_session_id, packs.SESSION_PACK)
    )


def test_a_failed_job_says_why_and_can_be_retried(
    db: Session, demo_session_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = jobs.start_job(db, kind=packs.GUIDE, session_id=demo_session_id, user=None)
    real_build = packs.build

    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("the printer caught fire")

    monkeypatch.setattr(packs, "build", broken)
    outcome = jobs.run_job(job_scope(db), job.id)
    db.refresh(job)
    assert outcome.status == job.status == "failed"
    assert "RuntimeError: the printer caught fire" in job.error
    assert "Try again" in job.error
    assert job.inputs_hash is None

    with pytest.raises(Invalid):
        jobs.retry_job(
            db, jobs.start_job(db, kind=packs.WORKBOOKS, session_id=demo_session_id, user=None)
        )
    jobs.retry_job(db, job)
    assert (job.status, job.error) == ("queued", "")
    monkeypatch.setattr(packs, "build", real_build)
    assert jobs.run_job(job_scope(db), job.id).status == "done"
    db.refresh(job)
    assert (job.status, job.attempts) == ("done", 2)


def test_a_job_whose_document_would_be_empty_is_refused_up_front(
    db: Session, tmp_path: Path
) -> None:
    course = sync_demo_pack(db, tmp_path)
    empty = make_documents_session(db, course, names=[])
    with pytest.raises(Invalid, match="no confirmed participants"):
        jobs.start_job(db, kind=packs.WORKBOOKS, session_id=empty.id, user=None)
    with pytest.raises(Invalid, match="No certificates"):
        jobs.start_job(db, kind=packs.CERTIFICATES, session_id=empty.id, user=None)
    with pytest.raises(Invalid, match="Unknown document"):
        jobs.start_job(db, kind="poster", session_id=empty.id, user=None)
    with pytest.raises(NotFound):
        jobs.start_job(db, kind=packs.GUIDE, session_id=999_999, user=None)


def test_starting_the_same_document_twice_reuses_the_waiting_job(
    db: Session, demo_session_id: int
) -> None:
    first = jobs.start_job(db, kind=packs.GUIDE, session_id=demo_session_id, user=None)
    assert jobs.start_job(db, kind=packs.GUIDE, session_id=demo_session_id, user=None) is first
    other = jobs.start_job(db, kind=packs.WORKBOOKS, session_id=demo_session_id, user=None)
    assert other is not first


def test_a_job_that_fails_because_the_data_changed_fails_cleanly(
    db: Session, demo_session_id: int
) -> None:
    job = jobs.start_job(db, kind=packs.WORKBOOKS, session_id=demo_session_id, user=None)
    db.execute(
        update(Enrollment)
        .where(Enrollment.session_id == demo_session_id)
        .values(status="cancelled")
    )
    outcome = jobs.run_job(job_scope(db), job.id)
    assert outcome.status == "failed"
    assert outcome.error.startswith("There are no confirmed participants yet")


def test_the_dramatiq_actor_runs_a_job(
    db: Session, demo_session_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = jobs.start_job(db, kind=packs.GUIDE, session_id=demo_session_id, user=None)
    db.commit()
    broker = StubBroker()
    actor = dramatiq.actor(jobs.render_document_job.fn, broker=broker, queue_name=jobs.QUEUE)
    monkeypatch.setattr(jobs, "default_scope", job_scope(db))
    actor.send(job.id)
    worker = dramatiq.Worker(broker, worker_threads=1)
    worker.start()
    try:
        broker.join(jobs.QUEUE, fail_fast=True)
        worker.join()
    finally:
        worker.stop()
    db.refresh(job)
    assert job.status == "done"


def test_the_dramatiq_actor_runs_a_job_through_redis(
    db: Session, demo_session_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not REDIS_URL:
        skip_or_fail("Redis not configured: set APEX_TEST_REDIS_URL")
    from dramatiq.brokers.redis import RedisBroker

    job = jobs.start_job(db, kind=packs.GUIDE, session_id=demo_session_id, user=None)
    db.commit()
    broker = RedisBroker(url=REDIS_URL, namespace=f"apex-test-{threading.get_ident()}")
    broker.flush_all()
    actor = dramatiq.actor(jobs.render_document_job.fn, broker=broker, queue_name=jobs.QUEUE)
    monkeypatch.setattr(jobs, "default_scope", job_scope(db))
    actor.send(job.id)
    worker = dramatiq.Worker(broker, worker_threads=1)
    worker.start()
    try:
        broker.join(jobs.QUEUE, timeout=120_000)
        worker.join()
    finally:
        worker.stop()
        broker.flush_all()
        broker.close()
    db.refresh(job)
    assert job.status == "done"
