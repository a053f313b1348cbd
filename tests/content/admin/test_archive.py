"""Hostile pack archives are refused whole, with a reason, and never write outside the target."""

from __future__ import annotations

import io
import os
import stat
import warnings
import zipfile
from pathlib import Path

import pytest

from app.content import archive as archive_module
from app.content.archive import ArchiveError, ArchiveLimits, extract_pack_zip
from tests.content.admin.helpers import (
    EPOCH,
    pack_zip,
    patch_entry,
    special_entry,
    zip_bytes,
    zip_with_infos,
)
from tests.content.packbuilder import COURSE_YAML, minimal_pack

MIB = 1024 * 1024


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    """An empty extraction folder two levels below tmp_path, so escapes are visible."""
    folder = tmp_path / "box" / "dest"
    folder.mkdir(parents=True)
    return folder


def outside(tmp_path: Path, dest: Path) -> list[Path]:
    """Everything under tmp_path that is neither dest, inside dest, nor dest's parents."""
    keep = {dest, *dest.parents}
    return [p for p in tmp_path.rglob("*") if p not in keep and dest not in p.parents]


def written(dest: Path) -> int:
    """Bytes of all files under dest."""
    return sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())


def refused(data: bytes, dest: Path, limits: ArchiveLimits | None = None) -> list[str]:
    """Extract, expecting a refusal; returns its error lines."""
    with pytest.raises(ArchiveError) as caught:
        extract_pack_zip(data, dest, *(limits,) if limits else ())
    assert caught.value.errors and caught.value.message.startswith(caught.value.errors[0])
    return caught.value.errors


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../evil.txt", "contains '..' and would point outside the pack"),
        ("modules/../../evil.txt", "contains '..' and would point outside the pack"),
        ("/tmp/evil.txt", "is an absolute path"),
        ("C:/evil.txt", "starts with a drive letter"),
        ("c:evil.txt", "starts with a drive letter"),
        ("..\\evil.txt", "contains a backslash"),
        ("modules\\01-two-jobs.md", "contains a backslash"),
        ("assets/bad\x07name.svg", "contains control characters"),
    ],
)
def test_hostile_names_are_refused_before_anything_is_written(
    tmp_path: Path, dest: Path, name: str, reason: str
) -> None:
    data = zip_bytes({"course.yaml": COURSE_YAML, name: "gotcha"})
    errors = refused(data, dest)
    assert len(errors) == 1 and errors[0].startswith(f"{name!r} {reason}"), errors
    assert list(dest.iterdir()) == []
    assert outside(tmp_path, dest) == []
    assert not (tmp_path / "box" / "evil.txt").exists()


def test_every_bad_name_is_listed_at_once(dest: Path) -> None:
    data = zip_bytes({"../a.md": "x", "/b.md": "y", "course.yaml": COURSE_YAML})
    errors = refused(data, dest)
    assert len(errors) == 2
    assert "'../a.md' contains '..'" in errors[0] and "'/b.md' is an absolute path" in errors[1]
    assert "(and 1 more problems)" in str(ArchiveError(errors))


@pytest.mark.parametrize(
    ("name", "mode", "reason"),
    [
        ("assets/diagram.svg", stat.S_IFLNK | 0o777, "is a symbolic link"),
        ("assets", stat.S_IFLNK | 0o777, "is a symbolic link"),
        ("assets/device", stat.S_IFCHR | 0o644, "not a regular file or folder"),
        ("assets/pipe", stat.S_IFIFO | 0o644, "not a regular file or folder"),
        ("assets/socket", stat.S_IFSOCK | 0o644, "not a regular file or folder"),
    ],
)
def test_links_and_special_files_are_refused(
    tmp_path: Path, dest: Path, name: str, mode: int, reason: str
) -> None:
    course = zipfile.ZipInfo("course.yaml", date_time=EPOCH)
    data = zip_with_infos([(course, COURSE_YAML), (special_entry(name, mode), "/etc/passwd")])
    errors = refused(data, dest)
    assert len(errors) == 1 and errors[0].startswith(f"{name!r} ") and reason in errors[0]
    assert list(dest.iterdir()) == []
    assert outside(tmp_path, dest) == []


