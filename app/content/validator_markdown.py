"""Module body checks: `:::` blocks, links and images to pack files, raw HTML."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

from markdown_it.token import Token

from app.content.blocks import scan_blocks
from app.content.draft import ModuleDraft, PackDraft
from app.content.links import ALLOWED_SCHEMES, classify_url
from app.content.render import collect_references, markdown_parser, sanitize_html

# (tag, attribute names, attribute values, line within the fragment)
_Element = tuple[str, list[str], dict[str, str | None], int]


class _ElementLister(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[_Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, [name for name, _ in attrs], dict(attrs), self.getpos()[0]))


def _elements(html: str) -> list[_Element]:
    lister = _ElementLister()
    try:
        lister.feed(html)
        lister.close()
    except (AssertionError, ValueError):
        # Older html.parser versions assert on some malformed markup; keep what was found.
        pass
    return lister.elements


def check_module_markdown(draft: PackDraft, module: ModuleDraft) -> None:
    """Report block syntax, broken or escaping links and images, and HTML the sanitiser strips."""
    if module.body is None:
        return
    segments, issues = scan_blocks(module.body, first_line=module.body_line)
    for line, message in issues:
        draft.report(module.path, line, message)
    references = collect_references(segments)
    parser = markdown_parser()
    for segment in segments:
        tokens = parser.parse(segment.text, {"references": dict(references)})
        for token in tokens:
            if token.map is None:
                continue
            line = segment.line + token.map[0]
            if token.type == "html_block":
                _check_html(draft, module, token.content, line)
            elif token.type == "inline" and token.children:
                _check_inline(draft, module, token.children, line)


def _check_inline(draft: PackDraft, module: ModuleDraft, children: list[Token], line: int) -> None:
    # Inline tokens carry no line map; count the line breaks before each child instead.
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type == "link_open":
            _check_link(draft, module, str(child.attrs.get("href", "")), line, "link")
        elif child.type == "image":
            _check_link(draft, module, str(child.attrs.get("src", "")), line, "image")
        elif child.type == "html_inline":
            _check_html(draft, module, child.content, line)
            line += child.content.count("\n")


def _check_link(
    draft: PackDraft, module: ModuleDraft, url: str, line: int, what: str, in_html: bool = False
) -> None:
    target = classify_url(url)
    # In raw HTML a disallowed scheme already shows up as a removed attribute.
    if target.kind == "bad-scheme" and not in_html:
        allowed = ", ".join(sorted(ALLOWED_SCHEMES))
        draft.report(
            module.path,
            line,
            f"{what} '{url}' uses '{target.scheme}:', which the sanitiser removes "
            f"(allowed: {allowed})",
            "warning",
        )
    elif target.kind == "outside":
        draft.report(
            module.path,
            line,
            f"{what} '{url}' points outside the pack; use a path relative to the pack folder, "
            f"e.g. assets/diagram.svg",
        )
    elif target.kind == "pack" and target.path not in draft.files:
        draft.report(module.path, line, f"{what} target '{target.path}' is not a file in the pack")


def _check_html(draft: PackDraft, module: ModuleDraft, html: str, line: int) -> None:
    before = _elements(html)
    after = _elements(sanitize_html(html))
    tags_before = Counter(tag for tag, *_ in before)
    tags_after = Counter(tag for tag, *_ in after)
    attrs_before = Counter((tag, name) for tag, names, *_ in before for name in names)
    attrs_after = Counter((tag, name) for tag, names, *_ in after for name in names)
    reported: set[tuple[str, str]] = set()
    for tag, names, values, offset in before:
        where = line + offset - 1
        if tags_before[tag] > tags_after[tag]:
            if (tag, "") not in reported:
                reported.add((tag, ""))
                message = f"raw HTML <{tag}> is removed by the sanitiser"
                draft.report(module.path, where, message, "warning")
            continue
        for name in names:
            if attrs_before[(tag, name)] > attrs_after[(tag, name)] and (tag, name) not in reported:
                reported.add((tag, name))
                message = f"attribute '{name}' on raw HTML <{tag}> is removed by the sanitiser"
                draft.report(module.path, where, message, "warning")
        url_attribute = {"a": "href", "img": "src"}.get(tag)
        if url_attribute and values.get(url_attribute):
            what = "link" if tag == "a" else "image"
            _check_link(draft, module, str(values[url_attribute]), where, what, in_html=True)
