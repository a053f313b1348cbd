"""Document jobs: rows with status and progress, a Dramatiq actor, and the job runner.

With ``APEX_REDIS_URL`` set, jobs go to Redis and any process running a Dramatiq worker
(the web app starts one, or ``dramatiq app.worker``) renders them. Without it,
a small pool of threads in the web process runs the same job code. Either way the job's
state lives in the database, progress is committed in short transactions of its own so
the page can show it while the render goes on, and running a job again is harmless: the
output is named by its inputs, so a second run finds the file and renders nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import Connection, Engine, event, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.models import User
from app.base_url import carrying, public_base_url
from app.config import get_settings
from app.db import get_session_factory, transaction, utcnow
from app.documents.models import DocumentJob, JobStatus
from app.documents.session_docs import packs
from app.errors import AppError, Invalid

log = logging.getLogger(__name__)

ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
QUEUE = "documents"
TIME_LIMIT_SECONDS = 30 * 60  # no document takes this long; a job running longer is dead
LOCAL_THREADS = 2

SessionScope = Callable[[], AbstractContextManager[Session]]
Progress = Callable[[int, int], None]


def _make_broker() -> dramatiq.Broker:
    url = get_settings().redis_url
    if url:
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=url)  # type: ignore[no-untyped-call]  # dramatiq: no types
    # No Redis: messages are never sent (jobs run on local threads), but actors still
    # need a broker to be declared against; the stub one talks to nothing.
    return StubBroker()


broker = _make_broker()
dramatiq.set_broker(broker)  # so `dramatiq app.worker` finds the same broker


def scope_for(factory: sessionmaker[Session]) -> SessionScope:
    """A context manager factory: a session committed on success, rolled back on error."""

    return lambda: transaction(factory)


def default_scope() -> AbstractContextManager[Session]:
    """A short transaction on the configured database (what the Dramatiq actor uses)."""
    return scope_for(get_session_factory())()


@dataclass(frozen=True)
class JobOutcome:
    """How a run ended: final status, stored file hash, error, and whether it rendered."""

    status: JobStatus
    inputs_hash: str | None
    error: str
    rendered: bool


def _person_readable(exc: Exception) -> str:
    if isinstance(exc, AppError):
        return exc.message
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    reason = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return (
        f"The document could not be made ({reason}). "
        "Try again; if it fails again, tell an administrator."
    )


def _set(scope: SessionScope, job_id: int, **values: Any) -> None:
    # One UPDATE, first and alone in its transaction: on SQLite it takes the write lock
    # straight away (waiting if need be) instead of reading first and then failing to
    # upgrade a stale snapshot while a request writes at the same moment.
    with scope() as db:
        db.execute(update(DocumentJob).where(DocumentJob.id == job_id).values(**values))


def run_job(
    scope: SessionScope,
    job_id: int,
    *,
    on_progress: Progress | None = None,
    base_url: str | None = None,
) -> JobOutcome:
    """Run one document job to the end; every state change is its own short transaction.

    ``base_url`` is the address of the request that queued the job: the links printed in
    the document (certificate QR codes) and the file's name follow it.
    """
    with carrying(base_url):
        return _run_job(scope, job_id, on_progress)


def _run_job(scope: SessionScope, job_id: int, on_progress: Progress | None) -> JobOutcome:
    with scope() as db:
        row = db.execute(
            select(DocumentJob.kind, DocumentJob.session_id).where(DocumentJob.id == job_id)
        ).first()
    if row is None:
        log.warning("document job %s does not exist (deleted?); nothing to do", job_id)
        return JobOutcome(JobStatus.FAILED, None, "There is no such job.", False)
    kind, session_id = row
    _set(
        scope,
        job_id,
        status=JobStatus.RUNNING,
        error="",
        attempts=DocumentJob.attempts + 1,
        started_at=utcnow(),
        finished_at=None,
        progress_done=0,
    )

    def progress(done: int, total: int) -> None:
        _set(scope, job_id, progress_done=done, progress_total=total)
        if on_progress:
            on_progress(done, total)

    try:
        if session_id is None:
            raise Invalid("The session of this job no longer exists.")
        with scope() as db:
            plan = packs.plan_document(db, session_id, kind)
        progress(0, plan.total)
        _, rendered = packs.ensure_document(plan, progress)
    except Exception as exc:
        if not isinstance(exc, AppError):
            log.exception("document job %s (%s, session %s) failed", job_id, kind, session_id)
        message = _person_readable(exc)
        _set(scope, job_id, status=JobStatus.FAILED, error=message, finished_at=utcnow())
        return JobOutcome(JobStatus.FAILED, None, message, False)
    _set(
        scope,
        job_id,
        status=JobStatus.DONE,
        inputs_hash=plan.digest,
        progress_done=plan.total,
        progress_total=plan.total,
        finished_at=utcnow(),
    )
    return JobOutcome(JobStatus.DONE, plan.digest, "", rendered)


# No automatic retries: a failed job records why, and a person presses Retry.
@dramatiq.actor(
    broker=broker, queue_name=QUEUE, max_retries=0, time_limit=TIME_LIMIT_SECONDS * 1000
)
def render_document_job(job_id: int, base_url: str | None = None) -> None:
    """Dramatiq actor: render the document of one job (Redis mode)."""
    run_job(default_scope, job_id, base_url=base_url)


# ---- In-process mode: a small thread pool runs the same job code ----

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _local_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=LOCAL_THREADS, thread_name_prefix="apex-docs")
        return _pool


def _run_locally(job_id: int, bind: Engine | None, base_url: str | None) -> None:
    scope = (
        default_scope
        if bind is None
        else scope_for(sessionmaker(bind=bind, expire_on_commit=False))
    )
    try:
        run_job(scope, job_id, base_url=base_url)
    except Exception:  # a thread must never die silently; the job row says what happened
        log.exception("document job %s crashed in the local worker", job_id)


def enqueue_after_commit(db: Session, job_id: int) -> None:
    """Enqueue the job once the current transaction commits (workers must see its row).

    The job carries the base URL of the request queueing it: it runs after the request,
    in another thread or process, where that address is no longer known.
    """
    bind = db.get_bind()
    base_url = public_base_url()

    @event.listens_for(db, "after_commit", once=True)
    def _send(_session: Session) -> None:
        enqueue(job_id, bind=bind, base_url=base_url)


def enqueue(
    job_id: int, *, bind: Engine | Connection | None = None, base_url: str | None = None
) -> None:
    """Hand a committed job to the workers: Redis when configured, else local threads.

    ``bind`` is the engine of the request's session, so local threads use the same
    database as the request (a test server may use its own); ``base_url`` is the address
    the job's links use (None: the process's own, see ``app.base_url``).
    """
    if get_settings().redis_url:
        render_document_job.send(job_id, base_url)
        return
    engine = bind.engine if isinstance(bind, Connection) else bind
    _local_pool().submit(_run_locally, job_id, engine, base_url)


class Workers:
    """Running document workers; ``stop()`` on shutdown."""

    def __init__(self, worker: dramatiq.Worker | None) -> None:
        self._worker = worker

    def stop(self) -> None:
        """Stop the Dramatiq worker (if any) and the local thread pool."""
        global _pool
        if self._worker is not None:
            self._worker.stop()
        with _pool_lock:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
                _pool = None


def start_workers() -> Workers:
    """Start a Dramatiq worker in this process when Redis is configured, unless
    APEX_RUN_DOCUMENT_WORKER=false (tests run jobs directly)."""
    settings = get_settings()
    if not settings.redis_url or not settings.run_document_worker:
        return Workers(None)
    worker = dramatiq.Worker(broker, queues={QUEUE}, worker_threads=LOCAL_THREADS)
    worker.start()
    return Workers(worker)


# ---- Use cases ----


def start_job(db: Session, *, kind: str, session_id: int, user: User | None) -> DocumentJob:
    """Queue a document job (or return the same one already queued or running)."""
    # Refuses an unknown kind or session, and a document that would be empty, up front.
    packs.plan_document(db, session_id, kind)
    active = db.scalars(
        select(DocumentJob)
        .where(
            DocumentJob.session_id == session_id,
            DocumentJob.kind == kind,
            DocumentJob.status.in_(ACTIVE),
        )
        .order_by(DocumentJob.id.desc())
    ).first()
    # A job "running" for longer than any render takes died with its worker: start anew.
    stale = utcnow() - timedelta(seconds=TIME_LIMIT_SECONDS)
    if active is not None and not (
        active.status == JobStatus.RUNNING
        and active.started_at is not None
        and active.started_at < stale
    ):
        return active
    job = DocumentJob(
        kind=kind,
        session_id=session_id,
        requested_by_id=user.id if user else None,
        status=JobStatus.QUEUED,
        progress_done=0,
        progress_total=0,
        error="",
        attempts=0,
    )
    db.add(job)
    db.flush()
    return job


def retry_job(db: Session, job: DocumentJob) -> DocumentJob:
    """Queue a failed job again."""
    if job.status != JobStatus.FAILED:
        raise Invalid("Only a failed job can be retried.")
    job.status, job.error = JobStatus.QUEUED, ""
    job.progress_done, job.finished_at = 0, None
    db.flush()
    return job


def session_jobs(db: Session, session_id: int, *, limit: int = 8) -> list[DocumentJob]:
    """The session's most recent document jobs, newest first."""
    query = (
        select(DocumentJob)
        .where(DocumentJob.session_id == session_id)
        .order_by(DocumentJob.id.desc())
        .limit(limit)
    )
    return list(db.scalars(query))
