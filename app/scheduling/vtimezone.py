"""VTIMEZONE components that every calendar reader expands alike.

A zone's offset changes are read from the zone database (``zoneinfo``) over a span of
years and written the way readers agree on: each run of changes that follows one yearly
rule ("second Sunday of March at 02:00") is one STANDARD or DAYLIGHT observance with an
RRULE; a change that follows no rule is an observance of its own (DTSTART only).

Why not RDATE lists: the icalendar library writes a zone's later changes as one RDATE
with comma-separated values, and Mozilla's ical.js (Thunderbird) reads only the first
value of each RDATE in a VTIMEZONE, so every session after the second year was an hour
off there; ical.js also skips the DTSTART of an observance that has RDATEs. An RRULE,
or a DTSTART alone, is read the same by ical.js, icalendar and vobject/dateutil
(``tests/scheduling/calendars/test_readers_agree.py`` runs all three).

DTSTART is the onset as a wall-clock time in the offset *before* the change
(RFC 5545 3.6.5): 02:00 for both New York changes, 01:00 and 02:00 for London's.
"""

from __future__ import annotations

import calendar as month_lengths
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import icalendar

_WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_State = tuple[timedelta, bool, str]  # UTC offset, daylight saving?, abbreviation
EARLIEST = date(2000, 1, 1)  # zones are described from here (see vtimezone())


@dataclass(frozen=True)
class Transition:
    """One change of a zone's offset (or of its name or daylight flag)."""

    at: datetime  # the UTC instant of the change
    before: timedelta  # the offset in force until then
    after: timedelta  # the offset from then on
    name: str  # the abbreviation from then on (EST, BST)
    daylight: bool  # the new offset is daylight saving time

    @property
    def onset(self) -> datetime:
        """The change as a naive wall-clock time in the offset before it (RFC 5545)."""
        return (self.at + self.before).replace(tzinfo=None)

    @property
    def kind(self) -> tuple[bool, timedelta, timedelta, str]:
        """Changes of one kind can share an observance."""
        return (self.daylight, self.before, self.after, self.name)


def _state(zone: ZoneInfo, instant: datetime) -> _State:
    local = instant.astimezone(zone)
    offset, dst = local.utcoffset(), local.dst()
    assert offset is not None
    return offset, bool(dst), local.tzname() or ""


def _change_within(zone: ZoneInfo, low: datetime, high: datetime) -> datetime:
    """The first second in (low, high] with high's state (one change per day at most)."""
    target = _state(zone, high)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle <= low:
            break
        if _state(zone, middle) == target:
            high = middle
        else:
            low = middle
    return high


@lru_cache(maxsize=256)
def transitions(tzid: str, start: date, end: date) -> tuple[Transition, ...]:
    """Every change of ``tzid`` from ``start`` up to (not including) ``end``, in order."""
    zone = ZoneInfo(tzid)
    instant = datetime(start.year, start.month, start.day, tzinfo=UTC)
    stop = datetime(end.year, end.month, end.day, tzinfo=UTC)
    found: list[Transition] = []
    state = _state(zone, instant)
    while instant < stop:
        following = instant + timedelta(days=1)
        upcoming = _state(zone, following)
        if upcoming != state:
            at = _change_within(zone, instant, following)
            found.append(Transition(at, state[0], upcoming[0], upcoming[2], upcoming[1]))
            state = upcoming
        instant = following
    return tuple(found)


def _byday_candidates(day: date) -> set[str]:
    """The yearly BYDAY values that name ``day`` in its month (2SU, -1SU)."""
    code = _WEEKDAY_CODES[day.weekday()]
    found = set()
    nth = (day.day - 1) // 7 + 1
    if nth <= 4:
        found.add(f"{nth}{code}")
    if day.day + 7 > month_lengths.monthrange(day.year, day.month)[1]:
        found.add(f"-1{code}")
    return found


@dataclass
class _Run:
    """Changes of one kind in consecutive years that one yearly rule describes."""

    changes: list[Transition]
    rules: set[str]  # the BYDAY values that fit every change so far

    def takes(self, change: Transition) -> bool:
        """Extend the run with ``change`` when the same rule still fits it."""
        last = self.changes[-1].onset
        onset = change.onset
        if (onset.year, onset.month, onset.time()) != (last.year + 1, last.month, last.time()):
            return False
        shared = self.rules & _byday_candidates(onset.date())
        if not shared:
            return False
        self.changes.append(change)
        self.rules = shared
        return True


def _runs(changes: list[Transition]) -> list[_Run]:
    runs: list[_Run] = []
    for change in changes:
        if not runs or not runs[-1].takes(change):
            runs.append(_Run([change], _byday_candidates(change.onset.date())))
    return runs


def _observance(change: Transition) -> icalendar.cal.Component:
    component = icalendar.TimezoneDaylight() if change.daylight else icalendar.TimezoneStandard()
    component.add("dtstart", change.onset)
    component.add("tzoffsetfrom", change.before)
    component.add("tzoffsetto", change.after)
    component.add("tzname", change.name)
    return component


def _rule(run: _Run, *, open_ended: bool) -> dict[str, object]:
    # "Last Sunday" and "fourth Sunday" can both fit a short run; the zone database's
    # rules say "last" far more often, so it wins a tie.
    byday = sorted(run.rules, key=lambda rule: (not rule.startswith("-"), rule))[0]
    rule: dict[str, object] = {
        "FREQ": "YEARLY",
        "BYMONTH": run.changes[0].onset.month,
        "BYDAY": byday,
    }
    if not open_ended:
        rule["UNTIL"] = run.changes[-1].at  # UTC, as RFC 5545 requires in a VTIMEZONE
    return rule


def vtimezone(tzid: str, start: date, end: date) -> icalendar.Timezone:
    """The VTIMEZONE of ``tzid``, right for every instant from 2000 (or ``start``) to ``end``.

    ``start`` and ``end`` are 1 January of their years. A rule still in force in the
    last year has no UNTIL, so readers carry it on past ``end`` as the zone does today.
    The zone is described from 2000 even when the events are later: vobject takes a zone
    that matches UTC over 2000-2020 for UTC itself, and would drop London's zone then.
    """
    origin = min(EARLIEST, start)
    timezone = icalendar.Timezone()
    timezone.add("tzid", tzid)
    observances = [_in_force_at(tzid, origin)]
    by_kind: dict[tuple[bool, timedelta, timedelta, str], list[Transition]] = {}
    for change in transitions(tzid, origin, end):
        by_kind.setdefault(change.kind, []).append(change)
    for changes in by_kind.values():
        for run in _runs(changes):
            component = _observance(run.changes[0])
            if len(run.changes) > 1:
                open_ended = run.changes[-1].onset.year == end.year - 1
                component.add("rrule", _rule(run, open_ended=open_ended))
            observances.append((run.changes[0].onset, component))
    for _, component in sorted(observances, key=lambda item: item[0]):
        timezone.add_component(component)
    return timezone


def _in_force_at(tzid: str, day: date) -> tuple[datetime, icalendar.cal.Component]:
    """An observance for what holds at ``day``, for anything before the first change."""
    instant = datetime.combine(day, datetime.min.time(), UTC)
    offset, daylight, name = _state(ZoneInfo(tzid), instant)
    initial = Transition(instant, offset, offset, name, daylight)
    return initial.onset, _observance(initial)
