"""Agendas that fit the day, module minutes that agree, credit hours per format (validator)."""

from __future__ import annotations

from datetime import time
from pathlib import Path

from app.content.agenda import entries, plan_day
from app.content.validator import check_paths, validate_pack
from tests.content.packbuilder import PackBuilder, assert_has, assert_only, describe

COURSE = "course.yaml"
PROJECT_COURSES = Path(__file__).resolve().parents[2] / "courses"

# A day of 7 x 50 minutes of teaching and three breaks, in agenda order.
DAY: dict[str, object] = {
    "agenda": [
        {"day": 1, "minutes": 15, "title": "Welcome"},
        {"day": 1, "module": "a"},
        {"day": 1, "module": "b"},
        {"day": 1, "minutes": 15, "title": "Morning break", "kind": "break"},
        {"day": 1, "module": "c"},
        {"day": 1, "minutes": 45, "title": "Lunch", "kind": "break"},
        {"day": 1, "module": "d"},
        {"day": 1, "module": "e"},
        {"day": 1, "minutes": 15, "title": "Afternoon break", "kind": "break"},
        {"day": 1, "module": "f"},
        {"day": 1, "minutes": 15, "title": "Wrap-up"},
    ]
}
MINUTES = {"a": 60, "b": 60, "c": 60, "d": 55, "e": 60, "f": 50}


def _rows(start: time, end: time, spec: dict[str, object] = DAY) -> list[tuple[str, str]]:
    plan = plan_day(1, entries(spec, MINUTES), start, end)
    assert plan.problems == ()
    return [(slot.label, slot.entry.title) for slot in plan.slots]


def test_an_8_to_4_day_has_lunch_near_midday_and_ends_at_four() -> None:
    plan = plan_day(1, entries(DAY, MINUTES), time(8, 0), time(16, 0))
    assert plan.problems == ()
    lunch = next(slot for slot in plan.slots if slot.entry.title == "Lunch")
    assert time(11, 30) <= lunch.start <= time(13, 30)
    assert plan.slots[0].start == time(8, 0) and plan.slots[-1].end == time(16, 0)
    # The spare half hour: lunch grows to an hour, the rest is open time before the wrap-up.
    assert lunch.entry.minutes == 60
    assert [(s.entry.title, s.entry.minutes) for s in plan.slots[-2:]] == [
        ("Open time: questions, practice and catch-up", 15),
        ("Wrap-up", 15),
    ]
    morning = next(s for s in plan.slots if s.entry.title == "Morning break")
    afternoon = next(s for s in plan.slots if s.entry.title == "Afternoon break")
    assert morning.end <= lunch.start and afternoon.start >= lunch.end
    assert all(a.end == b.start for a, b in zip(plan.slots, plan.slots[1:], strict=False))


def test_a_module_item_lasts_its_module() -> None:
    rows = _rows(time(9, 0), time(16, 30))
    assert ("09:15–10:15", "a") in rows  # 60 minutes, as module a says


def test_a_break_pinned_to_a_clock_time_or_after_a_module() -> None:
    agenda = [dict(item) for item in DAY["agenda"]]  # type: ignore[attr-defined]
    agenda[5]["at"] = "12:30"
    agenda[3]["after"] = "a"
    rows = _rows(time(8, 0), time(16, 0), {"agenda": agenda})
    assert ("12:30–13:15", "Lunch") in rows
    assert rows[2] == ("09:15–09:30", "Morning break")  # right after module a
    assert rows[-1] == ("15:45–16:00", "Wrap-up")


def test_a_window_too_short_is_a_problem_that_says_where_the_day_would_end() -> None:
    plan = plan_day(1, entries(DAY, MINUTES), time(9, 0), time(16, 0))
    [problem] = plan.problems
    assert problem.index is None
    assert problem.message == (
        "day 1 needs 450 minutes (teaching and breaks) but runs 09:00–16:00, "
        "420 minutes: it would end at 16:30"
    )


def test_an_agenda_longer_than_the_format_day_is_a_path_line_error(
    pack: PackBuilder, tmp_path: Path
) -> None:
    pack.edit(COURSE, "    days: 1\n", "    days: 1\n    day_minutes: 120\n")
    problems = validate_pack(pack.write(tmp_path))
    # The item that pushes day 1 over its 120 minutes: the second module, line 19.
    assert_only(
        problems,
        COURSE,
        19,
        "day 1 of format 'one-day' adds up to 150 minutes, more than day_minutes 120",
    )
    assert str(problems[0]).endswith(
        "demo-course/course.yaml:19: day 1 of format 'one-day' adds up to 150 minutes, "
        "more than day_minutes 120"
    )


def test_a_pinned_break_the_day_cannot_keep_is_an_error_at_its_at(
    pack: PackBuilder, tmp_path: Path
) -> None:
    pack.edit(
        COURSE,
        "{day: 1, minutes: 15, title: Break, kind: break}",
        '{day: 1, minutes: 15, title: Break, kind: break, at: "18:00"}',
    )
    problems = validate_pack(pack.write(tmp_path))
    assert_only(
        problems,
        COURSE,
        17,
        "format 'one-day', 'Break' is pinned at 18:00, outside the day's hours 09:00–17:00",
    )


