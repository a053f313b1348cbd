"""Use cases behind the admins' Content page and the packs API: upload, download, overview."""

from __future__ import annotations

import logging
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from app.config import get_settings
from app.content.archive import ArchiveError, extract_pack_zip
from app.content.loader import PackError, load_pack
from app.content.models import Course, CourseVersion, PackReport
from app.content.problems import Problem
from app.content.sync import SyncResult, install_pack, record_report, sync_folder
from app.errors import NotFound

log = logging.getLogger(__name__)

UPLOAD_SOURCE_PREFIX = "upload:"
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def max_upload_bytes() -> int:
    """The largest .zip accepted, before expansion (``APEX_MAX_PACK_UPLOAD_BYTES``)."""
    return get_settings().max_pack_upload_bytes


@dataclass(frozen=True)
class UploadResult:
    """The outcome of one upload: the stored version, or every reason it was refused."""

    course_slug: str | None = None
    version: CourseVersion | None = None
    created: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the pack was stored (new or unchanged)."""
        return self.version is not None


def upload_source(filename: str) -> str:
    """The PackReport source for an uploaded file: its base name, without control characters."""
    base = PurePosixPath(filename.replace("\\", "/")).name
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip()[:200]
    return UPLOAD_SOURCE_PREFIX + (cleaned or "pack.zip")


def _relative(problem: Problem, root: Path, label: str) -> Problem:
    # The temporary folder means nothing to the person who uploaded: show pack paths.
    prefix = root.as_posix()
    path = problem.path
    if path == prefix:
        path = label
    elif path.startswith(prefix + "/"):
        path = path[len(prefix) + 1 :]
    message = problem.message.replace(prefix + "/", "").replace(prefix, label)
    return Problem(path, problem.line, message, problem.severity)


def upload_pack(db: Session, data: bytes, filename: str) -> UploadResult:
    """Validate an uploaded pack .zip and store it whole, or refuse it whole with every reason.

    A refused archive writes nothing; an invalid pack writes only its PackReport, which
    the caller must commit (so do not raise past it).
    """
    source = upload_source(filename)
    label = source.removeprefix(UPLOAD_SOURCE_PREFIX)
    with tempfile.TemporaryDirectory(prefix="apex-upload-") as folder:
        try:
            root = extract_pack_zip(data, Path(folder))
        except ArchiveError as error:
            log.warning("pack upload %s refused: %s", label, "; ".join(error.errors))
            return UploadResult(errors=error.errors)
        try:
            pack = load_pack(root)
        except PackError as error:
            problems = [_relative(p, root, label) for p in error.problems]
            record_report(db, source, course_slug=None, problems=problems)
            lines = [str(p) for p in problems]
            log.error("pack upload %s was not loaded:\n  %s", label, "\n  ".join(lines))
            return UploadResult(errors=lines)
        warnings = [_relative(p, root, label) for p in pack.warnings]
    # The uploaded bytes themselves are kept, so a download returns exactly this file.
    # A savepoint, as in sync: a database error leaves no half-stored version behind.
    with db.begin_nested():
        version, created = install_pack(db, pack, archive=data, source=source)
    record_report(db, source, course_slug=pack.course.id, problems=warnings)
    return UploadResult(course_slug=pack.course.id, version=version, created=created)


@dataclass(frozen=True)
class PackDownload:
    """A stored pack archive and the file name to offer it under."""

    filename: str
    data: bytes


def _download(slug: str, version: CourseVersion) -> PackDownload:
    safe = _UNSAFE_NAME_CHARS.sub("_", f"{slug}-{version.version}")
    return PackDownload(filename=f"{safe}.zip", data=version.archive)


def pack_archive(db: Session, slug: str, version: str) -> PackDownload:
    """The .zip of a course version by version string (the newest when several share it)."""
    course = db.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise NotFound(f"There is no course '{slug}'. Check the pack id.")
    found = db.scalar(
        select(CourseVersion)
        .where(CourseVersion.course_id == course.id, CourseVersion.version == version)
        .order_by(CourseVersion.created_at.desc(), CourseVersion.id.desc())
        .limit(1)
    )
    if found is None:
        raise NotFound(f"Course '{slug}' has no version '{version}'.")
    return _download(slug, found)


def version_archive(db: Session, version_id: int) -> PackDownload:
    """The .zip of one stored course version, by its row id."""
    found = db.get(CourseVersion, version_id)
    if found is None:
        raise NotFound("That course version does not exist (any more).")
    course = db.get(Course, found.course_id)
    assert course is not None  # the foreign key guarantees it
    return _download(course.slug, found)


@dataclass(frozen=True)
class CourseRow:
    """One course on the Content page, with its versions newest first."""

    slug: str
    versions: list[CourseVersion]


@dataclass(frozen=True)
class ContentOverview:
    """What the Content page shows: loaded courses and the last report of every source."""

    courses: list[CourseRow]
    broken: list[PackReport]
    reports: list[PackReport]


def content_overview(db: Session) -> ContentOverview:
    """Courses with their versions, and pack reports with broken ones first."""
    # The archives can be megabytes each; the page never needs them.
    versions = db.scalars(
        select(CourseVersion)
        .options(defer(CourseVersion.archive, raiseload=True))
        .order_by(CourseVersion.created_at.desc(), CourseVersion.id.desc())
    ).all()
    by_course: dict[int, list[CourseVersion]] = {}
    for version in versions:
        by_course.setdefault(version.course_id, []).append(version)
    courses = [
        CourseRow(course.slug, by_course.get(course.id, []))
        for course in db.scalars(select(Course).order_by(Course.slug))
    ]
    reports = list(db.scalars(select(PackReport).order_by(PackReport.source)))
    return ContentOverview(
        courses=courses,
        broken=[report for report in reports if not report.ok],
        reports=reports,
    )


def sync_courses(db: Session, root: Path) -> SyncResult:
    """Load every pack in the courses folder (each whole or not at all)."""
    return sync_folder(db, root)


def sync_summary(result: SyncResult) -> str:
    """'N loaded, M unchanged, K failed' for a flash message."""
    return (
        f"{len(result.loaded)} loaded, {len(result.unchanged)} unchanged, "
        f"{len(result.failed)} failed"
    )
