"""Independent calendar readers, each expanding an .ics into (uid, wall clock, UTC instant).

- ``icalendar`` + ``recurring-ical-events`` (Python; the library we also write with),
- ``vobject`` (Python; its zones go through dateutil's own VTIMEZONE reader),
- Mozilla's ``ical.js`` under Node (the reader inside Thunderbird), pinned in
  ``tests/calendar_readers/package.json`` and installed by :func:`icaljs_ready`.

``private_zone_names`` renames every TZID to one no zone database knows, so each reader
has to use the calendar's own VTIMEZONE rather than its built-in copy of the zone.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import icalendar
import recurring_ical_events
import vobject

from tests.conftest import skip_or_fail

Occurrence = tuple[str, str, str]  # uid, local wall clock (ISO, no zone), UTC instant (ISO Z)

READERS_DIR = Path(__file__).resolve().parents[2] / "calendar_readers"
_TZID = re.compile(rb"TZID=([^:;]+)")


def private_zone_names(body: bytes) -> bytes:
    """The calendar with each TZID renamed ``APEX-TEST-<name>`` (lines unfolded first)."""
    unfolded = body.replace(b"\r\n ", b"")
    names = set(_TZID.findall(unfolded)) | set(re.findall(rb"\r\nTZID:([^\r]+)", unfolded))
    for name in sorted(names, key=len, reverse=True):
        private = b"APEX-TEST-" + name.replace(b"/", b"-")
        unfolded = unfolded.replace(b"TZID=" + name, b"TZID=" + private)
        unfolded = unfolded.replace(b"TZID:" + name + b"\r\n", b"TZID:" + private + b"\r\n")
    return unfolded


def _occurrence(uid: str, start: datetime) -> Occurrence:
    assert start.tzinfo is not None, f"{uid}: a floating time, the zone was not understood"
    return (
        uid,
        start.replace(tzinfo=None).isoformat(timespec="seconds"),
        start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def read_with_icalendar(body: bytes) -> list[Occurrence]:
    """Occurrences as ``recurring-ical-events`` expands them (zones via icalendar)."""
    calendar = icalendar.Calendar.from_ical(body)
    found = recurring_ical_events.of(calendar).between(date(1990, 1, 1), date(2100, 1, 1))
    return sorted(_occurrence(str(event["UID"]), event.decoded("DTSTART")) for event in found)


def read_with_vobject(body: bytes) -> list[Occurrence]:
    """Occurrences as vobject expands them (zones via dateutil's tzical)."""
    calendar = vobject.readOne(body.decode())
    found = []
    for event in calendar.vevent_list:
        uid = event.uid.value
        if hasattr(event, "rrule") or hasattr(event, "rdate"):
            starts = list(event.getrruleset(addRDate=True))
        else:
            starts = [event.dtstart.value]
        found.extend(_occurrence(uid, start) for start in starts)
    return sorted(found)


def icaljs_ready() -> Path:
    """The Node script that runs ical.js, its pinned package installed on first use.

    Skips (fails under APEX_REQUIRE_SERVICES=1) when Node or npm is missing.
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        skip_or_fail("node and npm are needed for Mozilla's ical.js: apt-get install nodejs npm")
    if not (READERS_DIR / "node_modules" / "ical.js" / "package.json").exists():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=READERS_DIR,
            check=True,
            timeout=300,
        )
    return READERS_DIR / "expand.mjs"


def read_with_icaljs(body: bytes, tmp_path: Path) -> list[Occurrence]:
    """Occurrences as Mozilla's ical.js expands them (zones from the file only)."""
    script = icaljs_ready()
    source = tmp_path / "calendar.ics"
    source.write_bytes(body)
    answer = subprocess.run(
        ["node", str(script), str(source)], capture_output=True, check=True, timeout=120
    )
    found = []
    for item in json.loads(answer.stdout):
        assert item["tzid"] is not None, f"{item['uid']}: ical.js read a floating time"
        found.append((item["uid"], item["local"], item["utc"]))
    return sorted(found)
