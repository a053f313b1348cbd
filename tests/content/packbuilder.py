"""A minimal valid content pack that tests copy, break in one place, and write to disk."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.content.problems import Problem

# Line numbers matter: tests assert exact lines, so edit with care.
COURSE_YAML = """\
id: demo-course
version: "1.0.0"
title: Demo course
summary: A short course used by the tests.
audience: [IT analysts]
skills: [listening]
objectives:
  - Explain the two jobs.
credit_hours: 1.5
formats:
  one-day:
    title: One-day module
    days: 1
    agenda:
      - {day: 1, minutes: 15, title: Welcome}
      - {day: 1, minutes: 60, module: two-jobs}
      - {day: 1, minutes: 15, title: Break, kind: break}
      - {day: 1, minutes: 60, module: listening}
"""

TWO_JOBS_MD = """\
---
title: Two jobs
minutes: 60
objectives:
  - Tell the two jobs apart.
checks:
  - id: q1
    type: single
    question: Which job gets the client to ask you back?
    choices: [Project management, Relationship management]
    answer: 2
    explanation: Relationship management builds the trust.
---
# Two jobs

![Diagram](assets/diagram.svg)

::: exercise lines=4
List three things your client cared about.
:::

::: facilitator minutes=10
Ask: what surprised you?
:::
"""

LISTENING_MD = """\
---
title: Listening
minutes: 60
objectives:
  - Listen for what is not said.
checks:
  - id: hear
    type: multiple
    question: Which are listening habits?
    choices: [Interrupting, Summarising, Asking open questions]
    answer: [2, 3]
    explanation: Summaries and open questions show you heard.
---
Listening is half the job. See [the first module](modules/01-two-jobs.md).
"""

DIAGRAM_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>\n'

MINIMAL_FILES: dict[str, str | bytes] = {
    "course.yaml": COURSE_YAML,
    "modules/01-two-jobs.md": TWO_JOBS_MD,
    "modules/02-listening.md": LISTENING_MD,
    "assets/diagram.svg": DIAGRAM_SVG,
}


@dataclass
class PackBuilder:
    """File contents by relative path; change some, then `write` the pack to a folder."""

    files: dict[str, str | bytes] = field(default_factory=lambda: dict(MINIMAL_FILES))

    def set(self, rel: str, content: str | bytes) -> PackBuilder:
        """Add or replace one file."""
        self.files[rel] = content
        return self

    def remove(self, rel: str) -> PackBuilder:
        """Leave one file out."""
        del self.files[rel]
        return self

    def edit(self, rel: str, old: str, new: str) -> PackBuilder:
        """Replace the one occurrence of `old` in a text file (fails loudly if not exactly one)."""
        text = self.files[rel]
        assert isinstance(text, str)
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {rel}"
        self.files[rel] = text.replace(old, new)
        return self

    def write(self, parent: Path, name: str = "demo-course") -> Path:
        """Write the pack into `parent/name` and return that folder."""
        root = parent / name
        for rel, content in self.files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        return root


def minimal_pack() -> PackBuilder:
    """A fresh copy of the minimal valid pack."""
    return PackBuilder()


def describe(problems: Iterable[Problem]) -> str:
    """All problems, one per line, for assertion messages."""
    return "\n".join(str(p) for p in problems) or "(no problems)"


def assert_only(
    problems: list[Problem], rel: str, line: int, text: str, severity: str = "error"
) -> Problem:
    """Assert there is exactly one problem, in file `rel` at `line`, whose message has `text`."""
    assert len(problems) == 1, describe(problems)
    return assert_has(problems, rel, line, text, severity)


def assert_has(
    problems: list[Problem], rel: str, line: int, text: str, severity: str = "error"
) -> Problem:
    """Assert one of the problems is in file `rel` at `line` with `text` in its message."""
    for problem in problems:
        if (
            (problem.path.endswith("/" + rel) or problem.path == rel)
            and problem.line == line
            and text in problem.message
            and problem.severity == severity
        ):
            return problem
    raise AssertionError(f"no {severity} {rel}:{line}: ...{text}... in\n{describe(problems)}")
