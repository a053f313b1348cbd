"""Safe extraction of an uploaded pack .zip: nothing outside the target, nothing unbounded.

Every entry is checked before a byte is written (names, types, header sizes, count), so a
hostile archive is refused whole; the sizes are then enforced again while streaming,
because headers are written by whoever built the zip.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path, PurePosixPath

from app.content.loader import COURSE_FILE
from app.errors import Invalid

MIB = 1024 * 1024
_CHUNK = 64 * 1024
_DRIVE_RE = re.compile(r"^[A-Za-z]:")
# macOS Finder adds resource forks under this folder; they are never pack content.
_MACOS_JUNK = "__MACOSX"


@dataclass(frozen=True)
class ArchiveLimits:
    """How big an uploaded pack may get once expanded."""

    max_total_bytes: int = 20 * MIB
    max_file_bytes: int = 10 * MIB
    max_entries: int = 2000
    # Deflate tops out near 1000:1; real text and images stay far below 100:1. Small
    # files are exempt because a few KiB of repeated characters compress absurdly well.
    max_ratio: int = 100
    ratio_floor_bytes: int = 1 * MIB


DEFAULT_LIMITS = ArchiveLimits()


class ArchiveError(Invalid):
    """The upload is not a zip we are willing to extract; ``errors`` says why, entry by entry."""

    title = "Archive refused"

    def __init__(self, errors: list[str]) -> None:
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        super().__init__(f"{errors[0]}{more}")
        self.errors = errors


def _mib(size: int) -> str:
    return f"{size / MIB:.1f}".removesuffix(".0") + " MiB"


def _entry_name(raw: str) -> tuple[str | None, str | None]:
    """(normalised relative name, None) or (None, the reason the name is refused)."""
    shown = repr(raw)
    if "\\" in raw:
        return None, (
            f"{shown} contains a backslash: zip paths must use '/'; re-create the zip with "
            "a standard zip tool"
        )
    if raw.startswith("/"):
        return None, f"{shown} is an absolute path: entries must be relative to the pack"
    if _DRIVE_RE.match(raw):
        return None, f"{shown} starts with a drive letter: entries must be relative to the pack"
    parts = raw.split("/")
    if ".." in parts:
        return None, f"{shown} contains '..' and would point outside the pack"
    if any(ord(char) < 32 for char in raw):
        return None, f"{shown} contains control characters"
    # "a//b" and "./a" are harmless spellings of "a/b" and "a"; compare names in one form.
    kept = [part for part in parts if part not in ("", ".")]
    return "/".join(kept), None


def _entry_kind(info: zipfile.ZipInfo) -> str:
    """'file', 'dir', 'link' or 'special', from the Unix mode bits the zip carries."""
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "link"
    if info.is_dir() or stat.S_ISDIR(mode):
        return "dir"
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
        return "special"
    return "file"


@dataclass(frozen=True)
class _Entry:
    info: zipfile.ZipInfo
    name: str
    is_dir: bool


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise ArchiveError(
            [
                f"this file is not a readable .zip archive ({error}); compress the pack folder "
                "as a .zip and upload that"
            ]
        ) from error


def _plan(archive: zipfile.ZipFile, limits: ArchiveLimits) -> list[_Entry]:
    """Check every entry's name, type and declared size; refuse with all findings at once."""
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise ArchiveError(
            [f"the archive has {len(infos)} entries; a pack may have at most {limits.max_entries}"]
        )
    problems: list[str] = []
    entries: list[_Entry] = []
    seen: dict[str, str] = {}  # case-folded name -> name as first seen
    declared = 0
    for info in infos:
        name, refusal = _entry_name(info.filename)
        if refusal:
            problems.append(refusal)
            continue
        assert name is not None
        if not name or name.split("/")[0] == _MACOS_JUNK:
            continue
        kind = _entry_kind(info)
        if kind == "link":
            problems.append(
                f"{name!r} is a symbolic link: links are not allowed in packs; "
                "put the file itself in the archive"
            )
            continue
        if kind == "special":
            problems.append(f"{name!r} is not a regular file or folder (a device, pipe or socket)")
            continue
        if info.flag_bits & 0x1:
            problems.append(f"{name!r} is encrypted: upload an archive without a password")
            continue
        # Case-insensitive: such names would overwrite each other on Windows or macOS.
        folded = name.casefold()
        if folded in seen and kind == "file":
            problems.append(f"{name!r} appears more than once in the archive")
            continue
        seen.setdefault(folded, name)
        if kind == "file":
            if info.file_size > limits.max_file_bytes:
                problems.append(
                    f"{name!r} is {_mib(info.file_size)}; a file may be at most "
                    f"{_mib(limits.max_file_bytes)}"
                )
            declared += info.file_size
        entries.append(_Entry(info, name, kind == "dir"))
    if declared > limits.max_total_bytes:
        problems.append(_total_message(declared, limits))
    problems += _path_conflicts(entries)
    if problems:
        raise ArchiveError(problems)
    if not any(not entry.is_dir for entry in entries):
        raise ArchiveError(["the archive is empty: it holds no files"])
    return entries


