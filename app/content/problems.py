"""Problems found in a content pack, and the one exception loading may raise."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding, printed as `path:line: message` (line 0 means the path itself is missing)."""

    path: str
    line: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.line}: {prefix}{self.message}"

    @property
    def is_error(self) -> bool:
        """True when this problem makes a pack unusable."""
        return self.severity == "error"


class PackError(Exception):
    """Raised by `load_pack` when a pack has errors; `problems` lists all findings."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        errors = [p for p in self.problems if p.is_error]
        first = str(errors[0]) if errors else "no details"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"content pack has errors: {first}{more}")


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Order problems by file, then line, so output reads top to bottom."""
    return sorted(problems, key=lambda p: (p.path, p.line))
