"""Loading packs into the database: whole or not at all, one pack's failure isolated.

A pack's content hash identifies a version: loading files whose hash is already stored
changes nothing, so syncing on every start is cheap and safe.
"""

from __future__ import annotations

import hashlib
import io
import logging
import mimetypes
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.content.credits import default_credit_hours
from app.content.loader import COURSE_FILE, LoadedPack, PackError, load_pack
from app.content.models import Course, CourseAsset, CourseModule, CourseVersion, PackReport
from app.content.problems import Problem
from app.content.render import render_module
from app.db import utcnow

log = logging.getLogger(__name__)

ASSET_PREFIX = "assets/"
# Fixed timestamp: the same files always give the same zip bytes.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass
class SyncResult:
    """What a sync did, pack by pack."""

    loaded: list[str] = field(default_factory=list)  # new versions, as "id version"
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, list[str]] = field(default_factory=dict)  # source -> problem lines

    @property
    def ok(self) -> bool:
        """True when no pack failed."""
        return not self.failed


def reproducible_zip(files: Mapping[str, bytes]) -> bytes:
    """A zip of ``files`` whose bytes depend only on the paths and contents."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[path])
    return buffer.getvalue()


def asset_sha256(data: bytes) -> str:
    """The hash that names an asset's URL."""
    return hashlib.sha256(data).hexdigest()


def install_pack(
    db: Session, pack: LoadedPack, *, archive: bytes, source: str
) -> tuple[CourseVersion, bool]:
    """Store a validated pack as the course's current version; (version, created?)."""
    spec = pack.course
    course = db.scalar(select(Course).where(Course.slug == spec.id))
    if course is None:
        course = Course(slug=spec.id)
        db.add(course)
        db.flush()
    existing = db.scalar(
        select(CourseVersion).where(
            CourseVersion.course_id == course.id,
            CourseVersion.content_hash == pack.content_hash,
        )
    )
    if existing is not None:
        # A retired version stays retired when its files are synced or uploaded again.
        if not existing.is_current and existing.retired_at is None:
            make_current(db, course.id, existing)
        return existing, False
    version = CourseVersion(
        course_id=course.id,
        version=spec.version,
        content_hash=pack.content_hash,
        title=spec.title,
        summary=spec.summary,
        credit_hours=default_credit_hours(spec),
        free_online=spec.free_online,
        spec=spec.model_dump(mode="json"),
        archive=archive,
        source=source,
    )
    db.add(version)
    db.flush()
    urls = {}
    for path, data in pack.files.items():
        if not path.startswith(ASSET_PREFIX):
            continue
        digest = asset_sha256(data)
        media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        db.add(
            CourseAsset(
                course_version_id=version.id,
                path=path,
                sha256=digest,
                media_type=media_type,
                data=data,
            )
        )
        urls[path] = asset_url_for(digest, path)
    for position, module in enumerate(pack.modules, start=1):
        db.add(
            CourseModule(
                course_version_id=version.id,
                position=position,
                slug=module.id,
                title=module.meta.title,
                minutes=module.meta.minutes,
                objectives=list(module.meta.objectives),
                checks=[check.model_dump(mode="json") for check in module.meta.checks],
                body=module.body,
                online_html=render_module(
                    module.body, "online", asset_url=lambda p: urls.get(p, p)
                ),
            )
        )
    make_current(db, course.id, version)
    return version, True


def asset_url_for(sha256: str, path: str) -> str:
    """The immutable URL of an asset: its hash, then its file name for humans."""
    return f"/assets/{sha256}/{PurePosixPath(path).name}"


def make_current(db: Session, course_id: int, version: CourseVersion) -> None:
    """Make ``version`` the course's one current version."""
    db.execute(
        update(CourseVersion)
        .where(CourseVersion.course_id == course_id, CourseVersion.id != version.id)
        .values(is_current=False)
    )
    version.is_current = True
    db.flush()


def record_report(
    db: Session, source: str, *, course_slug: str | None, problems: list[Problem] | list[str]
) -> None:
    """Remember the outcome of loading ``source`` for the admins' Content page."""
    lines = [str(problem) for problem in problems]
    errors = [p for p in problems if not isinstance(p, Problem) or p.is_error]
    report = db.scalar(select(PackReport).where(PackReport.source == source))
    if report is None:
        report = PackReport(source=source, ok=True, problems=[])
        db.add(report)
    report.course_slug = course_slug
    report.ok = not errors
    report.problems = lines
    report.checked_at = utcnow()
    db.flush()


def pack_folders(root: Path) -> list[Path]:
    """The pack folders in ``root`` (or ``root`` itself when it is one pack)."""
    if (root / COURSE_FILE).exists():
        return [root]
    if not root.is_dir():
        return []
    return sorted(
        child
        for child in root.iterdir()
        if child.is_dir() and not child.name.startswith(".") and (child / COURSE_FILE).exists()
    )


def sync_folder(db: Session, root: Path) -> SyncResult:
    """Load every pack under ``root``; a broken pack is reported and skipped, never half-loaded."""
    result = SyncResult()
    seen: dict[str, str] = {}
    for folder in pack_folders(root):
        source = folder.as_posix()
        try:
            pack = load_pack(folder)
        except PackError as error:
            lines = [str(problem) for problem in error.problems if problem.is_error]
            _fail(db, result, source, None, error.problems, lines)
            continue
        slug = pack.course.id
        if slug in seen:
            problem = Problem(
                f"{source}/{COURSE_FILE}", 1, f"duplicate course id '{slug}' (also in {seen[slug]})"
            )
            _fail(db, result, source, slug, [problem], [str(problem)])
            continue
        seen[slug] = source
        # A savepoint per pack: a database error in one pack leaves the others loaded.
        with db.begin_nested():
            version, created = install_pack(
                db, pack, archive=reproducible_zip(pack.files), source=source
            )
        record_report(db, source, course_slug=slug, problems=list(pack.warnings))
        label = f"{slug} {version.version}"
        (result.loaded if created else result.unchanged).append(label)
    return result


def _fail(
    db: Session,
    result: SyncResult,
    source: str,
    slug: str | None,
    problems: list[Problem],
    lines: list[str],
) -> None:
    result.failed[source] = lines
    record_report(db, source, course_slug=slug, problems=problems)
    log.error("content pack %s was not loaded:\n  %s", source, "\n  ".join(lines))
