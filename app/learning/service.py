"""Who may study a course, starting or resuming a run, and the "My learning" overview.

The module player is in ``player.py``, grading in ``grading.py`` and the completion rule
in ``completion.py``; the small queries they all share live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.accounts.service import find_user_by_email
from app.content.models import Course, CourseModule, CourseVersion
from app.db import insert_ignore
from app.errors import Conflict, Forbidden, NotFound
from app.learning.models import AccessGrant, CheckAttempt, CourseProgress, ModuleVisit
from app.learning.schemas import LearningRowOut

GRANT_BY_COORDINATOR = "coordinator"


class NoAccess(Forbidden):
    """The person may not study this course online (yet); says how to get access."""

    def __init__(self, course_slug: str, course_title: str) -> None:
        super().__init__(
            f"You do not have access to “{course_title}” yet. Ask your training coordinator "
            "to give you access to its online modules."
        )
        self.course_slug = course_slug
        self.course_title = course_title


@dataclass(frozen=True)
class GrantRow:
    """An access grant as the coordinators' page lists it."""

    learner_name: str
    learner_email: str
    course_title: str
    source: str
    granted_by: str | None
    created_at: datetime


def percent(done: int, total: int) -> int:
    """Whole percent, rounded down, so 100 % only ever means everything."""
    return done * 100 // total if total else 0


def get_course(db: Session, slug: str) -> Course:
    """The course with this slug, or NotFound."""
    course = db.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise NotFound(f"There is no course '{slug}'. Check the link, or browse /courses.")
    return course


def _current_or_none(db: Session, course: Course) -> CourseVersion | None:
    return db.scalar(
        select(CourseVersion).where(
            CourseVersion.course_id == course.id, CourseVersion.is_current.is_(True)
        )
    )


def current_version(db: Session, course: Course) -> CourseVersion:
    """The version new learners start on."""
    version = _current_or_none(db, course)
    if version is None:
        raise NotFound(f"The course '{course.slug}' has no published version.")
    return version


def modules_of(db: Session, version_id: int) -> list[CourseModule]:
    """The modules of one course version, in order."""
    return list(
        db.scalars(
            select(CourseModule)
            .where(CourseModule.course_version_id == version_id)
            .order_by(CourseModule.position)
        )
    )


def visited_slugs(db: Session, progress_id: int) -> set[str]:
    """Slugs of the modules opened in a run."""
    return set(
        db.scalars(select(ModuleVisit.module_slug).where(ModuleVisit.progress_id == progress_id))
    )


def best_scores(db: Session, progress_id: int) -> dict[tuple[str, str], int]:
    """Best score per (module slug, check id) in a run."""
    rows = db.execute(
        select(CheckAttempt.module_slug, CheckAttempt.check_id, func.max(CheckAttempt.score))
        .where(CheckAttempt.progress_id == progress_id)
        .group_by(CheckAttempt.module_slug, CheckAttempt.check_id)
    )
    return {(module, check): int(best) for module, check, best in rows}


def has_access(db: Session, user: User, course: Course) -> bool:
    """True when the course is free online, the person holds a grant, or is staff."""
    if user.has_role(Role.COORDINATOR):  # admins hold every staff role
        return True
    version = _current_or_none(db, course)
    if version is not None and version.free_online:
        return True
    grant = db.scalar(
        select(AccessGrant.id)
        .where(AccessGrant.user_id == user.id, AccessGrant.course_id == course.id)
        .limit(1)
    )
    return grant is not None


def grant_access(db: Session, course_slug: str, email: str, granted_by: User) -> AccessGrant:
    """A coordinator gives one learner access to one course's online modules."""
    if not granted_by.has_role(Role.COORDINATOR):
        raise Forbidden("Only coordinators and admins can give access to courses.")
    course = get_course(db, course_slug)
    learner = find_user_by_email(db, email)
    if learner is None:
        raise NotFound(
            f"There is no account with the e-mail address '{email.strip()}'. "
            "The learner signs up first; then give them access."
        )
    title = current_version(db, course).title
    already = db.scalar(
        select(AccessGrant.id).where(
            AccessGrant.user_id == learner.id, AccessGrant.course_id == course.id
        )
    )
    values = {
        "user_id": learner.id,
        "course_id": course.id,
        "source": GRANT_BY_COORDINATOR,
        "granted_by_id": granted_by.id,
    }
    if already is not None or not insert_ignore(
        db, AccessGrant, values, ["user_id", "course_id", "source"]
    ):
        raise Conflict(f"{learner.display_name} already has access to “{title}”.")
    grant = db.scalar(
        select(AccessGrant).where(
            AccessGrant.user_id == learner.id,
            AccessGrant.course_id == course.id,
            AccessGrant.source == GRANT_BY_COORDINATOR,
        )
    )
    assert grant is not None
    return grant


