"""House rules the code base keeps: small modules, simple functions (docs/architecture.md)."""

from __future__ import annotations

from pathlib import Path

from radon.complexity import cc_rank, cc_visit

APP = Path(__file__).resolve().parents[1] / "app"
MAX_MODULE_LINES = 400


def _modules() -> list[Path]:
    return sorted(APP.rglob("*.py"))


def test_no_module_is_above_400_lines() -> None:
    long = {
        str(path.relative_to(APP)): lines
        for path in _modules()
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}, "split these by use case (docs/architecture.md)"


def test_no_function_is_above_radon_grade_c() -> None:
    # Grade D starts at a cyclomatic complexity of 21: past that a function has more
    # paths than its tests can walk; split it into named steps.
    complex_ = {
        f"{path.relative_to(APP)}:{block.lineno} {block.fullname}": block.complexity
        for path in _modules()
        for block in cc_visit(path.read_text())
        if cc_rank(block.complexity) not in ("A", "B", "C")
    }
    assert complex_ == {}


def test_the_checks_can_fail() -> None:
    # The two rules above are only worth having if they see what they look for.
    nested = "def f(x):\n" + "".join(f"    if x == {i}:\n        return {i}\n" for i in range(25))
    (block,) = cc_visit(nested)
    assert cc_rank(block.complexity) == "D"
