"""upload_pack: the same validator as a sync, stored whole or refused whole, bytes kept as sent."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.content.models import CourseVersion, PackReport
from app.content.packs_service import pack_archive, upload_pack, upload_source
from app.content.sync import sync_folder
from tests.content.admin.helpers import pack_zip, row_counts, zip_bytes
from tests.content.packbuilder import minimal_pack

BROKEN_LINES = [
    "course.yaml:9: credit_hours: input should be greater than 0",
    "modules/02-listening.md:2: missing key 'title'",
]


def broken_zip() -> bytes:
    """A pack with two different errors in two files (lines as in BROKEN_LINES)."""
    pack = (
        minimal_pack()
        .edit("course.yaml", "credit_hours: 1.5", "credit_hours: -1")
        .edit("modules/02-listening.md", "title: Listening\n", "")
    )
    return pack_zip(pack, top="demo-course")


@pytest.fixture
def private_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Make upload_pack's temporary folders appear under tmp_path, to watch for leftovers."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_valid_upload_is_stored_with_the_uploaded_bytes(db: Session, private_tmp: Path) -> None:
    data = pack_zip(minimal_pack(), top="demo-course")
    result = upload_pack(db, data, "demo-course.zip")
    assert result.ok and result.created and result.errors == []
    assert result.course_slug == "demo-course" and result.version is not None
    assert result.version.version == "1.0.0" and result.version.is_current
    assert result.version.source == "upload:demo-course.zip"
    assert pack_archive(db, "demo-course", "1.0.0").data == data
    counts = row_counts(db)
    assert counts["CourseModule"] == 2 and counts["CourseAsset"] == 1
    report = db.scalar(select(PackReport).where(PackReport.source == "upload:demo-course.zip"))
    assert report is not None and report.ok and report.course_slug == "demo-course"
    assert list(private_tmp.iterdir()) == []  # the temporary folder is gone


def test_uploading_the_same_files_again_changes_nothing(db: Session) -> None:
    first = upload_pack(db, pack_zip(minimal_pack()), "a.zip")
    # Another zip layout of the same files: the content hash is over files, not zip bytes.
    again = upload_pack(db, pack_zip(minimal_pack(), top="elsewhere"), "b.zip")
    assert first.created and again.ok and not again.created
    assert again.version is not None and first.version is not None
    assert again.version.id == first.version.id
    assert row_counts(db)["CourseVersion"] == 1


def test_invalid_pack_is_refused_whole_with_every_error(
    db: Session, private_tmp: Path, caplog: pytest.LogCaptureFixture
) -> None:
    before = row_counts(db)
    with caplog.at_level(logging.ERROR, logger="app.content.packs_service"):
        result = upload_pack(db, broken_zip(), "broken.zip")
    assert not result.ok and result.version is None
    assert result.errors == BROKEN_LINES  # paths relative to the pack, not the temp folder
    after = row_counts(db)
    assert after["PackReport"] == before["PackReport"] + 1
    assert {k: v for k, v in after.items() if k != "PackReport"} == {
        k: v for k, v in before.items() if k != "PackReport"
    }
    report = db.scalar(select(PackReport).where(PackReport.source == "upload:broken.zip"))
    assert report is not None and not report.ok and report.problems == BROKEN_LINES
    assert "broken.zip was not loaded" in caplog.text and BROKEN_LINES[1] in caplog.text
    assert list(private_tmp.iterdir()) == []


def test_upload_to_a_course_with_the_pack_in_a_folder_gives_the_same_hash(
    db: Session, tmp_path: Path
) -> None:
    folder = tmp_path / "courses"
    minimal_pack().write(folder)
    synced = sync_folder(db, folder)
    assert synced.loaded == ["demo-course 1.0.0"]
    result = upload_pack(db, pack_zip(minimal_pack()), "demo.zip")
    assert result.ok and not result.created


@pytest.mark.parametrize(
    "data",
    [
        zip_bytes({"../../escape.txt": "x", "course.yaml": "id: x"}),
        b"not a zip at all",
        zip_bytes({"assets/zeros.svg": b"\0" * (2 * 1024 * 1024)}),
    ],
    ids=["traversal", "not-a-zip", "bomb"],
)
def test_refused_archives_write_nothing_anywhere(
    db: Session, private_tmp: Path, data: bytes
) -> None:
    before = row_counts(db)
    result = upload_pack(db, data, "hostile.zip")
    assert not result.ok and len(result.errors) == 1
    assert row_counts(db) == before
    assert list(private_tmp.iterdir()) == []
    assert not (private_tmp.parent / "escape.txt").exists()


def test_a_broken_upload_does_not_touch_the_stored_course(db: Session) -> None:
    good = upload_pack(db, pack_zip(minimal_pack()), "good.zip")
    refused = upload_pack(db, broken_zip(), "good.zip")
    assert not refused.ok
    versions = db.scalars(select(CourseVersion)).all()
    assert [v.id for v in versions] == [good.version.id if good.version else None]
    assert versions[0].is_current


@pytest.mark.parametrize(
    ("filename", "source"),
    [
        ("pack.zip", "upload:pack.zip"),
        ("C:\\Users\\ann\\rm.zip", "upload:rm.zip"),
        ("../../x.zip", "upload:x.zip"),
        ("a\nb.zip", "upload:ab.zip"),
        ("", "upload:pack.zip"),
    ],
)
def test_upload_source_names(filename: str, source: str) -> None:
    assert upload_source(filename) == source
