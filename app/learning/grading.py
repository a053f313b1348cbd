"""Knowledge checks graded on the server: validate the answer, score it, keep every attempt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.content.models import CourseModule
from app.errors import Conflict, Invalid, NotFound
from app.learning.completion import evaluate_completion
from app.learning.models import CheckAttempt, CourseProgress
from app.learning.service import best_scores, modules_of, start_or_resume, visited_slugs


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one answer, as the page and the API show it."""

    module_slug: str
    check_id: str
    chosen: list[int]
    correct: bool
    score: int
    best_score: int
    explanation: str
    course_complete: bool


def find_check(module: CourseModule, check_id: str) -> dict[str, Any]:
    """The check with this id in the module, or Invalid (422)."""
    for check in module.checks:
        if check["id"] == check_id:
            return check
    raise Invalid(f"Module “{module.title}” has no knowledge check '{check_id}'.")


def right_answers(check: dict[str, Any]) -> set[int]:
    """The right choice numbers (1-based) of a check, whatever its type."""
    answer = check["answer"]
    return {answer} if isinstance(answer, int) else set(answer)


def grade(check: dict[str, Any], chosen: Sequence[int]) -> tuple[bool, int]:
    """(correct, score in percent) for a valid answer; Invalid for anything not offered.

    ``single``: 100 or 0. ``multiple``: right picks minus wrong picks, never below zero,
    over the number of right choices, rounded down, so picking everything earns nothing.
    """
    count = len(check["choices"])
    if any(isinstance(n, bool) or not isinstance(n, int) for n in chosen):
        raise Invalid("Choices are given by their numbers.")
    if any(n < 1 or n > count for n in chosen):
        raise Invalid(f"Choose among the offered answers, numbered 1 to {count}.")
    if len(set(chosen)) != len(chosen):
        raise Invalid("Each answer can be chosen only once.")
    if check["type"] == "single" and len(chosen) != 1:
        raise Invalid("Choose exactly one answer.")
    if not chosen:
        raise Invalid("Choose at least one answer.")
    right = right_answers(check)
    picked = set(chosen)
    if check["type"] == "single":
        correct = picked == right
        return correct, 100 if correct else 0
    hits, misses = len(picked & right), len(picked - right)
    return picked == right, max(0, hits - misses) * 100 // len(right)


def answer_check(
    db: Session, progress: CourseProgress, module_slug: str, check_id: str, chosen: Sequence[int]
) -> CheckResult:
    """Grade an answer in a run and record the attempt; an invalid answer records nothing.

    Checks are answered in modules the learner has opened (Conflict otherwise), so the
    in-order rule of the player cannot be skipped through the API.
    """
    module = db.scalar(
        select(CourseModule).where(
            CourseModule.course_version_id == progress.course_version_id,
            CourseModule.slug == module_slug,
        )
    )
    if module is None:
        raise NotFound(f"This course has no module '{module_slug}'.")
    check = find_check(module, check_id)
    correct, score = grade(check, chosen)
    if module.slug not in visited_slugs(db, progress.id):
        raise Conflict(f"Open module {module.position}, “{module.title}”, before answering it.")
    db.add(
        CheckAttempt(
            progress_id=progress.id,
            module_slug=module.slug,
            check_id=check_id,
            chosen=list(chosen),
            correct=correct,
            score=score,
        )
    )
    db.flush()
    best = best_scores(db, progress.id)[(module.slug, check_id)]
    status = evaluate_completion(db, progress)
    return CheckResult(
        module.slug,
        check_id,
        list(chosen),
        correct,
        score,
        best,
        check["explanation"],
        status.complete,
    )


def answer_at(
    db: Session, user: User, course_slug: str, position: int, check_id: str, chosen: Sequence[int]
) -> CheckResult:
    """Answer a check of the module at ``position`` in the learner's run (the player's form)."""
    progress = start_or_resume(db, user, course_slug)
    modules = modules_of(db, progress.course_version_id)
    if not 1 <= position <= len(modules):
        raise NotFound(f"This course has no module {position}.")
    return answer_check(db, progress, modules[position - 1].slug, check_id, chosen)


def answer_in_module(
    db: Session,
    user: User,
    course_slug: str,
    module_slug: str,
    check_id: str,
    chosen: Sequence[int],
) -> CheckResult:
    """Answer a check of a module named by its slug in the learner's run (the API)."""
    progress = start_or_resume(db, user, course_slug)
    return answer_check(db, progress, module_slug, check_id, chosen)
