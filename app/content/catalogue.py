"""The public catalogue: current course versions, searched and filtered."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.content.agenda import teaching_minutes
from app.content.credits import credit_hours_for, min_online_minutes
from app.content.models import Course, CourseAsset, CourseModule, CourseVersion
from app.content.schemas import CourseDetailOut, CourseOut, FormatOut, ModuleOut
from app.errors import NotFound


@dataclass(frozen=True)
class CatalogueFilters:
    """What the visitor asked for; empty strings mean "any"."""

    q: str = ""
    skill: str = ""
    audience: str = ""
    format: str = ""

    @property
    def active(self) -> bool:
        """True when any filter is set."""
        return any((self.q.strip(), self.skill, self.audience, self.format))


@dataclass
class Facets:
    """The values the filters offer, from the courses that exist."""

    skills: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)
    formats: list[tuple[str, str]] = field(default_factory=list)  # (id, title)


def _current_versions(db: Session) -> list[tuple[str, CourseVersion]]:
    query = (
        select(Course.slug, CourseVersion)
        .join(CourseVersion, CourseVersion.course_id == Course.id)
        .where(CourseVersion.is_current)
        .order_by(CourseVersion.title)
    )
    return [(slug, version) for slug, version in db.execute(query)]


def _module_minutes(db: Session, version_ids: list[int]) -> dict[int, dict[str, int]]:
    """Each version's module minutes by slug (one query for the whole list)."""
    found: dict[int, dict[str, int]] = {version_id: {} for version_id in version_ids}
    rows = db.execute(
        select(CourseModule.course_version_id, CourseModule.slug, CourseModule.minutes).where(
            CourseModule.course_version_id.in_(version_ids)
        )
    )
    for version_id, slug, minutes in rows:
        found[version_id][slug] = minutes
    return found


def _course_out(slug: str, version: CourseVersion, minutes: dict[str, int]) -> CourseOut:
    spec = version.spec
    formats = [
        FormatOut(
            id=format_id,
            title=format_spec["title"],
            days=format_spec["days"],
            teaching_minutes=teaching_minutes(format_spec, minutes),
            credit_hours=credit_hours_for(version, format_id),
        )
        for format_id, format_spec in spec["formats"].items()
    ]
    online = credit_hours_for(version, None)
    return CourseOut(
        id=slug,
        version=version.version,
        title=version.title,
        summary=version.summary,
        audience=list(spec["audience"]),
        skills=list(spec["skills"]),
        credit_hours=max([online] + [f.credit_hours for f in formats]),
        online_credit_hours=online,
        online_minutes=sum(minutes.values()),
        min_online_minutes=min_online_minutes(spec),
        free_online=version.free_online,
        formats=formats,
        url=f"/courses/{slug}",
    )


def _course_outs(db: Session) -> list[tuple[CourseOut, CourseVersion]]:
    versions = _current_versions(db)
    minutes = _module_minutes(db, [version.id for _, version in versions])
    return [(_course_out(slug, v, minutes[v.id]), v) for slug, v in versions]


def _searchable_text(course: CourseOut, version: CourseVersion) -> str:
    parts = [course.title, course.summary, *course.skills, *course.audience]
    parts += version.spec.get("objectives", [])
    return " ".join(parts).lower()


def _matches(course: CourseOut, version: CourseVersion, filters: CatalogueFilters) -> bool:
    words = filters.q.lower().split()
    if words:
        text = _searchable_text(course, version)
        if not all(word in text for word in words):
            return False
    if filters.skill and filters.skill not in course.skills:
        return False
    if filters.audience and filters.audience not in course.audience:
        return False
    return not filters.format or any(f.id == filters.format for f in course.formats)


def list_courses(db: Session, filters: CatalogueFilters | None = None) -> list[CourseOut]:
    """Current courses matching every word of the search and every chosen filter."""
    chosen = filters or CatalogueFilters()
    found = []
    for course, version in _course_outs(db):
        if _matches(course, version, chosen):
            found.append(course)
    return found


def facets(db: Session) -> Facets:
    """Filter values drawn from the current courses."""
    skills: set[str] = set()
    audiences: set[str] = set()
    formats: dict[str, str] = {}
    for course, _version in _course_outs(db):
        skills.update(course.skills)
        audiences.update(course.audience)
        for fmt in course.formats:
            formats.setdefault(fmt.id, fmt.title)
    return Facets(
        skills=sorted(skills, key=str.lower),
        audiences=sorted(audiences, key=str.lower),
        formats=sorted(formats.items()),
    )


def current_version(db: Session, slug: str) -> CourseVersion:
    """The current version of a course, with its modules loaded; ``NotFound`` otherwise."""
    query = (
        select(CourseVersion)
        .join(Course, CourseVersion.course_id == Course.id)
        .where(Course.slug == slug, CourseVersion.is_current)
        .options(selectinload(CourseVersion.modules))
    )
    version = db.scalar(query)
    if version is None:
        raise NotFound(f"There is no course '{slug}' in the catalogue.")
    return version


def course_detail(db: Session, slug: str) -> CourseDetailOut:
    """Everything the course page shows."""
    version = current_version(db, slug)
    base = _course_out(slug, version, {m.slug: m.minutes for m in version.modules})
    modules = [_module_out(module) for module in version.modules]
    return CourseDetailOut(
        **base.model_dump(),
        content_hash=version.content_hash,
        objectives=list(version.spec["objectives"]),
        modules=modules,
    )


def _module_out(module: CourseModule) -> ModuleOut:
    return ModuleOut(
        position=module.position,
        id=module.slug,
        title=module.title,
        minutes=module.minutes,
        objectives=list(module.objectives),
        checks=len(module.checks),
    )


def find_asset(db: Session, sha256: str) -> CourseAsset:
    """An asset by the hash in its URL (any version holding those bytes will do)."""
    asset = db.scalar(select(CourseAsset).where(CourseAsset.sha256 == sha256).limit(1))
    if asset is None:
        raise NotFound("There is no such file.")
    return asset
