"""Retiring a course version: it gets no new sessions and is never current again.

Sessions that already teach it keep it (their workbooks, guides and certificates name
what was taught), so a version is retired, never deleted. Retiring the course's current
version makes the newest other version in use current; the only version in use cannot
be retired, as the course would vanish from the catalogue and the scheduling forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from app.accounts.models import User
from app.content.models import Course, CourseVersion
from app.content.sync import make_current
from app.db import for_update, utcnow
from app.errors import Conflict, NotFound


@dataclass(frozen=True)
class RetirePlan:
    """What retiring a version does: the version, its course, the one made current."""

    version: CourseVersion
    slug: str
    successor: CourseVersion | None  # made current in its place (None: it was not current)


def _version(db: Session, version_id: int, *, lock: bool = False) -> CourseVersion:
    query = (
        select(CourseVersion)
        .where(CourseVersion.id == version_id)
        .options(defer(CourseVersion.archive, raiseload=True))
        .execution_options(populate_existing=True)
    )
    found = db.scalar(for_update(query) if lock else query)
    if found is None:
        raise NotFound("That course version does not exist (any more).")
    return found


def plan_retirement(db: Session, version_id: int, *, lock: bool = False) -> RetirePlan:
    """What retiring this version would do; ``Conflict`` when it cannot be retired."""
    version = _version(db, version_id, lock=lock)
    course = db.get(Course, version.course_id)
    assert course is not None  # the foreign key guarantees it
    label = f"{course.slug} {version.version}"
    if version.retired_at is not None:
        raise Conflict(f"{label} is already retired.")
    successor = None
    if version.is_current:
        successor = db.scalar(
            select(CourseVersion)
            .where(
                CourseVersion.course_id == course.id,
                CourseVersion.id != version.id,
                CourseVersion.retired_at.is_(None),
            )
            .options(defer(CourseVersion.archive, raiseload=True))
            .order_by(CourseVersion.created_at.desc(), CourseVersion.id.desc())
            .limit(1)
        )
        if successor is None:
            raise Conflict(
                f"{label} is the only version of {course.slug} in use; load another version "
                "before retiring it (without one the course would leave the catalogue)."
            )
    return RetirePlan(version, course.slug, successor)


def retire_version(
    db: Session, version_id: int, by: User | None, *, now: datetime | None = None
) -> RetirePlan:
    """Retire a version (and make its successor current if it was current)."""
    plan = plan_retirement(db, version_id, lock=True)
    if plan.successor is not None:
        make_current(db, plan.version.course_id, plan.successor)
    plan.version.is_current = False
    plan.version.retired_at = now or utcnow()
    plan.version.retired_by_id = by.id if by is not None else None
    db.flush()
    return plan
