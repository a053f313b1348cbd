"""validate_paths over folders of packs, duplicate course ids, and the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.content.validator import main, validate_paths
from tests.content.packbuilder import (
    LISTENING_MD,
    PackBuilder,
    assert_has,
    assert_only,
    describe,
    minimal_pack,
)


def test_folder_of_packs_is_detected(tmp_path: Path) -> None:
    minimal_pack().write(tmp_path / "courses", "a")
    other = minimal_pack().edit("course.yaml", "id: demo-course", "id: other-course")
    other.edit("modules/01-two-jobs.md", "answer: 2", "answer: 9")
    other.write(tmp_path / "courses", "b")
    problems = validate_paths([tmp_path / "courses"])
    assert_only(problems, "b/modules/01-two-jobs.md", 11, "answer 9 is out of range")


def test_duplicate_course_ids_across_packs(tmp_path: Path) -> None:
    minimal_pack().write(tmp_path / "courses", "a")
    minimal_pack().write(tmp_path / "courses", "b")
    problems = validate_paths([tmp_path / "courses"])
    first = (tmp_path / "courses" / "a" / "course.yaml").as_posix()
    assert_only(
        problems, "b/course.yaml", 1, f"duplicate course id 'demo-course' (also in {first})"
    )


def test_same_pack_named_twice_is_not_a_duplicate(pack: PackBuilder, tmp_path: Path) -> None:
    root = pack.write(tmp_path / "courses")
    problems = validate_paths([tmp_path / "courses", root])
    assert problems == [], describe(problems)


def test_folder_without_course_yaml_in_folder_of_packs(tmp_path: Path) -> None:
    minimal_pack().write(tmp_path / "courses", "a")
    (tmp_path / "courses" / "drafts").mkdir()
    problems = validate_paths([tmp_path / "courses"])
    assert_only(problems, "courses/drafts", 0, "folder has no course.yaml")


def test_pack_without_course_yaml_is_still_a_pack(pack: PackBuilder, tmp_path: Path) -> None:
    root = pack.remove("course.yaml").write(tmp_path)
    problems = validate_paths([root])
    assert_only(problems, "demo-course/course.yaml", 0, "missing course.yaml")


def test_missing_path(tmp_path: Path) -> None:
    problems = validate_paths([tmp_path / "nope"])
    assert_only(problems, "nope", 0, "no such file or folder")


def test_main_valid_pack_exits_zero(
    pack: PackBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = pack.write(tmp_path)
    assert main([str(root)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip() == "1 pack checked, 0 errors, 0 warnings"


def test_main_defaults_to_courses_and_exits_one_on_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    minimal_pack().write(tmp_path / "courses", "a")
    broken = minimal_pack().edit("course.yaml", "id: demo-course", "id: broken")
    broken.set("modules/02-listening.md", LISTENING_MD + "\n<script>x()</script>\n")
    broken.edit("modules/01-two-jobs.md", "minutes: 60", "minutes: 1")
    broken.write(tmp_path / "courses", "b")
    monkeypatch.chdir(tmp_path)
    assert main([]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "courses/b/modules/01-two-jobs.md:3: minutes: input should be greater than or equal to 5",
        "courses/b/modules/02-listening.md:16: warning: raw HTML <script> is removed by the "
        "sanitiser",
    ]
    assert err.strip() == "2 packs checked, 1 error, 1 warning"


def test_main_warnings_only_exit_zero(
    pack: PackBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack.set("modules/02-listening.md", LISTENING_MD + "\n<marquee>hi</marquee>\n")
    assert main([str(pack.write(tmp_path))]) == 0
    out, err = capsys.readouterr()
    assert "warning: raw HTML <marquee>" in out
    assert err.strip() == "1 pack checked, 0 errors, 1 warning"


def test_module_entry_point(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit("course.yaml", "credit_hours: 1.5", "credit_hours: 0")
    root = pack.write(tmp_path)
    project = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-m", "app.content.validator", str(root)],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.strip().endswith(
        "course.yaml:9: credit_hours: input should be greater than 0"
    )
    assert result.stderr.strip() == "1 pack checked, 1 error, 0 warnings"


def test_every_problem_category_is_reported_once(tmp_path: Path) -> None:
    """A pack broken in several ways reports each problem, sorted by file and line."""
    pack = minimal_pack()
    pack.edit("course.yaml", "title: Demo course\n", "title: Demo course\nteaser: x\n")
    pack.edit("modules/02-listening.md", "answer: [2, 3]", "answer: [2, 7]")
    problems = validate_paths([pack.write(tmp_path)])
    assert len(problems) == 2, describe(problems)
    assert_has(problems, "course.yaml", 4, "unknown key 'teaser'")
    assert_has(problems, "modules/02-listening.md", 11, "answer 7 is out of range")
    assert [p.path.rsplit("/", 1)[-1] for p in problems] == ["course.yaml", "02-listening.md"]
