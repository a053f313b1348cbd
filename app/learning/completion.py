"""The completion rule of a course version, and recording a completion exactly once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.content.credits import min_online_minutes
from app.content.models import CourseVersion
from app.db import insert_ignore, utcnow
from app.learning.hooks import COURSE_COMPLETED
from app.learning.models import CheckAttempt, Completion, CourseProgress, ModuleVisit
from app.learning.service import best_scores, modules_of, visited_slugs

# The defaults of docs/content-packs.md, for specs stored before a key existed.
DEFAULT_MODULES_VISITED = "all"
DEFAULT_MIN_CHECK_SCORE = 80


@dataclass(frozen=True)
class ModuleGap:
    """A module that still has to be opened."""

    position: int
    title: str


@dataclass(frozen=True)
class CheckGap:
    """A knowledge check whose best score is still below the course's threshold."""

    position: int
    module_title: str
    check_id: str
    question: str
    best_score: int | None  # None: never answered


@dataclass(frozen=True)
class CompletionStatus:
    """Whether a run meets its course's rule, and if not, what is still missing."""

    complete: bool
    completed_at: datetime | None
    min_check_score: int
    missing_modules: list[ModuleGap] = field(default_factory=list)
    weak_checks: list[CheckGap] = field(default_factory=list)
    min_minutes: int = 0  # the course's least study time (completion.min_minutes)
    studied_minutes: int = 0  # how much of it the run has so far

    @property
    def minutes_needed(self) -> int:
        """Study time still missing before the course can count as complete."""
        return max(0, self.min_minutes - self.studied_minutes)


def studied_minutes(db: Session, progress: CourseProgress) -> int:
    """Whole minutes from opening the run's first module to its latest recorded activity.

    The player records when each module was first opened, every answer, and the last
    module opened (``last_seen_at``); it does not watch the screen. So study time is the
    span those records prove: a run clicked through in ten seconds has ten seconds.
    """
    first = db.scalar(
        select(func.min(ModuleVisit.first_visited_at)).where(ModuleVisit.progress_id == progress.id)
    )
    if first is None:
        return 0
    answered = db.scalar(
        select(func.max(CheckAttempt.created_at)).where(CheckAttempt.progress_id == progress.id)
    )
    latest = max(moment for moment in (progress.last_seen_at, answered) if moment is not None)
    return max(0, int((latest - first).total_seconds() // 60))


def min_check_score(version: CourseVersion) -> int:
    """The best score (percent) each knowledge check of this version must reach."""
    rule = version.spec.get("completion") or {}
    return int(rule.get("min_check_score", DEFAULT_MIN_CHECK_SCORE))


def completion_status(db: Session, progress: CourseProgress) -> CompletionStatus:
    """Check a run against its version's rule without recording anything.

    The rule is ``completion`` in course.yaml: ``modules_visited`` (all or none) and
    ``min_check_score`` (each check's *best* score, so retrying can only help).
    ``min_minutes`` asks for that much study time (:func:`studied_minutes`).
    ``attendance`` applies to instructor-led formats only: online study has no attendance
    requirement for now; sessions, and with them attendance, arrive with the scheduling
    issue, which will add that part of the rule for runs tied to a session.
    """
    version = db.get(CourseVersion, progress.course_version_id)
    assert version is not None
    rule = version.spec.get("completion") or {}
    threshold = min_check_score(version)
    if progress.completed_at is not None:
        # A completion is never taken back: visits and best scores only ever grow.
        return CompletionStatus(True, progress.completed_at, threshold)
    modules = modules_of(db, version.id)
    visited = visited_slugs(db, progress.id)
    best = best_scores(db, progress.id)
    missing = []
    if rule.get("modules_visited", DEFAULT_MODULES_VISITED) == "all":
        missing = [ModuleGap(m.position, m.title) for m in modules if m.slug not in visited]
    required = min_online_minutes(version.spec)
    studied = studied_minutes(db, progress) if required else 0
    weak = [
        CheckGap(
            m.position, m.title, check["id"], check["question"], best.get((m.slug, check["id"]))
        )
        for m in modules
        for check in m.checks
        # An unanswered check counts as 0 %, so a threshold of 0 makes checks optional.
        if best.get((m.slug, check["id"]), 0) < threshold
    ]
    complete = not missing and not weak and studied >= required
    return CompletionStatus(complete, None, threshold, missing, weak, required, studied)


def evaluate_completion(db: Session, progress: CourseProgress) -> CompletionStatus:
    """Apply the course's rule; on success record the completion (once) and finish the run.

    The Completion row (learner, course version, time) is what certificates are issued
    from. It is unique per learner and version and inserted with ON CONFLICT DO NOTHING,
    so calling this again, or from two requests at once, never adds a second row.
    """
    status = completion_status(db, progress)
    if not status.complete or progress.completed_at is not None:
        return status
    insert_ignore(
        db,
        Completion,
        {
            "user_id": progress.user_id,
            "course_id": progress.course_id,
            "course_version_id": progress.course_version_id,
            "completed_at": utcnow(),
        },
        ["user_id", "course_version_id"],
    )
    completion = db.scalars(
        select(Completion).where(
            Completion.user_id == progress.user_id,
            Completion.course_version_id == progress.course_version_id,
        )
    ).one()
    progress.completed_at = completion.completed_at
    db.flush()
    COURSE_COMPLETED.send(db, completion)
    return CompletionStatus(True, completion.completed_at, status.min_check_score)
