"""Rules across fields: agenda against modules and days, ids, knowledge-check answers."""

from __future__ import annotations

from collections import defaultdict

from app.content.agenda import item_minutes
from app.content.checks_timing import check_day_fit, check_module_minutes, module_minutes
from app.content.draft import ModuleDraft, PackDraft
from app.content.packformat import CheckSpec, FormatSpec
from app.content.yamlsource import Locator

COURSE_FILE = "course.yaml"


def check_formats(draft: PackDraft) -> None:
    """Check every format's agenda against the modules, its days and day_minutes."""
    if draft.course is None:
        return
    module_ids = list(dict.fromkeys(m.id for m in draft.modules if m.id is not None))
    # A module whose file name is broken has no id; "missing from the agenda" would be noise.
    complete = all(m.id is not None for m in draft.modules)
    for format_id, spec in draft.course.formats.items():
        _check_agenda(draft, format_id, spec, module_ids, complete)
        check_module_minutes(draft, format_id, spec)
        check_day_fit(draft, format_id, spec)


def _check_agenda(
    draft: PackDraft, format_id: str, spec: FormatSpec, module_ids: list[str], complete: bool
) -> None:
    def line(*loc: str | int) -> int:
        return draft.course_locator.line("formats", format_id, *loc)

    # A module item lasts its module (agenda.py), so a day's length counts those minutes.
    lengths = item_minutes(spec.model_dump(mode="json"), module_minutes(draft))
    totals: dict[int, int] = defaultdict(int)
    for item, minutes in zip(spec.agenda, lengths, strict=True):
        totals[item.day] += minutes
    used_modules: set[str] = set()
    over_reported: set[int] = set()
    running: dict[int, int] = defaultdict(int)
    for index, (item, minutes) in enumerate(zip(spec.agenda, lengths, strict=True)):
        if not 1 <= item.day <= spec.days:
            draft.report(
                COURSE_FILE,
                line("agenda", index, "day"),
                f"day {item.day} is outside format '{format_id}', which has days 1 to {spec.days}",
            )
        if item.module is not None:
            used_modules.add(item.module)
            if item.module not in module_ids:
                draft.report(
                    COURSE_FILE,
                    line("agenda", index, "module"),
                    f"agenda names module '{item.module}', but there is no "
                    f"modules/NN-{item.module}.md",
                )
        running[item.day] += minutes
        if running[item.day] > spec.day_minutes and item.day not in over_reported:
            # Point at the item that pushes the day over, and give the day's full total.
            over_reported.add(item.day)
            draft.report(
                COURSE_FILE,
                line("agenda", index),
                f"day {item.day} of format '{format_id}' adds up to {totals[item.day]} minutes, "
                f"more than day_minutes {spec.day_minutes}",
            )
    for day in range(1, spec.days + 1):
        if day not in totals:
            draft.report(
                COURSE_FILE, line("days"), f"day {day} of format '{format_id}' has no agenda items"
            )
    if complete:
        for module_id in module_ids:
            if module_id not in used_modules:
                draft.report(
                    COURSE_FILE,
                    line("agenda"),
                    f"module '{module_id}' is missing from the agenda of format '{format_id}'",
                )


def check_module_ids(draft: PackDraft) -> None:
    """Module ids (from file names) must be unique within the pack."""
    first: dict[str, str] = {}
    for module in draft.modules:
        if module.id is None:
            continue
        if module.id in first:
            draft.report(
                module.path, 1, f"duplicate module id '{module.id}' (also {first[module.id]})"
            )
        else:
            first[module.id] = module.path


def check_knowledge_checks(draft: PackDraft, module: ModuleDraft) -> None:
    """Check ids are unique within the module and answers fit the check type and choices."""
    if module.meta is None or module.locator is None:
        return
    first: dict[str, int] = {}
    for index, check in enumerate(module.meta.checks):
        line = module.locator.line("checks", index, "id")
        if check.id in first:
            draft.report(
                module.path,
                line,
                f"duplicate check id '{check.id}' (first at line {first[check.id]})",
            )
        else:
            first[check.id] = line
        _check_answer(draft, module.path, module.locator, index, check)


def _check_answer(
    draft: PackDraft, path: str, locator: Locator, index: int, check: CheckSpec
) -> None:
    def report(message: str, *item: int) -> None:
        line = locator.line("checks", index, "answer", *item)
        draft.report(path, line, f"check '{check.id}': {message}")

    count = len(check.choices)
    out_of_range = "is out of range (choices are numbered 1 to {count})"
    answer = check.answer
    if check.type == "single":
        if isinstance(answer, list):
            report("a single check needs one answer number, not a list")
        elif not 1 <= answer <= count:
            report(f"answer {answer} " + out_of_range.format(count=count))
        return
    if not isinstance(answer, list):
        report("a multiple check needs a list of answer numbers, e.g. [1, 3]")
        return
    if not answer:
        report("a multiple check needs at least one right answer")
    seen: set[int] = set()
    for position, number in enumerate(answer):
        if number in seen:
            report(f"answer {number} is listed twice", position)
        elif not 1 <= number <= count:
            report(f"answer {number} " + out_of_range.format(count=count), position)
        seen.add(number)
