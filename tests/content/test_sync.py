"""Sync: whole packs or nothing, broken packs isolated and reported, re-sync changes nothing."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import PROJECT_ROOT
from app.content.models import Course, CourseAsset, CourseModule, CourseVersion, PackReport
from app.content.sync import reproducible_zip, sync_folder
from tests.content.packbuilder import minimal_pack

REAL_COURSES = PROJECT_ROOT / "courses"


def _count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_real_courses_load_and_resync_changes_nothing(db: Session) -> None:
    first = sync_folder(db, REAL_COURSES)
    assert first.failed == {}
    assert len(first.loaded) == 4
    counts = [_count(db, m) for m in (Course, CourseVersion, CourseModule)]
    snapshot = {v.id: (v.content_hash, v.is_current) for v in db.scalars(select(CourseVersion))}
    second = sync_folder(db, REAL_COURSES)
    assert second.loaded == [] and len(second.unchanged) == 4
    assert [_count(db, m) for m in (Course, CourseVersion, CourseModule)] == counts
    after = {v.id: (v.content_hash, v.is_current) for v in db.scalars(select(CourseVersion))}
    assert after == snapshot


def test_changed_pack_becomes_a_new_current_version(db: Session, tmp_path: Path) -> None:
    pack = minimal_pack()
    pack.write(tmp_path)
    sync_folder(db, tmp_path)
    pack.edit("course.yaml", 'version: "1.0.0"', 'version: "1.1.0"').write(tmp_path)
    result = sync_folder(db, tmp_path)
    assert result.loaded == ["demo-course 1.1.0"]
    versions = list(db.scalars(select(CourseVersion).order_by(CourseVersion.id)))
    assert [(v.version, v.is_current) for v in versions] == [("1.0.0", False), ("1.1.0", True)]


def test_broken_pack_does_not_stop_the_others_and_is_reported(db: Session, tmp_path: Path) -> None:
    minimal_pack().write(tmp_path, "good")
    broken = minimal_pack().edit("course.yaml", "id: demo-course", "id: other-course")
    broken.edit("modules/02-listening.md", "answer: [2, 3]", "answer: [2, 9]").write(
        tmp_path, "bad"
    )
    result = sync_folder(db, tmp_path)
    assert result.loaded == ["demo-course 1.0.0"]
    assert list(result.failed) == [f"{tmp_path.as_posix()}/bad"]
    assert result.failed[f"{tmp_path.as_posix()}/bad"] == [
        f"{tmp_path.as_posix()}/bad/modules/02-listening.md:11: "
        "check 'hear': answer 9 is out of range (choices are numbered 1 to 3)"
    ]
    slugs = set(db.scalars(select(Course.slug)))
    assert slugs == {"demo-course"}  # nothing of the broken pack was written
    report = db.scalar(select(PackReport).where(PackReport.source.endswith("/bad")))
    assert report is not None and not report.ok and report.problems


def test_duplicate_course_ids_load_only_the_first(db: Session, tmp_path: Path) -> None:
    minimal_pack().write(tmp_path, "a-first")
    minimal_pack().edit("course.yaml", "title: Demo course", "title: Copy").write(
        tmp_path, "b-copy"
    )
    result = sync_folder(db, tmp_path)
    assert result.loaded == ["demo-course 1.0.0"]
    (lines,) = result.failed.values()
    assert "duplicate course id 'demo-course'" in lines[0]


def test_lesson_html_is_sanitised_and_assets_get_hashed_urls(
    db: Session, client: TestClient, tmp_path: Path
) -> None:
    pack = minimal_pack().edit(
        "modules/01-two-jobs.md", "# Two jobs\n", "# Two jobs\n\n<script>alert(1)</script>\n"
    )
    pack.write(tmp_path)
    sync_folder(db, tmp_path)
    module = db.scalar(select(CourseModule).where(CourseModule.slug == "two-jobs"))
    assert module is not None
    assert "<script" not in module.online_html
    asset = db.scalar(select(CourseAsset))
    assert asset is not None
    url = f"/assets/{asset.sha256}/diagram.svg"
    assert url in module.online_html
    response = client.get(url)
    assert response.status_code == 200
    assert response.content == pack.files["assets/diagram.svg"].encode()  # type: ignore[union-attr]
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "sandbox" in response.headers["content-security-policy"]
    assert client.get(f"/assets/{'0' * 64}/diagram.svg").status_code == 404


def test_reproducible_zip_depends_only_on_files() -> None:
    files = {"b.txt": b"2", "a.txt": b"1"}
    assert reproducible_zip(files) == reproducible_zip(dict(reversed(files.items())))
    assert reproducible_zip(files) != reproducible_zip({**files, "a.txt": b"x"})


def test_overlong_version_is_refused_by_the_validator(db: Session, tmp_path: Path) -> None:
    pack = minimal_pack().edit("course.yaml", 'version: "1.0.0"', f'version: "{"1" * 65}"')
    pack.write(tmp_path)
    result = sync_folder(db, tmp_path)
    (lines,) = result.failed.values()
    assert lines == [
        f"{tmp_path.as_posix()}/demo-course/course.yaml:2: "
        "version: string should have at most 64 characters"
    ]
    assert _count(db, CourseVersion) == 0