def test_an_unquoted_clock_time_gets_a_quoting_hint(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(
        COURSE,
        "{day: 1, minutes: 15, title: Break, kind: break}",
        "{day: 1, minutes: 15, title: Break, kind: break, at: 12:30}",
    )
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, COURSE, 17, 'put the clock time in quotes, e.g. at: "12:30"')


def test_a_break_after_a_module_not_taught_that_day(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(
        COURSE,
        "{day: 1, minutes: 15, title: Break, kind: break}",
        "{day: 1, minutes: 15, title: Break, kind: break, after: nowhere}",
    )
    problems = validate_pack(pack.write(tmp_path))
    assert_has(
        problems, COURSE, 17, "'Break' is placed after module 'nowhere', not taught on day 1"
    )


def test_module_minutes_that_disagree_are_named_with_both_places(
    pack: PackBuilder, tmp_path: Path
) -> None:
    pack.edit(
        COURSE, "{day: 1, minutes: 60, module: two-jobs}", "{day: 1, minutes: 75, module: two-jobs}"
    )
    problems = validate_pack(pack.write(tmp_path))
    assert_only(
        problems,
        COURSE,
        16,
        "format 'one-day' gives module 'two-jobs' 75 minutes, but the module is 60 minutes "
        "(modules/01-two-jobs.md:3)",
        severity="warning",  # the module wins, so older packs still load
    )


def test_a_split_module_must_add_up(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(
        COURSE,
        "      - {day: 1, minutes: 60, module: listening}\n",
        "      - {day: 1, minutes: 30, module: listening}\n"
        "      - {day: 1, minutes: 45, module: listening}\n",
    )
    problems = validate_pack(pack.write(tmp_path))
    assert_only(
        problems,
        COURSE,
        18,
        "the parts of module 'listening' in format 'one-day' add up to 75 minutes, "
        "but the module is 60 minutes (modules/02-listening.md:3)",
    )


THREE_DAY = """\
  three-day:
    title: Three-day workshop
    days: 3
    agenda:
      - {day: 1, module: two-jobs}
      - {day: 1, minutes: 240, title: Practice lab}
      - {day: 2, minutes: 300, title: Practice lab}
      - {day: 3, module: listening}
      - {day: 3, minutes: 240, title: Capstone}
"""


def test_a_three_day_format_cannot_claim_the_one_day_hours(
    pack: PackBuilder, tmp_path: Path
) -> None:
    pack.edit(COURSE, "      - {day: 1, minutes: 60, module: listening}\n",
              "      - {day: 1, minutes: 60, module: listening}\n" + THREE_DAY)  # fmt: skip
    problems = validate_pack(pack.write(tmp_path))
    # Inherited from the top-level credit_hours at line 9: 1.5 for 15 hours of teaching.
    assert_only(
        problems,
        COURSE,
        9,
        "format 'three-day' claims 1.5 credit hours (the top-level credit_hours, as it "
        "declares none) for 15 teaching hours, less than half of them",
    )
    declared = THREE_DAY.replace("    days: 3\n", "    days: 3\n    credit_hours: 19.5\n")
    pack.edit(COURSE, THREE_DAY, declared)
    problems = validate_pack(pack.write(tmp_path / "again"))
    assert_only(
        problems,
        COURSE,
        22,
        "format 'three-day' claims 19.5 credit hours but teaches 15 hours: credit hours may "
        "exceed the teaching hours by at most 0.25",
    )
    pack.edit(COURSE, "credit_hours: 19.5", "credit_hours: 15")
    problems = validate_pack(pack.write(tmp_path / "right"))
    assert problems == [], describe(problems)


def test_declared_online_hours_are_checked_and_need_a_minimum_time(
    pack: PackBuilder, tmp_path: Path
) -> None:
    pack.edit(COURSE, "credit_hours: 1.5\n", "credit_hours: 1.5\nonline: {credit_hours: 3}\n")
    problems = validate_pack(pack.write(tmp_path))
    assert_has(problems, COURSE, 10, "online study claims 3 credit hours but teaches 2 hours")
    pack.edit(COURSE, "online: {credit_hours: 3}", "online: {credit_hours: 2}")
    problems = validate_pack(pack.write(tmp_path / "no-minimum"))
    assert_only(
        problems,
        COURSE,
        10,
        "online study earns 2 credit hours but completion.min_minutes is 0: a learner could "
        "earn them in less time; set min_minutes to at least 105",
        severity="warning",
    )
    pack.files[COURSE] = str(pack.files[COURSE]) + "completion:\n  min_minutes: 120\n"
    problems = validate_pack(pack.write(tmp_path / "right"))
    assert problems == [], describe(problems)


def test_a_pack_without_any_credit_hours_is_told_where_to_add_them(
    pack: PackBuilder, tmp_path: Path
) -> None:
    pack.edit(COURSE, "credit_hours: 1.5\n", "")
    problems = validate_pack(pack.write(tmp_path))
    assert_has(problems, COURSE, 10, "format 'one-day' has no credit hours")
    assert_has(problems, COURSE, 9, "online study has no credit hours")


def test_the_shipped_packs_validate_clean() -> None:
    count, problems = check_paths([PROJECT_COURSES])
    assert count == 4 and problems == [], describe(problems)
