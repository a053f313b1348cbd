"""Rules on time: module minutes that agree, days that fit, credit hours each format earns."""

from __future__ import annotations

from datetime import time
from typing import Any

from app.content.agenda import clock_minutes, entries, plan_day, teaching_minutes
from app.content.credits import CREDIT_TOLERANCE_HOURS, MIN_CREDIT_SHARE
from app.content.draft import PackDraft
from app.content.packformat import FormatSpec
from app.content.problems import Severity
from app.formatting import hours

COURSE_FILE = "course.yaml"


def module_minutes(draft: PackDraft) -> dict[str, int]:
    """Each readable module's minutes, by id."""
    return {m.id: m.meta.minutes for m in draft.modules if m.id is not None and m.meta is not None}


def _module_where(draft: PackDraft, slug: str) -> str:
    module = next(m for m in draft.modules if m.id == slug)
    line = module.locator.line("minutes") if module.locator is not None else 1
    return f"{module.path}:{line}"


def check_module_minutes(draft: PackDraft, format_id: str, spec: FormatSpec) -> None:
    """A module item lasts its module; a module split over items must add up to it."""
    minutes = module_minutes(draft)
    parts: dict[str, list[int]] = {}
    for index, item in enumerate(spec.agenda):
        if item.module is not None and item.module in minutes:
            parts.setdefault(item.module, []).append(index)

    def line(index: int, *key: str) -> int:
        return draft.course_locator.line("formats", format_id, "agenda", index, *key)

    for slug, indexes in parts.items():
        own = minutes[slug]
        where = _module_where(draft, slug)
        stated = [spec.agenda[i].minutes for i in indexes]
        if len(indexes) == 1:
            if stated[0] is not None and stated[0] != own:
                # A warning, so packs written before module items took their module's
                # minutes still load: the module's minutes win (agenda.item_minutes).
                draft.report(
                    COURSE_FILE,
                    line(indexes[0], "minutes"),
                    (
                        f"format '{format_id}' gives module '{slug}' {stated[0]} minutes, but the "
                        f"module is {own} minutes ({where}), and that is what every document "
                        "shows: leave 'minutes' out, or give the extra time an item of its own"
                    ),
                    "warning",
                )
            continue
        if any(value is None for value in stated):
            draft.report(
                COURSE_FILE,
                line(indexes[0]),
                (
                    f"module '{slug}' is split over {len(indexes)} items of format "
                    f"'{format_id}': give each part its minutes"
                ),
            )
        elif sum(v for v in stated if v is not None) != own:
            total = sum(v for v in stated if v is not None)
            draft.report(
                COURSE_FILE,
                line(indexes[0]),
                (
                    f"the parts of module '{slug}' in format '{format_id}' add up to {total} "
                    f"minutes, but the module is {own} minutes ({where})"
                ),
            )


def check_day_fit(draft: PackDraft, format_id: str, spec: FormatSpec) -> None:
    """Lay each day out from ``day_starts`` for ``day_minutes``: pinned breaks must be kept.

    A day longer than ``day_minutes`` is reported by the agenda check, with the item that
    pushes it over; here come the breaks the layout cannot put where the pack asks.
    """
    data: dict[str, Any] = spec.model_dump(mode="json")
    all_entries = entries(data, module_minutes(draft))
    begin = clock_minutes(spec.day_starts)
    start = time(begin // 60, begin % 60)
    finish = min(begin + spec.day_minutes, 24 * 60 - 1)
    end = time(finish // 60, finish % 60)
    for day in range(1, spec.days + 1):
        plan = plan_day(day, [e for e in all_entries if e.day == day], start, end)
        for problem in plan.problems:
            if problem.index is None:
                continue  # the day's length: reported by the agenda check
            item = spec.agenda[problem.index]
            key = "at" if item.at is not None else "after"
            at_line = draft.course_locator.line("formats", format_id, "agenda", problem.index, key)
            draft.report(
                COURSE_FILE,
                at_line,
                f"format '{format_id}', {problem.message} "
                f"(days of this format are laid out from {spec.day_starts}, "
                f"{spec.day_minutes} minutes long)",
            )


def _claim(draft: PackDraft, *where: str | int) -> tuple[float | None, int, str]:
    """The hours a part of the pack claims, the line to blame, and "" when it declares
    them itself (else a note that they are the top-level default)."""
    assert draft.course is not None
    spec = draft.course
    if where[0] == "online":
        own = spec.online.credit_hours if spec.online is not None else None
    else:
        own = spec.formats[str(where[1])].credit_hours
    if own is not None:
        return own, draft.course_locator.line(*where, "credit_hours"), ""
    line = draft.course_locator.line("credit_hours")
    return spec.credit_hours, line, " (the top-level credit_hours, as it declares none)"


def check_credits(draft: PackDraft) -> None:
    """Each format's (and online study's) credit hours against its teaching time."""
    if draft.course is None or any(m.meta is None for m in draft.modules):
        return  # a module that cannot be read has no minutes: totals would be noise
    minutes = module_minutes(draft)
    for format_id, spec in draft.course.formats.items():
        claimed, line, how = _claim(draft, "formats", format_id)
        name = f"format '{format_id}'"
        if claimed is None:
            draft.report(
                COURSE_FILE,
                draft.course_locator.line("formats", format_id),
                (
                    f"{name} has no credit hours: add credit_hours under it "
                    "(or a top-level credit_hours for every format)"
                ),
            )
            continue
        taught = teaching_minutes(spec.model_dump(mode="json"), minutes) / 60
        _check_claim(draft, name, claimed, how, taught, line, floor=True)
    claimed, line, how = _claim(draft, "online")
    if claimed is None:
        draft.report(
            COURSE_FILE,
            draft.course_locator.line("formats"),
            (
                "online study has no credit hours: add online: {credit_hours: N} "
                "(0 when online study earns none)"
            ),
        )
        return
    online = sum(minutes.values()) / 60
    # Packs from before `online` existed give online study the top-level figure; they stay
    # loadable, so there a mismatch is a warning. Declared online hours must be right.
    severity: Severity = "warning" if how else "error"
    _check_claim(draft, "online study", claimed, how, online, line, floor=False, severity=severity)
    required = draft.course.completion.min_minutes
    if not how and claimed > required / 60 + CREDIT_TOLERANCE_HOURS:
        draft.report(
            COURSE_FILE,
            line,
            (
                f"online study earns {hours(claimed)} credit hours but completion.min_minutes is "
                f"{required}: a learner could earn them in less time; set min_minutes to at "
                f"least {round((claimed - CREDIT_TOLERANCE_HOURS) * 60)}"
            ),
            "warning",
        )


def _check_claim(
    draft: PackDraft,
    name: str,
    claimed: float,
    how: str,
    taught: float,
    line: int,
    *,
    floor: bool,
    severity: Severity = "error",
) -> None:
    said = f"{name} claims {hours(claimed)} credit hours{how}"
    if claimed > taught + CREDIT_TOLERANCE_HOURS:
        draft.report(
            COURSE_FILE,
            line,
            (
                f"{said} but teaches {_hours(taught)}: credit hours may exceed the teaching "
                f"hours by at most {hours(CREDIT_TOLERANCE_HOURS)}"
            ),
            severity,
        )
    elif floor and claimed < taught * MIN_CREDIT_SHARE:
        draft.report(
            COURSE_FILE,
            line,
            (
                f"{said} for {hours(taught)} teaching hours, less than half of them: is that "
                "another format's figure? Declare credit_hours under this format"
            ),
            severity,
        )


def _hours(value: float) -> str:
    return f"{hours(value)} hour{'' if value == 1 else 's'}"
