"""YAML parsing that keeps line numbers, and pydantic errors mapped back to those lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

# (line, message): a finding inside one file; the caller adds the path and severity.
Issue = tuple[int, str]
M = TypeVar("M", bound=BaseModel)

# Aliases can make a tiny document expand enormously ("billion laughs"); packs need nothing
# near this many nodes, so stop before pydantic walks the expansion.
MAX_NODES = 50_000


@dataclass(frozen=True)
class Locator:
    """Finds the file line of a value inside a composed YAML document."""

    root: yaml.Node | None
    # Lines before the YAML text starts in its file (front matter starts after `---`).
    line_offset: int = 0

    def line(self, *loc: str | int) -> int:
        """File line of the deepest node along `loc`; a mapping value reports its key's line."""
        node = self.root
        if node is None:
            return self.line_offset + 1
        line = node.start_mark.line + 1
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                found = None
                for key, value in node.value:
                    # The last duplicate wins, as in pyyaml's constructor.
                    if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                        found = (key, value)
                if found is None:
                    break
                node, line = found[1], found[0].start_mark.line + 1
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    break
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
        return line + self.line_offset


def _scan_nodes(root: yaml.Node) -> tuple[list[Issue], bool]:
    """Report duplicate keys (pyyaml keeps the last silently); True when too large to use."""
    issues: list[Issue] = []
    stack: list[yaml.Node] = [root]
    checked: set[int] = set()
    seen = 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            line = root.start_mark.line + 1
            return [(line, f"YAML aliases expand to more than {MAX_NODES} values")], True
        if isinstance(node, yaml.MappingNode) and id(node) not in checked:
            # An aliased mapping is visited once per use; report its duplicates only once.
            checked.add(id(node))
            first: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                    line = key.start_mark.line + 1
                    if key.value in first:
                        issues.append(
                            (
                                line,
                                f"duplicate key '{key.value}' (first at line {first[key.value]})",
                            )
                        )
                    else:
                        first[key.value] = line
                stack.extend((value, key))
        elif isinstance(node, yaml.MappingNode):
            stack.extend(value for _, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return issues, False


def _yaml_error_issue(exc: yaml.YAMLError, text: str) -> Issue:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        parts = [p for p in (exc.context, exc.problem) if p]
        return line, "YAML syntax error: " + ", ".join(parts)
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        char = exc.character
        shown = f"U+{char:04X}" if isinstance(char, int) else f"U+{ord(char[:1] or ' '):04X}"
        return line, f"YAML cannot contain the control character {shown}"
    return 1, f"YAML error: {exc}"


def parse_yaml(text: str, line_offset: int = 0) -> tuple[Any, Locator, list[Issue]]:
    """Parse one YAML document; returns (data, locator, issues with file lines)."""

    def shift(issues: list[Issue]) -> list[Issue]:
        return [(line + line_offset, message) for line, message in issues]

    loader: yaml.SafeLoader | None = None
    try:
        # The reader checks every character up front, so even construction can fail.
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None, Locator(None, line_offset), []
        issues, too_large = _scan_nodes(node)
        if too_large:
            return None, Locator(None, line_offset), shift(issues)
        data = loader.construct_document(node)
        return data, Locator(node, line_offset), shift(issues)
    except yaml.YAMLError as exc:
        return None, Locator(None, line_offset), shift([_yaml_error_issue(exc, text)])
    except RecursionError:
        return None, Locator(None, line_offset), shift([(1, "YAML is nested too deeply")])
    finally:
        if loader is not None:
            loader.dispose()


_TYPE_WORDS = {
    "string_type": "a string",
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
}


def _describe(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"{type(value).__name__} {text}"


def _format_error(error: dict[str, Any]) -> str:
    loc: tuple[Any, ...] = error["loc"]
    kind: str = error["type"]
    # Positions in lists are left out: the line number already points at the item.
    keys = [str(p) for p in loc if isinstance(p, str) and p != "[key]"]
    if kind in ("missing", "extra_forbidden"):
        where, name = ".".join(keys[:-1]), keys[-1] if keys else "?"
        text = f"missing key '{name}'" if kind == "missing" else f"unknown key '{name}'"
        return f"{where}: {text}" if where else text
    if kind in _TYPE_WORDS:
        text = f"expected {_TYPE_WORDS[kind]}, got {_describe(error.get('input'))}"
        if keys == ["version"] and kind == "string_type":
            text += ' (quote it, e.g. "1.0.0")'
        elif kind == "string_type" and isinstance(error.get("input"), bool):
            # YAML 1.1 reads yes/no/on/off as booleans, a classic trap in choice lists.
            text += " (YAML reads yes, no, on and off as true or false; quote the text)"
    elif kind == "literal_error":
        text = f"expected {error['ctx']['expected']}, got {_describe(error.get('input'))}"
    elif kind == "invalid_key":
        text = "keys must be strings"
    else:
        text = str(error["msg"]).removeprefix("Value error, ")
        text = text[:1].lower() + text[1:]
    where = ".".join(keys)
    return f"{where}: {text}" if where else text


def validate_model(model: type[M], data: Any, locator: Locator) -> tuple[M | None, list[Issue]]:
    """Validate `data` against `model`; errors come back with the line of the offending key."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        issues = [
            (locator.line(*error["loc"]), _format_error(dict(error)))
            for error in exc.errors(include_url=False)
        ]
        return None, issues
    except (RecursionError, ValueError, TypeError) as exc:
        # Cyclic YAML aliases reach pydantic as self-referencing lists.
        return None, [(locator.line(), f"cannot read this document: {exc}")]
