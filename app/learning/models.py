"""Tables for who may study a course, how far they got, their answers and completions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.db import Base, UtcDateTime, utcnow


class AccessGrant(Base):
    """Permission for one person to study one course online.

    ``source`` says where it came from: ``coordinator`` (granted by staff), ``enrolment``
    and ``purchase`` (later features). Free courses need no grant.
    """

    __tablename__ = "access_grants"
    __table_args__ = (UniqueConstraint("user_id", "course_id", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(20))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class _LearnerCourseVersion:
    """Columns of a row kept once per learner and course version (the course for queries)."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        # A fresh constraint per table: one constraint object cannot serve two tables.
        return (UniqueConstraint("user_id", "course_version_id"),)

    # sort_order: these come first in the table, as they did before the mixin.
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-4)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, sort_order=-3
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), sort_order=-2
    )
    course_version_id: Mapped[int] = mapped_column(
        ForeignKey("course_versions.id", ondelete="CASCADE"), sort_order=-1
    )


class CourseProgress(_LearnerCourseVersion, Base):
    """One learner's run through one course version (pinned until they finish)."""

    __tablename__ = "course_progress"

    current_position: Mapped[int] = mapped_column(Integer, default=1)  # where to resume
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ModuleVisit(Base):
    """A module the learner has opened in a progress run."""

    __tablename__ = "module_visits"

    progress_id: Mapped[int] = mapped_column(
        ForeignKey("course_progress.id", ondelete="CASCADE"), primary_key=True
    )
    module_slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_visited_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CheckAttempt(Base):
    """One graded answer to a knowledge check (every attempt is kept)."""

    __tablename__ = "check_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    progress_id: Mapped[int] = mapped_column(
        ForeignKey("course_progress.id", ondelete="CASCADE"), index=True
    )
    module_slug: Mapped[str] = mapped_column(String(64))
    check_id: Mapped[str] = mapped_column(String(64))
    chosen: Mapped[list[int]] = mapped_column(JSON)  # 1-based choice numbers
    correct: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[int] = mapped_column(Integer)  # percent, 0-100
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Completion(_LearnerCourseVersion, Base):
    """A finished course: recorded once per learner and course version."""

    __tablename__ = "completions"

    completed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
