"""Tables for certificates and for background document jobs."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UtcDateTime, status_type, utcnow

# "In force" (live): neither revoked nor replaced. A re-issue after a name correction sets
# both revoked_at and replaced_by_id on the old row; a revocation sets revoked_at only.
LIVE_SQL = "revoked_at IS NULL AND replaced_by_id IS NULL"


class CertificateStatus(enum.StrEnum):
    """What verifying a certificate's token says (worked out, not stored)."""

    VALID = "valid"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


class EarnedBy(enum.StrEnum):
    """How a certificate was earned: in the room (attendance) or by an online completion."""

    ATTENDANCE = "attendance"
    ONLINE = "online"


class Certificate(Base):
    """A certificate of completion; what it states is frozen when it is issued.

    ``token`` (at least 128 random bits) is in the verification URL and QR code; the
    serial is for people to read out. A name correction issues a new certificate and
    points the old one at it (``replaced_by_id``).
    """

    __tablename__ = "certificates"
    __table_args__ = (
        # At most one certificate in force per person and course version, whatever the
        # session or online completion it came from. Issuing checks first (and locks on
        # PostgreSQL); this index is what holds when two transactions race anyway.
        Index(
            "uq_certificates_live_user_version",
            "user_id",
            "course_version_id",
            unique=True,
            sqlite_where=text(LIVE_SQL),
            postgresql_where=text(LIVE_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(32), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    course_version_id: Mapped[int] = mapped_column(
        ForeignKey("course_versions.id", ondelete="CASCADE")
    )
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_sessions.id", ondelete="SET NULL"), index=True
    )
    holder_name: Mapped[str] = mapped_column(String(200))
    course_title: Mapped[str] = mapped_column(String(300))
    course_version: Mapped[str] = mapped_column(String(64))
    credit_hours: Mapped[float] = mapped_column(Float)
    first_date: Mapped[date] = mapped_column(Date)
    last_date: Mapped[date] = mapped_column(Date)
    facilitator_names: Mapped[str] = mapped_column(String(500), default="")
    # How it was earned and where, frozen at issue like the rest: the certificate says
    # "attended, 26 February 2027, APEX Training Centre" or "completed online".
    earned_by: Mapped[EarnedBy] = mapped_column(
        status_type(EarnedBy, 12), default=EarnedBy.ATTENDANCE
    )
    earned_place: Mapped[str] = mapped_column(String(200), default="")
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoke_reason: Mapped[str] = mapped_column(String(500), default="")
    replaced_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="SET NULL")
    )


class JobStatus(enum.StrEnum):
    """Where a background document job stands."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class DocumentJob(Base):
    """A background rendering job (print pack, workbooks, certificates) and its progress."""

    __tablename__ = "document_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # session_pack|workbooks|certificates
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_sessions.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[JobStatus] = mapped_column(status_type(JobStatus, 10), default=JobStatus.QUEUED)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    inputs_hash: Mapped[str | None] = mapped_column(String(64))  # names the stored file
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


def is_live() -> ColumnElement[bool]:
    """The condition for a certificate in force, the same one the unique index uses."""
    return and_(Certificate.revoked_at.is_(None), Certificate.replaced_by_id.is_(None))
