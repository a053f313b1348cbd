"""API and page shapes for document jobs."""

from __future__ import annotations

from pydantic import BaseModel

from app.documents.models import DocumentJob, JobStatus
from app.documents.session_docs.packs import KINDS

STATUS_TEXT = {
    JobStatus.QUEUED: "Waiting to start",
    JobStatus.RUNNING: "Being made",
    JobStatus.DONE: "Ready",
    JobStatus.FAILED: "Failed",
}


class JobOut(BaseModel):
    """A document job's state, as the API and the progress bar see it."""

    id: int
    kind: str
    label: str
    status: JobStatus
    status_text: str
    progress_done: int
    progress_total: int
    error: str
    download_url: str | None

    @property
    def percent(self) -> int:
        """Progress as a whole percentage (0 before the job knows its size)."""
        if self.progress_total <= 0:
            return 100 if self.status == JobStatus.DONE else 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @classmethod
    def of(cls, job: DocumentJob) -> JobOut:
        """The shape of one job row."""
        return cls(
            id=job.id,
            kind=job.kind,
            label=KINDS.get(job.kind, job.kind),
            status=job.status,
            status_text=STATUS_TEXT.get(job.status, job.status),
            progress_done=job.progress_done,
            progress_total=job.progress_total,
            error=job.error,
            download_url=f"/documents/jobs/{job.id}/download"
            if job.status == JobStatus.DONE
            else None,
        )
