"""Splitting a module body into Markdown and `::: exercise` / `::: facilitator` blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

SegmentKind = Literal["markdown", "exercise", "facilitator"]
# (line, message)
BlockIssue = tuple[int, str]

# name -> attribute -> (lowest, highest, default or None when the attribute is optional)
BLOCK_ATTRIBUTES: dict[str, dict[str, tuple[int, int, int | None]]] = {
    "exercise": {"lines": (0, 40, 6)},
    "facilitator": {"minutes": (1, 480, None)},
}

_MARKER_RE = re.compile(r":::(.*)")
_NUMBER_RE = re.compile(r"[0-9]{1,4}")
# CommonMark code fences: `:::` lines inside them are example text, not blocks.
_FENCE_OPEN_RE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")


@dataclass(frozen=True)
class Segment:
    """A run of the body: plain Markdown, or the inside of one block with its attributes."""

    kind: SegmentKind
    text: str
    # Line where `text` starts: the body's first line is `first_line` (1 unless given).
    line: int
    attrs: dict[str, int] = field(default_factory=dict)


@dataclass
class _OpenBlock:
    name: str
    kind: SegmentKind | None  # None: unknown block, its text is kept as plain Markdown
    attrs: dict[str, int]
    line: int
    nested: int = 0  # wrongly nested openers inside, so their closers are not ours


def _parse_opener(name: str, words: list[str], line: int) -> tuple[_OpenBlock, list[BlockIssue]]:
    allowed = BLOCK_ATTRIBUTES.get(name)
    if allowed is None:
        known = " or ".join(BLOCK_ATTRIBUTES)
        return _OpenBlock(name, None, {}, line), [
            (line, f"unknown block '{name}' (expected {known})")
        ]
    issues: list[BlockIssue] = []
    attrs: dict[str, int] = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            issues.append((line, f"bad block attribute '{word}' (expected key=value)"))
        elif key not in allowed:
            names = ", ".join(allowed)
            issues.append(
                (line, f"unknown attribute '{key}' for a {name} block (allowed: {names})")
            )
        elif key in attrs:
            issues.append((line, f"attribute '{key}' is given twice"))
        else:
            low, high, _ = allowed[key]
            if _NUMBER_RE.fullmatch(value) and low <= int(value) <= high:
                attrs[key] = int(value)
            else:
                issues.append(
                    (line, f"{key}={value}: expected a whole number from {low} to {high}")
                )
    for key, (_, _, default) in allowed.items():
        if default is not None:
            attrs.setdefault(key, default)
    kind: SegmentKind = "exercise" if name == "exercise" else "facilitator"
    return _OpenBlock(name, kind, attrs, line), issues


def scan_blocks(body: str, first_line: int = 1) -> tuple[list[Segment], list[BlockIssue]]:
    """Split `body` into segments and report block syntax problems, numbering from first_line."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    segments: list[Segment] = []
    issues: list[BlockIssue] = []
    buffer: list[str] = []
    start = first_line
    block: _OpenBlock | None = None
    fence: tuple[str, int, int] | None = None  # (fence character, length, line)

    def flush(kind: SegmentKind | None, attrs: dict[str, int], next_start: int) -> None:
        # kind None: plain Markdown (or an unknown block's text), dropped when blank.
        nonlocal buffer, start
        text = "\n".join(buffer)
        if kind is not None or text.strip():
            segments.append(Segment(kind or "markdown", text, start, attrs))
        buffer, start = [], next_start

    for number, line in enumerate(lines, first_line):
        if fence is not None:
            char, length, _ = fence
            if re.fullmatch(rf" {{0,3}}{re.escape(char)}{{{length},}}[ \t]*", line):
                fence = None
            buffer.append(line)
            continue
        opened = _FENCE_OPEN_RE.fullmatch(line)
        if opened and not (opened.group(1)[0] == "`" and "`" in opened.group(2)):
            fence = (opened.group(1)[0], len(opened.group(1)), number)
            buffer.append(line)
            continue
        marker = _MARKER_RE.fullmatch(line.rstrip())
        if marker is None:
            buffer.append(line)
            continue
        words = marker.group(1).split()
        if not words:
            if block is None:
                issues.append((number, "':::' closes no block"))
            elif block.nested:
                block.nested -= 1
                buffer.append(line)
            else:
                flush(block.kind, block.attrs, number + 1)
                block = None
            continue
        if block is not None:
            issues.append(
                (
                    number,
                    f"blocks do not nest: '{words[0]}' opened inside the {block.name} block "
                    f"of line {block.line}",
                )
            )
            block.nested += 1
            buffer.append(line)
            continue
        flush(None, {}, number + 1)
        block, found = _parse_opener(words[0], words[1:], number)
        issues.extend(found)

    if block is not None:
        message = f"'{block.name}' block is never closed with ':::'"
        if fence is not None:
            message += f" (a code fence opened at line {fence[2]} is still open)"
        issues.append((block.line, message))
        flush(block.kind, block.attrs, first_line + len(lines))
    else:
        flush(None, {}, first_line + len(lines))
    return segments, issues


def parse_blocks(body: str, first_line: int = 1) -> list[Segment]:
    """Split a module body into Markdown, exercise and facilitator segments, in order."""
    return scan_blocks(body, first_line)[0]