def _total_message(size: int, limits: ArchiveLimits) -> str:
    return (
        f"the archive expands to more than {_mib(limits.max_total_bytes)} "
        f"(at least {_mib(size)}); make the pack smaller, for example by compressing images"
    )


def _path_conflicts(entries: list[_Entry]) -> list[str]:
    # "a" as a file and "a/b" as another file cannot both exist on disk.
    files = {entry.name.casefold() for entry in entries if not entry.is_dir}
    problems = []
    for entry in entries:
        parents = PurePosixPath(entry.name).parents
        clash = next((p for p in parents if p.as_posix().casefold() in files), None)
        if clash is not None:
            problems.append(f"{entry.name!r} is inside {clash.as_posix()!r}, which is a file")
    return problems


def _write(
    archive: zipfile.ZipFile, entry: _Entry, target: Path, limits: ArchiveLimits, total: int
) -> int:
    """Stream one entry to ``target`` with counters; returns the new running total."""
    info = entry.info
    written = 0
    # O_EXCL|O_NOFOLLOW: never follow or reuse something already at the target.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with archive.open(info) as source, os.fdopen(os.open(target, flags, 0o600), "wb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            total += len(chunk)
            if written > limits.max_file_bytes:
                raise ArchiveError(
                    [
                        f"{entry.name!r} expands beyond {_mib(limits.max_file_bytes)}, "
                        "the limit for one file"
                    ]
                )
            if total > limits.max_total_bytes:
                raise ArchiveError([_total_message(total, limits)])
            if written > limits.ratio_floor_bytes and written > limits.max_ratio * max(
                info.compress_size, 1
            ):
                raise ArchiveError(
                    [
                        f"{entry.name!r} is compressed more than {limits.max_ratio}:1, which is "
                        "how zip bombs look; packs never need that"
                    ]
                )
            out.write(chunk)
    return total


def _extract(
    archive: zipfile.ZipFile, entries: list[_Entry], dest: Path, limits: ArchiveLimits
) -> None:
    root = dest.resolve()
    total = 0
    for entry in entries:
        target = root.joinpath(*entry.name.split("/"))
        # Names were checked already; this is the last guard should that check ever slip.
        if not target.resolve().is_relative_to(root):
            raise ArchiveError([f"{entry.name!r} would be written outside the pack"])
        if entry.is_dir:
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        total = _write(archive, entry, target, limits, total)


def _pack_root(dest: Path) -> Path:
    """``dest`` when course.yaml is at the top, else the one top folder holding the pack."""
    if (dest / COURSE_FILE).is_file():
        return dest
    # Hidden entries (.DS_Store) are not pack content, so they do not count as a second top.
    tops = sorted(child for child in dest.iterdir() if not child.name.startswith("."))
    if len(tops) == 1 and tops[0].is_dir():
        return tops[0]
    found = ", ".join(child.name + ("/" if child.is_dir() else "") for child in tops[:10])
    raise ArchiveError(
        [
            f"no {COURSE_FILE} at the top of the archive, and not exactly one top folder to look "
            f"in (found: {found or 'nothing'}); zip the pack folder itself"
        ]
    )


def extract_pack_zip(data: bytes, dest: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> Path:
    """Extract a pack .zip into the empty folder ``dest``; returns the pack's root folder."""
    with _open_zip(data) as archive:
        entries = _plan(archive, limits)
        try:
            _extract(archive, entries, dest, limits)
        except ArchiveError:
            raise
        except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as error:
            raise ArchiveError(
                [f"the archive is damaged or uses an unsupported feature ({error})"]
            ) from error
        except RuntimeError as error:  # zipfile's "password required"
            raise ArchiveError([f"the archive cannot be read ({error})"]) from error
        except OSError as error:
            raise ArchiveError(
                [f"an entry cannot be written ({error.strerror}): check the file names"]
            ) from error
    return _pack_root(dest)