def test_encrypted_entries_are_refused(dest: Path) -> None:
    data = zip_bytes({"course.yaml": COURSE_YAML, "modules/01-a.md": "secret"})
    data = patch_entry(data, "modules/01-a.md", field="flags", value=0x1)
    assert refused(data, dest) == [
        "'modules/01-a.md' is encrypted: upload an archive without a password"
    ]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("course.yaml", "course.yaml"),
        ("modules/01-a.md", "Modules/01-A.md"),  # one file on Windows and macOS
        ("modules/01-a.md", "modules/./01-a.md"),
    ],
)
def test_duplicate_names_are_refused(dest: Path, first: str, second: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate it is told to write
        data = zip_with_infos(
            [
                (zipfile.ZipInfo("course.yaml", date_time=EPOCH), COURSE_YAML),
                (zipfile.ZipInfo(first, date_time=EPOCH), "one"),
                (zipfile.ZipInfo(second, date_time=EPOCH), "two"),
            ]
        )
    errors = refused(data, dest)
    assert any("appears more than once in the archive" in e for e in errors), errors
    assert list(dest.iterdir()) == []


def test_a_file_cannot_also_be_a_folder(dest: Path) -> None:
    data = zip_bytes({"course.yaml": COURSE_YAML, "assets": "x", "assets/a.svg": "<svg/>"})
    assert refused(data, dest) == ["'assets/a.svg' is inside 'assets', which is a file"]


def test_too_many_entries(dest: Path) -> None:
    data = zip_bytes({f"assets/{n}.txt": "" for n in range(2001)}, compression=zipfile.ZIP_STORED)
    assert refused(data, dest) == ["the archive has 2001 entries; a pack may have at most 2000"]
    assert list(dest.iterdir()) == []


def test_a_file_over_the_per_file_limit_is_refused_from_its_header(dest: Path) -> None:
    data = zip_bytes({"course.yaml": COURSE_YAML, "assets/big.bin": os.urandom(11 * MIB)})
    errors = refused(data, dest)
    assert errors == ["'assets/big.bin' is 11 MiB; a file may be at most 10 MiB"]
    assert written(dest) == 0


def test_total_expanded_size_over_20_mib_is_refused(dest: Path) -> None:
    # Incompressible, so the ratio check stays out of the way; 7 MiB each is under the per-file cap.
    chunk = os.urandom(7 * MIB)
    data = zip_bytes({f"assets/{n}.bin": chunk for n in range(3)}, compression=zipfile.ZIP_STORED)
    errors = refused(data, dest)
    assert len(errors) == 1 and errors[0].startswith("the archive expands to more than 20 MiB")
    assert written(dest) == 0


@pytest.mark.parametrize(
    ("limits", "reason"),
    [
        (ArchiveLimits(max_total_bytes=300_000), "the archive expands to more than"),
        (ArchiveLimits(max_file_bytes=150_000), "expands beyond"),
    ],
)
def test_sizes_are_counted_while_streaming_not_only_read_from_headers(
    monkeypatch: pytest.MonkeyPatch, dest: Path, limits: ArchiveLimits, reason: str
) -> None:
    """Even when the header check is fooled, the byte counters stop the extraction."""
    plan = archive_module._plan
    blind = ArchiveLimits(max_total_bytes=10**12, max_file_bytes=10**12)
    monkeypatch.setattr(archive_module, "_plan", lambda archive, _limits: plan(archive, blind))
    files = {f"assets/{n}.bin": os.urandom(200_000) for n in range(3)}
    data = zip_bytes(files, compression=zipfile.ZIP_STORED)
    errors = refused(data, dest, limits)
    assert len(errors) == 1 and reason in errors[0], errors
    assert written(dest) <= max(limits.max_total_bytes, limits.max_file_bytes)


def test_a_header_that_understates_the_size_gets_no_more_bytes_out(
    tmp_path: Path, dest: Path
) -> None:
    data = zip_bytes({"course.yaml": COURSE_YAML, "assets/bomb.bin": b"\0" * (30 * MIB)})
    data = patch_entry(data, "assets/bomb.bin", field="size", value=100)
    errors = refused(data, dest)
    assert "damaged" in errors[0], errors
    assert written(dest) <= len(COURSE_YAML.encode()) + 100
    assert outside(tmp_path, dest) == []


def test_compression_bomb_is_stopped_early(dest: Path) -> None:
    # 2 MiB of zeros deflates to about 2 KiB: a 1000:1 ratio no real pack file has.
    data = zip_bytes({"course.yaml": COURSE_YAML, "assets/zeros.svg": b"\0" * (2 * MIB)})
    errors = refused(data, dest)
    assert errors == [
        "'assets/zeros.svg' is compressed more than 100:1, which is how zip bombs look; "
        "packs never need that"
    ]
    assert written(dest) <= 1 * MIB + len(COURSE_YAML.encode())


def test_small_highly_compressible_files_are_fine(dest: Path) -> None:
    pack = minimal_pack().set("assets/blank.txt", " " * 200_000)
    root = extract_pack_zip(pack_zip(pack), dest)
    assert (root / "assets" / "blank.txt").stat().st_size == 200_000


@pytest.mark.parametrize(
    "data",
    [b"", b"this is not a zip", zip_bytes({"course.yaml": COURSE_YAML})[:-30]],
    ids=["empty-body", "text", "truncated"],
)
def test_not_a_zip(dest: Path, data: bytes) -> None:
    errors = refused(data, dest)
    assert len(errors) == 1 and errors[0].startswith("this file is not a readable .zip archive")


def test_an_empty_archive_is_refused(dest: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("demo-course/", date_time=EPOCH), "")
    assert refused(buffer.getvalue(), dest) == ["the archive is empty: it holds no files"]


def test_more_than_one_top_folder_without_course_yaml(dest: Path) -> None:
    data = zip_bytes({"one/course.yaml": COURSE_YAML, "two/course.yaml": COURSE_YAML})
    errors = refused(data, dest)
    assert errors[0].startswith("no course.yaml at the top of the archive")
    assert "found: one/, two/" in errors[0]


def test_pack_at_the_root_of_the_zip(dest: Path) -> None:
    pack = minimal_pack()
    root = extract_pack_zip(pack_zip(pack), dest)
    assert root == dest
    assert (root / "modules" / "01-two-jobs.md").read_text() == pack.files["modules/01-two-jobs.md"]


def test_pack_inside_one_top_folder_ignoring_macos_debris(tmp_path: Path, dest: Path) -> None:
    files = {f"demo-course/{rel}": body for rel, body in minimal_pack().files.items()}
    files["__MACOSX/demo-course/._course.yaml"] = "resource fork"
    files[".DS_Store"] = "finder"
    files["./demo-course/./assets/extra.svg"] = "<svg/>"
    root = extract_pack_zip(zip_bytes(files), dest)
    assert root == dest / "demo-course"
    assert (root / "course.yaml").read_text() == COURSE_YAML
    assert (root / "assets" / "extra.svg").exists()
    assert not (dest / "__MACOSX").exists()
    assert outside(tmp_path, dest) == []
