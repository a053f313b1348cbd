"""Module problems: front matter, knowledge checks, ids, file names and encodings."""

from __future__ import annotations

from pathlib import Path

from app.content.validator import validate_pack
from tests.content.packbuilder import TWO_JOBS_MD, PackBuilder, assert_has, assert_only, describe

JOBS = "modules/01-two-jobs.md"
LISTEN = "modules/02-listening.md"

EXTRA_CHECK = """\
  - id: q1
    type: single
    question: Again?
    choices: [Agree, Disagree]
    answer: 1
    explanation: Because.
"""


def test_front_matter_yaml_error_is_offset_into_the_file(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "title: Two jobs", "title: Two: jobs")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, JOBS, 2, "YAML syntax error: mapping values are not allowed here")


def test_front_matter_wrong_type(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "minutes: 60", "minutes: sixty")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, JOBS, 3, "minutes: expected a whole number, got str 'sixty'")


def test_front_matter_unknown_key(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "minutes: 60\n", "minutes: 60\nsummary: Not a module key\n")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, JOBS, 4, "unknown key 'summary'")


def test_check_missing_key_points_at_the_check(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "    explanation: Relationship management builds the trust.\n", "")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, JOBS, 7, "checks: missing key 'explanation'")


def test_too_few_choices(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(LISTEN, "choices: [Interrupting, Summarising, Asking open questions]", "choices: [A]")
    problems = validate_pack(pack.write(tmp_path))
    # Answers are not range-checked when the check itself is invalid.
    assert_only(problems, LISTEN, 10, "checks.choices: list should have at least 2 items")


def test_missing_front_matter(pack: PackBuilder, tmp_path: Path) -> None:
    pack.set(LISTEN, "# Listening\n\nNo front matter here.\n")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, LISTEN, 1, "missing front matter")


def test_unclosed_front_matter(pack: PackBuilder, tmp_path: Path) -> None:
    pack.set(LISTEN, "---\ntitle: Listening\nminutes: 60\n\nBody without a closing line.\n")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, LISTEN, 1, "front matter is never closed")


def test_empty_front_matter(pack: PackBuilder, tmp_path: Path) -> None:
    pack.set(LISTEN, "---\n---\nBody.\n")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, LISTEN, 1, "front matter is empty")


def test_duplicate_module_id(pack: PackBuilder, tmp_path: Path) -> None:
    pack.set("modules/03-two-jobs.md", TWO_JOBS_MD)
    problems = validate_pack(pack.write(tmp_path))
    assert_only(
        problems, "modules/03-two-jobs.md", 1, "duplicate module id 'two-jobs' (also " + JOBS
    )


def test_bad_module_file_name(pack: PackBuilder, tmp_path: Path) -> None:
    pack.set("modules/03_Extra.md", TWO_JOBS_MD)
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, "modules/03_Extra.md", 1, "module file name must be NN-slug.md")


def test_no_modules(pack: PackBuilder, tmp_path: Path) -> None:
    pack.remove(JOBS).remove(LISTEN)
    problems = validate_pack(pack.write(tmp_path))
    assert_has(problems, "modules", 0, "no modules")
    assert_has(problems, "course.yaml", 16, "agenda names module 'two-jobs'")


def test_duplicate_check_id(pack: PackBuilder, tmp_path: Path) -> None:
    explanation = "    explanation: Relationship management builds the trust.\n"
    pack.edit(JOBS, explanation, explanation + EXTRA_CHECK)
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, JOBS, 13, "duplicate check id 'q1' (first at line 7)")


def test_yes_no_choices_get_a_quoting_hint(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "[Project management, Relationship management]", "[Yes, 'No']")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, JOBS, 10, "got bool True (YAML reads yes, no, on and off as true")


def test_single_answer_out_of_range(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "answer: 2", "answer: 3")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(
        problems, JOBS, 11, "check 'q1': answer 3 is out of range (choices are numbered 1 to 2)"
    )


def test_single_answer_zero(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "answer: 2", "answer: 0")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, JOBS, 11, "answer 0 is out of range")


def test_single_answer_given_as_list(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "answer: 2", "answer: [2]")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, JOBS, 11, "a single check needs one answer number, not a list")


def test_answer_not_a_number(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "answer: 2", "answer: two")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, JOBS, 11, "answer: must be a choice number, or a list of choice numbers")


def test_multiple_answer_given_as_int(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(LISTEN, "answer: [2, 3]", "answer: 2")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(
        problems, LISTEN, 11, "check 'hear': a multiple check needs a list of answer numbers"
    )


def test_multiple_answer_empty(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(LISTEN, "answer: [2, 3]", "answer: []")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, LISTEN, 11, "a multiple check needs at least one right answer")


def test_multiple_answer_repeated(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(LISTEN, "answer: [2, 3]", "answer: [2, 2]")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, LISTEN, 11, "answer 2 is listed twice")


def test_multiple_answer_out_of_range_in_block_list(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(LISTEN, "answer: [2, 3]\n", "answer:\n      - 2\n      - 9\n")
    problems = validate_pack(pack.write(tmp_path))
    # The line of the offending list item, not of the `answer:` key.
    assert_only(problems, LISTEN, 13, "answer 9 is out of range (choices are numbered 1 to 3)")


def test_module_not_utf8_reports_line_of_first_bad_byte(pack: PackBuilder, tmp_path: Path) -> None:
    text = str(pack.files[LISTEN]) + "\nA second paragraph.\nCaf\xe9 au lait.\n"
    pack.set(LISTEN, text.encode("latin-1"))
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, LISTEN, 17, "file is not UTF-8 text (byte 0xe9")


def test_course_yaml_not_utf8(pack: PackBuilder, tmp_path: Path) -> None:
    text = str(pack.files["course.yaml"]).replace("Demo course", "Caf\xe9 course")
    pack.set("course.yaml", text.encode("latin-1"))
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, "course.yaml", 3, "file is not UTF-8 text")


def test_binary_assets_are_not_checked_for_utf8(pack: PackBuilder, tmp_path: Path) -> None:
    pack.set("assets/photo.png", b"\x89PNG\r\n\x1a\n\xff\xfe")
    problems = validate_pack(pack.write(tmp_path))
    assert problems == [], describe(problems)


def test_bom_and_crlf_are_accepted(pack: PackBuilder, tmp_path: Path) -> None:
    text = "\ufeff" + str(pack.files[LISTEN]).replace("\n", "\r\n")
    pack.set(LISTEN, text.encode("utf-8"))
    problems = validate_pack(pack.write(tmp_path))
    assert problems == [], describe(problems)


def test_symlink_is_an_error(pack: PackBuilder, tmp_path: Path) -> None:
    root = pack.write(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("not for learners\n", encoding="utf-8")
    (root / "assets" / "secret.txt").symlink_to(secret)
    problems = validate_pack(root)
    assert_only(problems, "assets/secret.txt", 1, "symbolic links are not allowed")