def list_grants(db: Session) -> list[GrantRow]:
    """Every access grant, newest first, for the coordinators' page."""
    learner = User.__table__.alias("learner")
    granter = User.__table__.alias("granter")
    rows = db.execute(
        select(
            learner.c.display_name,
            learner.c.email,
            CourseVersion.title,
            AccessGrant.source,
            granter.c.display_name,
            AccessGrant.created_at,
        )
        .join(learner, learner.c.id == AccessGrant.user_id)
        .join(
            CourseVersion,
            (CourseVersion.course_id == AccessGrant.course_id) & CourseVersion.is_current.is_(True),
        )
        .outerjoin(granter, granter.c.id == AccessGrant.granted_by_id)
        .order_by(AccessGrant.created_at.desc(), AccessGrant.id.desc())
    )
    return [GrantRow(*row) for row in rows]


def course_choices(db: Session) -> list[tuple[str, str]]:
    """(slug, title) of every course with a current version, by title."""
    rows = db.execute(
        select(Course.slug, CourseVersion.title)
        .join(CourseVersion, CourseVersion.course_id == Course.id)
        .where(CourseVersion.is_current.is_(True))
        .order_by(CourseVersion.title)
    )
    return [(slug, title) for slug, title in rows]


def start_or_resume(db: Session, user: User, course_slug: str) -> CourseProgress:
    """The learner's run through a course: the unfinished one, else one on the current version.

    A run stays on the version it started with, even when a newer one is loaded, so the
    lesson never changes under the learner's feet; a new run after completion uses the
    current version.
    """
    course = get_course(db, course_slug)
    if not has_access(db, user, course):
        raise NoAccess(course.slug, current_version(db, course).title)
    unfinished = db.scalar(
        select(CourseProgress)
        .where(
            CourseProgress.user_id == user.id,
            CourseProgress.course_id == course.id,
            CourseProgress.completed_at.is_(None),
        )
        .order_by(CourseProgress.started_at.desc(), CourseProgress.id.desc())
        .limit(1)
    )
    if unfinished is not None:
        return unfinished
    version = current_version(db, course)
    # A finished run on the current version is returned as it is (to review it): the
    # table allows one run per learner and version.
    insert_ignore(
        db,
        CourseProgress,
        {"user_id": user.id, "course_id": course.id, "course_version_id": version.id},
        ["user_id", "course_version_id"],
    )
    progress = db.scalar(
        select(CourseProgress).where(
            CourseProgress.user_id == user.id, CourseProgress.course_version_id == version.id
        )
    )
    assert progress is not None
    return progress


def my_learning(db: Session, user: User) -> list[LearningRowOut]:
    """The learner's courses: runs with progress, then granted courses not started yet."""
    runs = list(
        db.scalars(
            select(CourseProgress)
            .where(CourseProgress.user_id == user.id)
            .order_by(CourseProgress.last_seen_at.desc(), CourseProgress.id.desc())
        )
    )
    # One row per course: the unfinished run if there is one, else the latest finished one.
    shown: dict[int, CourseProgress] = {}
    for run in runs:
        kept = shown.get(run.course_id)
        if kept is None or (kept.completed_at is not None and run.completed_at is None):
            shown[run.course_id] = run
    granted = set(
        db.scalars(select(AccessGrant.course_id).where(AccessGrant.user_id == user.id))
    ) - set(shown)
    version_ids = {run.course_version_id for run in shown.values()}
    fresh = list(
        db.scalars(
            select(CourseVersion).where(
                CourseVersion.course_id.in_(granted), CourseVersion.is_current.is_(True)
            )
        )
    )
    versions = {
        v.id: v for v in db.scalars(select(CourseVersion).where(CourseVersion.id.in_(version_ids)))
    }
    versions.update({v.id: v for v in fresh})
    slugs = dict(
        db.execute(select(Course.id, Course.slug).where(Course.id.in_(set(shown) | granted))).all()
    )
    totals = dict(
        db.execute(
            select(CourseModule.course_version_id, func.count())
            .where(CourseModule.course_version_id.in_(versions))
            .group_by(CourseModule.course_version_id)
        ).all()
    )
    visits = dict(
        db.execute(
            select(ModuleVisit.progress_id, func.count())
            .where(ModuleVisit.progress_id.in_([run.id for run in shown.values()]))
            .group_by(ModuleVisit.progress_id)
        ).all()
    )
    rows = [
        _learning_row(
            slugs[run.course_id],
            versions[run.course_version_id],
            totals,
            run,
            visits.get(run.id, 0),
        )
        for run in shown.values()
    ]
    rows += [
        _learning_row(slugs[version.course_id], version, totals, None, 0)
        for version in sorted(fresh, key=lambda v: v.title)
    ]
    return rows


def _learning_row(
    slug: str,
    version: CourseVersion,
    totals: dict[int, int],
    run: CourseProgress | None,
    done: int,
) -> LearningRowOut:
    """A "My learning" row for a run (``run``), or for a granted course not started yet."""
    total = totals.get(version.id, 0)
    return LearningRowOut(
        course_slug=slug,
        course_title=version.title,
        version=version.version,
        modules_visited=done,
        modules_total=total,
        percent=percent(done, total),
        started=run is not None,
        completed_at=run.completed_at if run is not None else None,
        resume_url=f"/learn/{slug}/{run.current_position}" if run is not None else f"/learn/{slug}",
    )
