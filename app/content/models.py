"""Tables for courses as loaded from content packs: versions, modules, assets, reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UtcDateTime, utcnow


class Course(Base):
    """A course by its stable pack id (slug); its content lives in versions."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    versions: Mapped[list[CourseVersion]] = relationship(
        back_populates="course", cascade="all, delete-orphan", lazy="raise"
    )


class CourseVersion(Base):
    """One loaded state of a pack, identified by its ``version`` and its content hash.

    Versions are never changed after loading: a learner who started one keeps it, and a
    certificate records exactly which one was taken.
    """

    __tablename__ = "course_versions"
    __table_args__ = (UniqueConstraint("course_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    is_current: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    credit_hours: Mapped[float] = mapped_column(Float)
    free_online: Mapped[bool] = mapped_column(Boolean, default=False)
    # The validated course.yaml, as JSON: audience, skills, objectives, formats, completion.
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The pack as a .zip: the uploaded bytes, or a reproducible zip of the synced folder.
    archive: Mapped[bytes] = mapped_column(LargeBinary)
    source: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Retired: no new session or series may teach it and it is never current again (a
    # sync of the same files leaves it retired); sessions that teach it keep it, with their
    # documents and certificates. NULL: in use.
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    course: Mapped[Course] = relationship(back_populates="versions", lazy="raise")
    modules: Mapped[list[CourseModule]] = relationship(
        back_populates="course_version",
        cascade="all, delete-orphan",
        order_by="CourseModule.position",
        lazy="raise",
    )
    assets: Mapped[list[CourseAsset]] = relationship(
        back_populates="course_version", cascade="all, delete-orphan", lazy="raise"
    )


class CourseModule(Base):
    """A module of one course version, with its lesson pre-rendered for the online player."""

    __tablename__ = "course_modules"
    __table_args__ = (UniqueConstraint("course_version_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_version_id: Mapped[int] = mapped_column(
        ForeignKey("course_versions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)  # 1-based order
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int] = mapped_column(Integer)
    objectives: Mapped[list[str]] = mapped_column(JSON)
    # Knowledge checks as in the front matter (id, type, question, choices, answer, explanation).
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    body: Mapped[str] = mapped_column(Text)  # the Markdown source (workbooks and guides use it)
    online_html: Mapped[str] = mapped_column(Text)  # sanitised lesson for the player

    course_version: Mapped[CourseVersion] = relationship(back_populates="modules", lazy="raise")


class CourseAsset(Base):
    """A file of the pack (an image), served from a URL that contains its hash."""

    __tablename__ = "course_assets"
    __table_args__ = (UniqueConstraint("course_version_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_version_id: Mapped[int] = mapped_column(
        ForeignKey("course_versions.id", ondelete="CASCADE")
    )
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    course_version: Mapped[CourseVersion] = relationship(back_populates="assets", lazy="raise")


class PackReport(Base):
    """The outcome of the last load of one pack source (folder or upload), for admins."""

    __tablename__ = "pack_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(500), unique=True)
    course_slug: Mapped[str | None] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column(Boolean)
    problems: Mapped[list[str]] = mapped_column(JSON)
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
