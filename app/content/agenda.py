"""A format's agenda laid out on a day's clock: breaks at sensible times, ending on time.

The one home for two rules every output shares:

- how long an agenda item lasts: a module item lasts its module's ``minutes`` (the front
  matter), so the workbook, the guide, the agenda and the course page say one number; only
  a module split over several items (e.g. across two days) gives each part's minutes;
- where the breaks fall within a day's window. A break pinned with ``at`` starts at that
  clock time, one with ``after`` follows the named module, and the others are placed by
  the clock: the longest break of 30 minutes or more (lunch) at the item boundary nearest
  the middle of the day, shorter ones nearest the middle of the longest stretch left
  (mid-morning, mid-afternoon). Spare time first lets a pinned break start on time, then
  lengthens lunch up to an hour, and the rest is "open time" before the day's last item,
  so the day ends when the window ends.

The validator lays each format day out from its ``day_starts`` for ``day_minutes``; the
facilitator guide from the session's own start and end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import time
from typing import Any

from app.formatting import clock

LUNCH_MIN_MINUTES = 30  # a break at least this long is the day's main break (lunch)
LUNCH_MAX_MINUTES = 60  # spare time lengthens lunch up to this
OPEN_TIME_TITLE = "Open time: questions, practice and catch-up"


@dataclass(frozen=True)
class Entry:
    """One agenda item with its minutes resolved and its position in the format's list."""

    index: int  # position in the format's agenda (a problem points at its line)
    day: int
    minutes: int
    title: str
    kind: str  # "module" | "activity" | "break" | "open" (spare time, made by the layout)
    module: str | None = None
    at: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class Slot:
    """An entry with its clock times on its day."""

    start: time
    end: time
    entry: Entry

    @property
    def label(self) -> str:
        """09:15–10:15."""
        return f"{clock(self.start)}–{clock(self.end)}"


@dataclass(frozen=True)
class FitProblem:
    """Why a day's agenda does not fit its window; ``index`` is the item to blame, if one."""

    day: int
    index: int | None
    message: str


@dataclass(frozen=True)
class DayPlan:
    """One day laid out in its window."""

    day: int
    start: time
    end: time
    slots: tuple[Slot, ...]
    problems: tuple[FitProblem, ...]


def clock_minutes(value: time | str) -> int:
    """Minutes since midnight of a time or an "HH:MM" string."""
    if isinstance(value, str):
        hours, minutes = value.split(":")
        return int(hours) * 60 + int(minutes)
    return value.hour * 60 + value.minute


