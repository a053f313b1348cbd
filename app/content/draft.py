"""A pack as read from disk, possibly broken, with the problems found so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.content.packformat import CourseSpec, ModuleMeta
from app.content.problems import Problem, Severity
from app.content.yamlsource import Locator


@dataclass
class ModuleDraft:
    """One module file; fields are None where the file could not be read that far."""

    path: str  # relative to the pack, e.g. "modules/01-two-jobs.md"
    id: str | None
    meta: ModuleMeta | None = None
    body: str | None = None
    body_line: int = 1  # file line of the body's first line
    locator: Locator | None = None


@dataclass
class PackDraft:
    """Everything read from one pack folder, and every problem found in it."""

    root: Path
    files: dict[str, bytes] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # decoded UTF-8 text files
    course: CourseSpec | None = None
    course_data: Any = None
    course_locator: Locator = field(default_factory=lambda: Locator(None))
    modules: list[ModuleDraft] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def where(self, rel: str) -> str:
        """The path to print for a file of this pack (the pack path as given, plus `rel`)."""
        return (self.root / rel).as_posix() if rel else self.root.as_posix()

    def report(self, rel: str, line: int, message: str, severity: Severity = "error") -> None:
        """Record a problem in the file `rel` of this pack."""
        self.problems.append(Problem(self.where(rel), line, message, severity))

    @property
    def has_errors(self) -> bool:
        """True when any recorded problem is an error."""
        return any(p.is_error for p in self.problems)
