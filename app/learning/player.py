"""The online module player: modules in order, visits, and what one module page shows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.content.models import Course, CourseModule, CourseVersion
from app.db import insert_ignore, utcnow
from app.errors import AppError, NotFound
from app.learning.completion import (
    CompletionStatus,
    completion_status,
    evaluate_completion,
    min_check_score,
)
from app.learning.models import CheckAttempt, CourseProgress, ModuleVisit
from app.learning.service import (
    best_scores,
    modules_of,
    percent,
    start_or_resume,
    visited_slugs,
)


class NotReachable(AppError, status=409, title="Not yet"):
    """A module further on than the first unvisited one; the page redirects there."""

    def __init__(self, position: int, title: str) -> None:
        super().__init__(
            f"Modules open in order: continue with module {position}, “{title}”, first."
        )
        self.position = position


@dataclass(frozen=True)
class OutlineItem:
    """A module in the course outline beside the lesson."""

    position: int
    title: str
    visited: bool
    reachable: bool


@dataclass(frozen=True)
class CheckView:
    """A knowledge check on the page, with the learner's last attempt if any."""

    number: int
    id: str
    type: str
    question: str
    choices: list[str]
    explanation: str
    last: CheckAttempt | None
    best_score: int | None
    attempts: int


@dataclass(frozen=True)
class ModuleView:
    """Everything a module page shows."""

    course_slug: str
    course_title: str
    version: str
    module: CourseModule
    total: int
    visited: int
    percent: int
    checks: list[CheckView]
    outline: list[OutlineItem]
    min_check_score: int
    completion: CompletionStatus | None  # only on the last module

    @property
    def position(self) -> int:
        """1-based place of this module in the course."""
        return self.module.position

    @property
    def previous(self) -> int | None:
        """Position of the module before, if any."""
        return self.position - 1 if self.position > 1 else None

    @property
    def next(self) -> int | None:
        """Position of the module after, if any."""
        return self.position + 1 if self.position < self.total else None


def _first_unvisited(modules: list[CourseModule], visited: set[str]) -> CourseModule | None:
    return next((m for m in modules if m.slug not in visited), None)


def _module_at(modules: list[CourseModule], position: int) -> CourseModule:
    if not 1 <= position <= len(modules):
        raise NotFound(
            f"This course has modules 1 to {len(modules)}; there is no module {position}."
        )
    return modules[position - 1]


def _reachable_module(db: Session, progress: CourseProgress, position: int) -> CourseModule:
    """The module at ``position`` if the learner may open it now, else NotReachable."""
    modules = modules_of(db, progress.course_version_id)
    module = _module_at(modules, position)
    frontier = _first_unvisited(modules, visited_slugs(db, progress.id))
    # Earlier modules may be revisited; the first unvisited one is the furthest reachable.
    if frontier is not None and position > frontier.position:
        raise NotReachable(frontier.position, frontier.title)
    return module


def open_module(db: Session, progress: CourseProgress, position: int) -> CourseModule:
    """Open a module: in order only, recorded as a visit and as the place to resume."""
    module = _reachable_module(db, progress, position)
    insert_ignore(
        db,
        ModuleVisit,
        {"progress_id": progress.id, "module_slug": module.slug, "first_visited_at": utcnow()},
        ["progress_id", "module_slug"],
    )
    progress.current_position = position
    progress.last_seen_at = utcnow()
    db.flush()
    evaluate_completion(db, progress)
    return module


def module_view(db: Session, progress: CourseProgress, position: int) -> ModuleView:
    """What the page for one module of a run shows (reads only)."""
    version = db.get(CourseVersion, progress.course_version_id)
    assert version is not None
    modules = modules_of(db, version.id)
    module = _module_at(modules, position)
    visited = visited_slugs(db, progress.id)
    frontier = _first_unvisited(modules, visited)
    best = best_scores(db, progress.id)
    attempts = list(
        db.scalars(
            select(CheckAttempt)
            .where(CheckAttempt.progress_id == progress.id, CheckAttempt.module_slug == module.slug)
            .order_by(CheckAttempt.id)
        )
    )
    checks = []
    for number, check in enumerate(module.checks, start=1):
        mine = [a for a in attempts if a.check_id == check["id"]]
        checks.append(
            CheckView(
                number=number,
                id=check["id"],
                type=check["type"],
                question=check["question"],
                choices=list(check["choices"]),
                explanation=check["explanation"],
                last=mine[-1] if mine else None,
                best_score=best.get((module.slug, check["id"])),
                attempts=len(mine),
            )
        )
    outline = [
        OutlineItem(
            m.position,
            m.title,
            m.slug in visited,
            frontier is None or m.position <= frontier.position,
        )
        for m in modules
    ]
    done = sum(1 for m in modules if m.slug in visited)
    return ModuleView(
        course_slug=course_slug_of(db, progress),
        course_title=version.title,
        version=version.version,
        module=module,
        total=len(modules),
        visited=done,
        percent=percent(done, len(modules)),
        checks=checks,
        outline=outline,
        min_check_score=min_check_score(version),
        completion=completion_status(db, progress) if position == len(modules) else None,
    )


def course_slug_of(db: Session, progress: CourseProgress) -> str:
    """The slug of the course a run belongs to."""
    course = db.get(Course, progress.course_id)
    assert course is not None
    return course.slug


def study_module(db: Session, user: User, course_slug: str, position: int) -> ModuleView:
    """The learner opens a module of a course: resume their run, record the visit, show it."""
    progress = start_or_resume(db, user, course_slug)
    open_module(db, progress, position)
    return module_view(db, progress, position)


def view_module(db: Session, user: User, course_slug: str, position: int) -> ModuleView:
    """The module page again without recording a visit (to show an answer's error).

    Still in order only: a refused answer must not become a way to read ahead.
    """
    progress = start_or_resume(db, user, course_slug)
    _reachable_module(db, progress, position)
    return module_view(db, progress, position)