def _as_time(minutes: int) -> time:
    minutes %= 24 * 60  # an agenda running past midnight is reported, not crashed on
    return time(minutes // 60, minutes % 60)


def item_minutes(format_spec: Mapping[str, Any], module_minutes: Mapping[str, int]) -> list[int]:
    """Each agenda item's minutes: a module item lasts its module, unless the module is split."""
    items = list(format_spec.get("agenda", []))
    parts = Counter(item.get("module") for item in items if item.get("module"))
    resolved = []
    for item in items:
        slug = item.get("module")
        stated = item.get("minutes")
        if slug and slug in module_minutes and (parts[slug] == 1 or stated is None):
            resolved.append(int(module_minutes[slug]))
        else:
            resolved.append(int(stated or 0))
    return resolved


def teaching_minutes(format_spec: Mapping[str, Any], module_minutes: Mapping[str, int]) -> int:
    """Minutes of a format that are not breaks (modules and titled activities)."""
    items = format_spec.get("agenda", [])
    minutes = item_minutes(format_spec, module_minutes)
    return sum(m for item, m in zip(items, minutes, strict=True) if item.get("kind") != "break")


def entries(
    format_spec: Mapping[str, Any],
    module_minutes: Mapping[str, int],
    module_titles: Mapping[str, str] | None = None,
) -> list[Entry]:
    """The format's agenda as entries, minutes resolved, module titles filled in."""
    titles = module_titles or {}
    found = []
    items = format_spec.get("agenda", [])
    for index, (item, minutes) in enumerate(
        zip(items, item_minutes(format_spec, module_minutes), strict=True)
    ):
        slug = item.get("module")
        if slug:
            title, kind = titles.get(slug, str(slug)), "module"
        else:
            title = str(item.get("title", ""))
            kind = "break" if item.get("kind") == "break" else "activity"
        found.append(
            Entry(
                index,
                int(item["day"]),
                minutes,
                title,
                kind,
                slug,
                item.get("at"),
                item.get("after"),
            )
        )
    return found


class _Placement:
    """Which boundary (number of teaching items before it) each break of a day goes to."""

    def __init__(self, teach: Sequence[Entry], window: int) -> None:
        self.teach = teach
        self.window = window
        self.cum = [0]
        for entry in teach:
            self.cum.append(self.cum[-1] + entry.minutes)
        self.at: dict[int, tuple[int, Entry]] = {}  # break index -> (boundary, break)

    def offset(self, boundary: int) -> int:
        """Minutes from the day's start to a boundary, counting breaks placed before it."""
        before = sum(b.minutes for k, b in self.at.values() if k < boundary)
        return self.cum[boundary] + before

    def latest_before(self, limit: int) -> int:
        """The last boundary reached by ``limit`` minutes into the day."""
        return max(k for k in range(len(self.teach) + 1) if self.offset(k) <= limit or k == 0)

    def nearest(self, target: float, low: int = 0, high: int | None = None) -> int:
        """The boundary between two teaching items nearest ``target`` (a free one if any),
        kept within boundaries ``low`` to ``high``."""
        top = len(self.teach) if high is None else high
        inner = [k for k in range(max(1, low), min(len(self.teach) - 1, top) + 1)]
        inner = inner or [min(max(low, 1 if self.teach else 0), top)]
        taken = {k for k, _ in self.at.values()}
        free = [k for k in inner if k not in taken] or inner
        return min(free, key=lambda k: (abs(self.offset(k) - target), k))

    def place_between(self, brk: Entry) -> None:
        """Place a short break mid-way between the placed breaks listed before and after it,
        so a "morning break" listed before lunch stays in the morning."""
        before = [(k, b) for k, b in self.at.values() if b.index < brk.index]
        after = [(k, b) for k, b in self.at.values() if b.index > brk.index]
        begin = max((self.offset(k) + b.minutes for k, b in before), default=0)
        end = min((self.offset(k) for k, _ in after), default=self.window)
        low = max((k for k, _ in before), default=0)
        high = min((k for k, _ in after), default=len(self.teach))
        target = (begin + end - brk.minutes) / 2
        self.at[brk.index] = (self.nearest(target, low, high), brk)

    def pin(self, brk: Entry, pin: int) -> None:
        """Put a pinned break at the last boundary reached by its clock time."""
        self.at.pop(brk.index, None)
        self.at[brk.index] = (self.latest_before(pin), brk)


def _place(
    day: int,
    teach: list[Entry],
    breaks: list[Entry],
    start: int,
    window: int,
    problems: list[FitProblem],
) -> _Placement:
    placement = _Placement(teach, window)
    for brk in breaks:
        if brk.after is not None:
            taught = [pos for pos, entry in enumerate(teach) if entry.module == brk.after]
            if taught:
                placement.at[brk.index] = (taught[-1] + 1, brk)
            else:
                message = f"'{brk.title}' is placed after module '{brk.after}', "
                problems.append(FitProblem(day, brk.index, message + f"not taught on day {day}"))
    pinned = []
    for brk in breaks:
        if brk.at is not None:
            pin = clock_minutes(brk.at) - start
            placement.pin(brk, pin)
            pinned.append((brk, pin))
    free = [b for b in breaks if b.index not in placement.at]
    lunch = max(
        (b for b in free if b.minutes >= LUNCH_MIN_MINUTES), key=lambda b: b.minutes, default=None
    )
    if lunch is not None:
        # Half the short breaks will fall before lunch: aim so that lunch, once they are
        # in, sits in the middle of the day.
        short = sum(b.minutes for b in free if b is not lunch)
        target = (window - lunch.minutes - short) / 2
        placement.at[lunch.index] = (placement.nearest(target), lunch)
    for brk in free:
        if brk is not lunch:
            placement.place_between(brk)
    for brk, pin in pinned:
        # Breaks placed since may have moved the clock: pinned ones find their place again.
        placement.pin(brk, pin)
    return placement


def _sequence(teach: list[Entry], placement: _Placement) -> list[Entry]:
    order: list[Entry] = []
    for boundary in range(len(teach) + 1):
        here = sorted((b for k, b in placement.at.values() if k == boundary), key=lambda b: b.index)
        order += here
        if boundary < len(teach):
            order.append(teach[boundary])
    return order


def _open(day: int, minutes: int) -> Entry:
    return Entry(-1, day, minutes, OPEN_TIME_TITLE, "open")


def _keep_pins(
    day: int, order: list[Entry], start: int, spare: int, problems: list[FitProblem]
) -> tuple[list[Entry], int]:
    """Spare time before each pinned break so it starts on time; returns what is left."""
    result: list[Entry] = []
    elapsed = 0
    for entry in order:
        if entry.at is not None:
            gap = clock_minutes(entry.at) - start - elapsed
            used = min(max(gap, 0), spare)
            if used:
                result.append(_open(day, used))
                spare -= used
                elapsed += used
            if gap != used:
                begins = clock(_as_time(start + elapsed))
                problems.append(
                    FitProblem(
                        day,
                        entry.index,
                        f"'{entry.title}' is pinned at {entry.at} but can only start at {begins}",
                    )
                )
        result.append(entry)
        elapsed += entry.minutes
    return result, spare


def _use_spare(day: int, order: list[Entry], spare: int) -> list[Entry]:
    """Lengthen lunch, then put what is left as open time before the day's last item."""
    pins = [pos for pos, entry in enumerate(order) if entry.at is not None]
    last_pin = pins[-1] if pins else -1
    longest = max(
        (pos for pos, e in enumerate(order) if e.kind == "break" and pos > last_pin),
        key=lambda pos: order[pos].minutes,
        default=None,
    )
    if longest is not None and order[longest].minutes >= LUNCH_MIN_MINUTES:
        grow = min(spare, max(0, LUNCH_MAX_MINUTES - order[longest].minutes))
        order[longest] = replace(order[longest], minutes=order[longest].minutes + grow)
        spare -= grow
    if spare > 0:
        teaching = [pos for pos, e in enumerate(order) if e.kind in ("module", "activity")]
        where = teaching[-1] if len(teaching) > 1 and teaching[-1] > last_pin else len(order)
        order.insert(where, _open(day, spare))
    return order


def _valid_pins(
    day: int, breaks: list[Entry], start: int, window: int, problems: list[FitProblem]
) -> list[Entry]:
    """The breaks, a pin outside the day's hours reported and dropped (placed as if unpinned)."""
    kept = []
    for brk in breaks:
        if brk.at is not None and not 0 <= clock_minutes(brk.at) - start <= window - brk.minutes:
            hours = f"{clock(_as_time(start))}–{clock(_as_time(start + window))}"
            message = f"'{brk.title}' is pinned at {brk.at}, outside the day's hours {hours}"
            problems.append(FitProblem(day, brk.index, message))
            brk = replace(brk, at=None)
        kept.append(brk)
    return kept


def plan_day(day: int, day_entries: Sequence[Entry], start: time, end: time) -> DayPlan:
    """Lay one day's entries out between ``start`` and ``end`` (see the module docstring)."""
    begin = clock_minutes(start)
    window = clock_minutes(end) - begin
    problems: list[FitProblem] = []
    teach = [e for e in day_entries if e.kind != "break"]
    breaks = _valid_pins(
        day, [e for e in day_entries if e.kind == "break"], begin, window, problems
    )
    total = sum(e.minutes for e in day_entries)
    order = _sequence(teach, _place(day, teach, breaks, begin, window, problems))
    spare = window - total
    if spare < 0:
        problems.append(
            FitProblem(
                day,
                None,
                (
                    f"day {day} needs {total} minutes (teaching and breaks) but runs "
                    f"{clock(start)}–{clock(end)}, {window} minutes: it would end at "
                    f"{clock(_as_time(begin + total))}"
                ),
            )
        )
    else:
        order, spare = _keep_pins(day, order, begin, spare, problems)
        order = _use_spare(day, order, spare)
    slots = []
    moment = begin
    for entry in order:
        slots.append(Slot(_as_time(moment), _as_time(moment + entry.minutes), entry))
        moment += entry.minutes
    return DayPlan(day, start, end, tuple(slots), tuple(problems))


def plan_days(all_entries: Sequence[Entry], windows: Sequence[tuple[time, time]]) -> list[DayPlan]:
    """Every day laid out in its window (day N in ``windows[N-1]``, the last one repeated)."""
    day_count = max([e.day for e in all_entries] + [len(windows)])
    plans = []
    for day in range(1, day_count + 1):
        start, end = windows[min(day, len(windows)) - 1]
        plans.append(plan_day(day, [e for e in all_entries if e.day == day], start, end))
    return plans
