"""What scheduling reads from the catalogue: course titles and their formats' lengths."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.content.models import Course, CourseVersion
from app.errors import Invalid


@dataclass(frozen=True)
class CourseChoice:
    """A course as the scheduling forms offer it."""

    id: int
    slug: str
    title: str
    formats: dict[str, int]  # format id -> number of days
    format_titles: dict[str, str]
    version_id: int  # the current version: what a session created now will teach


def _current(db: Session) -> list[tuple[Course, CourseVersion]]:
    query = (
        select(Course, CourseVersion)
        .join(CourseVersion, CourseVersion.course_id == Course.id)
        .where(CourseVersion.is_current, CourseVersion.retired_at.is_(None))
        .order_by(CourseVersion.title)
    )
    return [(course, version) for course, version in db.execute(query)]


def _choice(course: Course, version: CourseVersion) -> CourseChoice:
    formats = version.spec.get("formats", {})
    return CourseChoice(
        id=course.id,
        slug=course.slug,
        title=version.title,
        formats={key: int(value.get("days", 1)) for key, value in formats.items()},
        format_titles={key: str(value.get("title", key)) for key, value in formats.items()},
        version_id=version.id,
    )


def course_choices(db: Session) -> list[CourseChoice]:
    """Every course with a current version, by title."""
    return [_choice(course, version) for course, version in _current(db)]


def format_choices(choices: Iterable[CourseChoice]) -> list[str]:
    """The distinct format ids the courses offer, one-day first."""
    found = {key for choice in choices for key in choice.formats}
    return sorted(found, key=lambda key: (key != "one-day", key))


def courses_by_id(db: Session, ids: Iterable[int]) -> dict[int, CourseChoice]:
    """Current course data for the given ids (missing ones are absent)."""
    wanted = set(ids)
    if not wanted:
        return {}
    query = (
        select(Course, CourseVersion)
        .join(CourseVersion, CourseVersion.course_id == Course.id)
        .where(CourseVersion.is_current, CourseVersion.retired_at.is_(None))
        .where(Course.id.in_(wanted))
    )
    return {course.id: _choice(course, version) for course, version in db.execute(query)}


def course_titles(db: Session, ids: Iterable[int]) -> dict[int, str]:
    """Course titles by id, for lists and messages."""
    return {key: choice.title for key, choice in courses_by_id(db, ids).items()}


def resolve_courses(db: Session, slugs: Sequence[str], format_id: str) -> list[CourseChoice]:
    """The courses for these slugs, each offering ``format_id``; ``Invalid`` otherwise."""
    wanted = [slug.strip() for slug in slugs if slug and slug.strip()]
    by_slug = {choice.slug: choice for choice in course_choices(db)}
    found: list[CourseChoice] = []
    for slug in wanted:
        choice = by_slug.get(slug)
        if choice is None and db.scalar(select(Course.id).where(Course.slug == slug)):
            # Retiring keeps another version current, so this is a course whose versions
            # were all retired by hand: say why it cannot be scheduled.
            raise Invalid(
                f"'{slug}' has no version in use (its versions are retired); load a new "
                "version of the course before scheduling it."
            )
        if choice is None:
            raise Invalid(f"There is no course '{slug}' in the catalogue.")
        if format_id not in choice.formats:
            offered = ", ".join(sorted(choice.formats)) or "none"
            raise Invalid(f"'{choice.title}' has no {format_id} format (it offers: {offered}).")
        found.append(choice)
    return found
