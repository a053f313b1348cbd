"""Validate content packs: `python -m app.content.validator [PATH ...]` (default `courses`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from app.content.loader import COURSE_FILE, MODULES_DIR, inspect_pack
from app.content.problems import Problem

__all__ = ["Problem", "check_paths", "main", "summary_line", "validate_pack", "validate_paths"]


def validate_pack(path: Path) -> list[Problem]:
    """Every problem in one pack folder, ordered by file and line."""
    return inspect_pack(Path(path)).problems


def _is_pack(folder: Path) -> bool:
    # A folder with modules/ but no course.yaml is a broken pack, not a folder of packs.
    return (folder / COURSE_FILE).exists() or (folder / MODULES_DIR).is_dir()


def _find_packs(path: Path) -> tuple[list[Path], list[Problem]]:
    """The pack folders `path` stands for: itself, or its subfolders."""
    shown = path.as_posix()
    try:
        if not path.exists():
            return [], [Problem(shown, 0, "no such file or folder")]
        if not path.is_dir():
            return [], [Problem(shown, 0, "not a pack folder or a folder of packs")]
        if _is_pack(path):
            return [path], []
        packs: list[Path] = []
        problems: list[Problem] = []
        for child in sorted(path.iterdir()):
            if child.name.startswith(".") or not child.is_dir():
                continue
            if _is_pack(child):
                packs.append(child)
            else:
                problems.append(
                    Problem(child.as_posix(), 0, "folder has no course.yaml, so it is not a pack")
                )
        return packs, problems
    except OSError as error:
        return [], [Problem(shown, 0, f"cannot read: {error.strerror}")]
    except ValueError as error:  # e.g. a NUL byte in the path
        return [], [Problem(shown, 0, f"cannot use this path: {error}")]


def check_paths(paths: Sequence[Path]) -> tuple[int, list[Problem]]:
    """Validate packs and folders of packs; returns (packs checked, problems)."""
    problems: list[Problem] = []
    packs: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        found, trouble = _find_packs(Path(path))
        problems.extend(trouble)
        for pack in found:
            # The same pack named twice (`courses courses/x`) would otherwise clash with itself.
            key = pack.resolve()
            if key not in seen:
                seen.add(key)
                packs.append(pack)
    first_file: dict[str, str] = {}
    for pack in packs:
        draft = inspect_pack(pack)
        problems.extend(draft.problems)
        data = draft.course_data
        course_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(course_id, str):
            continue
        where = draft.where(COURSE_FILE)
        if course_id in first_file:
            line = draft.course_locator.line("id")
            message = f"duplicate course id '{course_id}' (also in {first_file[course_id]})"
            problems.append(Problem(where, line, message))
        else:
            first_file[course_id] = where
    return len(packs), problems


def validate_paths(paths: list[Path]) -> list[Problem]:
    """Every problem in the given packs or folders of packs, including duplicate course ids."""
    return check_paths(paths)[1]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(pack_count: int, problems: Sequence[Problem]) -> str:
    """One line such as "4 packs checked, 0 errors, 1 warning"."""
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors
    checked = _plural(pack_count, "pack")
    return f"{checked} checked, {_plural(errors, 'error')}, {_plural(warnings, 'warning')}"


def main(argv: Sequence[str] | None = None) -> int:
    """Print every problem, a summary on stderr; return 1 when there is any error."""
    parser = argparse.ArgumentParser(
        prog="python -m app.content.validator", description="Check APEX content packs."
    )
    parser.add_argument(
        "paths", nargs="*", default=["courses"], help="pack folders or folders of packs"
    )
    args = parser.parse_args(argv)
    for stream in (sys.stdout, sys.stderr):
        # File names that are not valid UTF-8, or a non-UTF-8 terminal, must not crash us.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    pack_count, problems = check_paths([Path(p) for p in args.paths])
    for problem in problems:
        print(problem)
    print(summary_line(pack_count, problems), file=sys.stderr)
    return 1 if any(p.is_error for p in problems) else 0


if __name__ == "__main__":
    sys.exit(main())
