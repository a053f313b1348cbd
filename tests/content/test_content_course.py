"""course.yaml problems: YAML syntax, keys, types, agenda rules; each with its exact line."""

from __future__ import annotations

from pathlib import Path

from app.content.validator import validate_pack
from tests.content.packbuilder import PackBuilder, assert_has, assert_only, describe

COURSE = "course.yaml"


def test_minimal_pack_is_valid(pack: PackBuilder, tmp_path: Path) -> None:
    problems = validate_pack(pack.write(tmp_path))
    assert problems == [], describe(problems)


def test_yaml_syntax_error_reports_its_line(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(COURSE, "title: Demo course", "title: Demo: course")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, COURSE, 3, "YAML syntax error: mapping values are not allowed here")


def test_duplicate_yaml_key(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(COURSE, "credit_hours: 1.5\n", "credit_hours: 1.5\ntitle: Again\n")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, COURSE, 10, "duplicate key 'title' (first at line 3)")


def test_unknown_top_level_key(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(COURSE, "credit_hours: 1.5\n", "credit_hours: 1.5\ncredits: 2\n")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, COURSE, 10, "unknown key 'credits'")


def test_unknown_nested_key(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(COURSE, "    days: 1\n", "    days: 1\n    colour: blue\n")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, COURSE, 14, "formats.one-day: unknown key 'colour'")


def test_missing_top_level_key(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(COURSE, "summary: A short course used by the tests.\n", "")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, COURSE, 1, "missing key 'summary'")


def test_missing_key_in_agenda_item(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(COURSE, "{day: 1, minutes: 15, title: Welcome}", "{day: 1, title: Welcome}")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, COURSE, 15, "a titled agenda item needs 'minutes'")


def test_wrong_type_number(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(COURSE, "credit_hours: 1.5", "credit_hours: lots")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, COURSE, 9, "credit_hours: expected a number, got str 'lots'")


def test_unquoted_version_is_not_a_string(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(COURSE, 'version: "1.0.0"', "version: 1.0")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, COURSE, 2, "version: expected a string, got float 1.0 (quote it")


def test_wrong_type_in_nested_list_item(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(
        COURSE,
        "{day: 1, minutes: 60, module: listening}",
        "{day: 1, minutes: 3, module: listening}",
    )
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, COURSE, 18, "agenda.minutes: input should be greater than or equal to 5")


def test_agenda_item_needs_module_or_title(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(COURSE, "title: Welcome}", "title: Welcome, module: two-jobs}")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, COURSE, 15, "exactly one of 'module' or 'title'")


def test_bad_format_id(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(COURSE, "  one-day:", "  One_Day:")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, COURSE, 11, "'One_Day' is not a valid id")


def test_literal_value(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(COURSE, "title: Break, kind: break}", "title: Break, kind: pause}")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(
        problems, COURSE, 17, "agenda.kind: expected 'teaching' or 'break', got str 'pause'"
    )


def test_empty_course_yaml(pack: PackBuilder, tmp_path: Path) -> None:
    pack.set(COURSE, "")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, COURSE, 1, "course.yaml is empty")


def test_course_yaml_not_a_mapping(pack: PackBuilder, tmp_path: Path) -> None:
    pack.set(COURSE, "- id: demo-course\n")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, COURSE, 1, "expected a mapping (key: value lines), got a list")


def test_missing_course_yaml(pack: PackBuilder, tmp_path: Path) -> None:
    pack.remove(COURSE)
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, COURSE, 0, "missing course.yaml")


def test_agenda_names_unknown_module(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(COURSE, "module: two-jobs}", "module: two-jobz}")
    problems = validate_pack(pack.write(tmp_path))
    assert len(problems) == 2, describe(problems)
    assert_has(problems, COURSE, 16, "agenda names module 'two-jobz', but there is no modules/")
    # The real module is then also missing from the agenda, reported at the `agenda:` key.
    assert_has(problems, COURSE, 14, "module 'two-jobs' is missing from the agenda of format")


def test_agenda_day_outside_format(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(COURSE, "{day: 1, minutes: 15, title: Break", "{day: 2, minutes: 15, title: Break")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, COURSE, 17, "day 2 is outside format 'one-day', which has days 1 to 1")


def test_agenda_day_zero(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(
        COURSE, "{day: 1, minutes: 15, title: Welcome", "{day: 0, minutes: 15, title: Welcome"
    )
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, COURSE, 15, "day 0 is outside format 'one-day'")


def test_day_without_items(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(COURSE, "    days: 1", "    days: 2")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, COURSE, 13, "day 2 of format 'one-day' has no agenda items")


def test_day_over_day_minutes(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(COURSE, "    days: 1\n", "    days: 1\n    day_minutes: 120\n")
    problems = validate_pack(pack.write(tmp_path))
    # 15 + 60 + 15 = 90 fits; the fourth item (line 19) takes the day to 150.
    assert_only(problems, COURSE, 19, "day 1 of format 'one-day' adds up to 150 minutes, more than")


def test_module_missing_from_agenda(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(COURSE, "      - {day: 1, minutes: 60, module: listening}\n", "")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, COURSE, 14, "module 'listening' is missing from the agenda of format")


def test_module_missing_from_second_format(pack: PackBuilder, tmp_path: Path) -> None:
    second = (
        "  two-day:\n"
        "    title: Two-day module\n"
        "    days: 2\n"
        "    agenda:\n"
        "      - {day: 1, minutes: 60, module: two-jobs}\n"
        "      - {day: 2, minutes: 60, title: Practice}\n"
    )
    pack.set(COURSE, str(pack.files[COURSE]) + second)
    problems = validate_pack(pack.write(tmp_path))
    assert_only(
        problems, COURSE, 22, "module 'listening' is missing from the agenda of format 'two"
    )
