"""load_pack, content hash, parse_blocks, and robustness against hostile input."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.loader import LoadedPack, PackError, load_pack, parse_blocks
from app.content.validator import validate_pack
from tests.content.packbuilder import LISTENING_MD, PackBuilder, assert_has, describe


def test_load_valid_pack(pack: PackBuilder, tmp_path: Path) -> None:
    loaded = load_pack(pack.write(tmp_path))
    assert isinstance(loaded, LoadedPack)
    assert loaded.course.id == "demo-course"
    assert loaded.course.formats["one-day"].day_minutes == 480  # the documented default
    assert loaded.course.completion.min_check_score == 80
    assert [m.id for m in loaded.modules] == ["two-jobs", "listening"]
    first = loaded.modules[0]
    assert first.path == "modules/01-two-jobs.md"
    assert first.meta.checks[0].answer == 2
    assert first.body_line == 14
    assert first.body.splitlines()[0] == "# Two jobs"
    assert sorted(loaded.files) == [
        "assets/diagram.svg",
        "course.yaml",
        "modules/01-two-jobs.md",
        "modules/02-listening.md",
    ]
    assert loaded.files["assets/diagram.svg"].startswith(b"<svg")
    assert loaded.warnings == ()


def test_modules_are_ordered_by_file_name(pack: PackBuilder, tmp_path: Path) -> None:
    pack.set("modules/00-warm-up.md", LISTENING_MD.replace("title: Listening", "title: Warm up"))
    pack.edit(
        "course.yaml",
        "      - {day: 1, minutes: 15, title: Welcome}\n",
        "      - {day: 1, minutes: 15, module: warm-up}\n",
    )
    loaded = load_pack(pack.write(tmp_path))
    assert [m.id for m in loaded.modules] == ["warm-up", "two-jobs", "listening"]
    assert [m.meta.title for m in loaded.modules] == ["Warm up", "Two jobs", "Listening"]


def test_load_broken_pack_raises_pack_error_with_problems(
    pack: PackBuilder, tmp_path: Path
) -> None:
    pack.edit("modules/01-two-jobs.md", "answer: 2", "answer: 5")
    with pytest.raises(PackError) as caught:
        load_pack(pack.write(tmp_path))
    assert_has(caught.value.problems, "modules/01-two-jobs.md", 11, "answer 5 is out of range")
    assert "answer 5 is out of range" in str(caught.value)


def test_load_missing_folder_raises_pack_error(tmp_path: Path) -> None:
    with pytest.raises(PackError) as caught:
        load_pack(tmp_path / "nowhere")
    assert_has(caught.value.problems, "nowhere", 0, "not a folder")


def test_load_keeps_warnings(pack: PackBuilder, tmp_path: Path) -> None:
    pack.set("modules/02-listening.md", LISTENING_MD + "\n<script>x()</script>\n")
    loaded = load_pack(pack.write(tmp_path))
    assert [p.line for p in loaded.warnings] == [16]
    assert all(p.severity == "warning" for p in loaded.warnings)


def test_content_hash_is_stable(pack: PackBuilder, tmp_path: Path) -> None:
    first = load_pack(pack.write(tmp_path / "a")).content_hash
    second = load_pack(pack.write(tmp_path / "b")).content_hash
    assert first == second
    assert len(first) == 64 and int(first, 16) >= 0


def test_content_hash_changes_with_one_byte(pack: PackBuilder, tmp_path: Path) -> None:
    before = load_pack(pack.write(tmp_path / "a")).content_hash
    pack.set("assets/diagram.svg", str(pack.files["assets/diagram.svg"]).replace("10", "11", 1))
    after = load_pack(pack.write(tmp_path / "b")).content_hash
    assert before != after


def test_content_hash_changes_with_a_file_name(pack: PackBuilder, tmp_path: Path) -> None:
    before = load_pack(pack.write(tmp_path / "a")).content_hash
    pack.set("assets/diagram2.svg", pack.files.pop("assets/diagram.svg"))
    pack.set("assets/diagram.svg", "")
    after = load_pack(pack.write(tmp_path / "b")).content_hash
    assert before != after


def test_hidden_files_are_not_pack_content(pack: PackBuilder, tmp_path: Path) -> None:
    before = load_pack(pack.write(tmp_path / "a"))
    pack.set(".DS_Store", b"\x00\x01junk").set("assets/.gitkeep", "")
    after = load_pack(pack.write(tmp_path / "b"))
    assert after.content_hash == before.content_hash
    assert ".DS_Store" not in after.files


def test_parse_blocks_splits_segments_with_attributes() -> None:
    body = (
        "Intro\n\n::: exercise lines=3\nDo it.\n:::\n"
        "::: facilitator\nTalk.\n:::\n::: exercise\nX\n:::"
    )
    segments = parse_blocks(body)
    assert [(s.kind, s.text.strip(), s.line, s.attrs) for s in segments] == [
        ("markdown", "Intro", 1, {}),
        ("exercise", "Do it.", 4, {"lines": 3}),
        ("facilitator", "Talk.", 7, {}),
        ("exercise", "X", 10, {"lines": 6}),
    ]


def test_parse_blocks_keeps_fenced_markers_as_text() -> None:
    body = "~~~markdown\n::: exercise\n:::\n~~~\n"
    segments = parse_blocks(body)
    assert [s.kind for s in segments] == ["markdown"]
    assert "::: exercise" in segments[0].text


HOSTILE_COURSE_YAML = {
    "billion laughs": "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(7)
    ),
    "recursive alias": "id: &x [*x]\n",
    "deep nesting": "id: " + "[" * 5000 + "]" * 5000 + "\n",
    "tab indentation": "id: demo\n\tversion: x\n",
    "control character": "id: demo\x07\n",
    "python tag": "id: !!python/object:os.system [ls]\n",
    "list keys": "? [a, b]\n: value\n",
    "two documents": "id: a\n---\nid: b\n",
    "non-string keys": "1: one\nnull: two\n",
}


@pytest.mark.parametrize("text", HOSTILE_COURSE_YAML.values(), ids=HOSTILE_COURSE_YAML.keys())
def test_hostile_yaml_gives_errors_not_tracebacks(
    pack: PackBuilder, tmp_path: Path, text: str
) -> None:
    pack.set("course.yaml", text)
    problems = validate_pack(pack.write(tmp_path))
    errors = [p for p in problems if p.severity == "error" and p.path.endswith("course.yaml")]
    assert errors, describe(problems)
    assert all(p.line >= 1 for p in errors), describe(problems)
    assert not any("internal error" in p.message for p in problems), describe(problems)


def test_binary_garbage_module_gives_errors_not_tracebacks(
    pack: PackBuilder, tmp_path: Path
) -> None:
    pack.set("modules/02-listening.md", bytes(range(256)) * 4)
    problems = validate_pack(pack.write(tmp_path))
    # Byte 0x0a (a newline) comes before the first invalid byte 0x80.
    assert_has(problems, "modules/02-listening.md", 2, "file is not UTF-8 text (byte 0x80")
