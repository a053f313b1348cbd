"""Markdown to safe HTML for the three outputs: online lesson, workbook, facilitator guide."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import nh3
from markdown_it import MarkdownIt

from app.content.blocks import Segment, parse_blocks
from app.content.links import ALLOWED_SCHEMES, classify_url

Audience = Literal["online", "workbook", "guide"]
AssetUrl = Callable[[str], str]

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em",
        "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
        "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup",
        "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    # Markdown tables carry column alignment as `style="text-align:..."`.
    "th": {"style", "colspan", "rowspan"},
    "td": {"style", "colspan", "rowspan"},
}
_STYLE_PROPERTIES = {"text-align"}
LINK_REL = "noopener noreferrer"

_PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def markdown_parser() -> MarkdownIt:
    """The one Markdown parser configuration used for rendering and validation."""
    return _PARSER


def sanitize_html(html: str, asset_url: AssetUrl | None = None) -> str:
    """Remove anything unsafe from `html`; relative pack paths go through `asset_url`."""
    options: dict[str, Any] = {}
    if asset_url is not None:
        options["url_relative"] = _asset_rewriter(asset_url)
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(ALLOWED_SCHEMES),
        link_rel=LINK_REL,
        filter_style_properties=_STYLE_PROPERTIES,
        **options,
    )


def _asset_rewriter(asset_url: AssetUrl) -> Callable[[str], str]:
    def rewrite(url: str) -> str:
        target = classify_url(url)
        if target.kind != "pack":
            return url
        fragment = f"#{target.fragment}" if target.fragment else ""
        return asset_url(target.path) + fragment

    return rewrite


def _render(text: str, asset_url: AssetUrl | None, references: dict[str, Any]) -> str:
    # A copy, so rendering one segment never adds definitions seen by the next.
    env: dict[str, Any] = {"references": dict(references)}
    return sanitize_html(_PARSER.render(text, env), asset_url)


def collect_references(segments: list[Segment]) -> dict[str, Any]:
    """Link reference definitions from all segments, so `[x][ref]` works across blocks."""
    env: dict[str, Any] = {}
    for segment in segments:
        _PARSER.parse(segment.text, env)
    return dict(env.get("references", {}))


def _writing_lines(count: int) -> str:
    if count <= 0:
        return ""
    lines = '<div class="line"></div>' * count
    # Ruled lines are for pen and paper; screen readers should skip them.
    return f'<div class="writing-lines" data-lines="{count}" aria-hidden="true">{lines}</div>\n'


def _exercise(html: str, lines: int | None) -> str:
    extra = _writing_lines(lines) if lines is not None else ""
    return f'<section class="exercise">\n<h2>Activity</h2>\n{html}{extra}</section>\n'


def _facilitator(html: str, minutes: int | None) -> str:
    if minutes is None:
        return f'<section class="facilitator">\n<h2>Facilitator notes</h2>\n{html}</section>\n'
    return (
        f'<section class="facilitator" data-minutes="{minutes}">\n<h2>Facilitator notes</h2>\n'
        f'<p class="facilitator-minutes">{minutes} minute{"" if minutes == 1 else "s"}</p>\n'
        f"{html}</section>\n"
    )


def render_module(body: str, audience: Audience, asset_url: AssetUrl | None = None) -> str:
    """Render a module body for one audience: "online", "workbook" or "guide"."""
    if audience not in ("online", "workbook", "guide"):
        raise ValueError(f"unknown audience {audience!r}")
    segments = parse_blocks(body)
    references = collect_references(segments)
    parts: list[str] = []
    for segment in segments:
        if segment.kind == "facilitator" and audience != "guide":
            continue
        html = _render(segment.text, asset_url, references)
        if segment.kind == "exercise":
            lines = segment.attrs.get("lines", 6) if audience == "workbook" else None
            parts.append(_exercise(html, lines))
        elif segment.kind == "facilitator":
            parts.append(_facilitator(html, segment.attrs.get("minutes")))
        else:
            parts.append(html)
    return "".join(parts)
