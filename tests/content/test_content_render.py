"""Rendering: sanitising, asset URLs, and what each audience sees."""

from __future__ import annotations

import re

import pytest

from app.content import render
from app.content.render import render_module, sanitize_html

BODY = """\
# Two jobs

![Diagram](assets/diagram.svg)

::: exercise lines=4
List three things your client cared about.
:::

::: facilitator minutes=10
Ask: what surprised you?
:::

::: exercise
Default lines.
:::
"""


def render_markdown(text: str, asset_url: render.AssetUrl | None = None) -> str:
    """Plain CommonMark through the module renderer (no blocks)."""
    return render._render(text, asset_url, {})


def test_script_is_removed() -> None:
    html = render_markdown("Hello\n\n<script>alert('x')</script>\n\nWorld <script>steal()</script>")
    assert "<script" not in html
    assert "alert" not in html and "steal" not in html
    assert "<p>Hello</p>" in html


def test_event_handler_attributes_are_removed() -> None:
    html = render_markdown('<img src="a.png" onerror="alert(1)"> <b onclick="x()">b</b>')
    assert "onerror" not in html and "onclick" not in html
    assert '<img src="a.png">' in html


def test_javascript_links_are_removed() -> None:
    html = render_markdown(
        '[md](javascript:alert(1)) <a href="javascript:alert(2)">raw</a> '
        '<a href="JaVaScRiPt:alert(3)">mixed</a> [data](data:text/html;base64,PHNjcmlwdD4=)'
    )
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert not any(h.lower().startswith(("javascript", "data")) for h in hrefs), html
    assert "<a" in html  # the raw anchors stay, only their href goes


def test_iframe_style_and_forms_are_removed() -> None:
    html = render_markdown('<iframe src="https://x.org"></iframe><style>p{}</style><form></form>')
    assert "iframe" not in html and "<style" not in html and "<form" not in html


def test_links_get_rel_and_allowed_schemes_survive() -> None:
    html = render_markdown("[a](https://example.org) [m](mailto:a@b.org) [f](ftp://x.org/f)")
    assert '<a href="https://example.org" rel="noopener noreferrer">a</a>' in html
    assert 'href="mailto:a@b.org"' in html
    assert "ftp:" not in html


def test_tables_and_strikethrough_render() -> None:
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n\n~~gone~~")
    assert "<table>" in html and '<td style="text-align:right">2</td>' in html
    assert "<s>gone</s>" in html


def test_asset_urls_are_rewritten() -> None:
    def asset_url(path: str) -> str:
        return f"/packs/abc123/{path}"

    html = render_markdown(
        "![d](assets/diagram.svg) [h](./assets/handout.pdf#page=2) [e](https://x.org/a.png) "
        '[top](#top) <img src="assets/raw.png">',
        asset_url,
    )
    assert 'src="/packs/abc123/assets/diagram.svg"' in html
    assert 'href="/packs/abc123/assets/handout.pdf#page=2"' in html
    assert 'href="https://x.org/a.png"' in html
    assert 'href="#top"' in html
    assert 'src="/packs/abc123/assets/raw.png"' in html


def test_asset_url_gets_decoded_pack_path() -> None:
    seen: list[str] = []
    render_markdown("![c](<assets/my chart.svg>)", lambda p: seen.append(p) or p)
    assert seen == ["assets/my chart.svg"]


def test_online_shows_exercises_and_hides_facilitator() -> None:
    html = render_module(BODY, "online")
    assert html.count('<section class="exercise">') == 2
    assert "<h2>Activity</h2>" in html
    assert "List three things" in html
    assert "surprised" not in html and "facilitator" not in html
    assert "writing-lines" not in html


def test_workbook_adds_writing_lines() -> None:
    html = render_module(BODY, "workbook")
    assert '<div class="writing-lines" data-lines="4" aria-hidden="true">' in html
    assert '<div class="writing-lines" data-lines="6" aria-hidden="true">' in html
    assert html.count('<div class="line"></div>') == 4 + 6
    assert "surprised" not in html


def test_workbook_lines_zero_means_no_lines() -> None:
    html = render_module("::: exercise lines=0\nTalk it through.\n:::\n", "workbook")
    assert "Talk it through." in html and "writing-lines" not in html


def test_guide_shows_facilitator_notes() -> None:
    html = render_module(BODY, "guide")
    assert '<section class="facilitator" data-minutes="10">' in html
    assert "Ask: what surprised you?" in html
    assert html.count('<section class="exercise">') == 2
    assert "writing-lines" not in html
    assert html.index("Diagram") < html.index("List three") < html.index("surprised")


def test_module_content_is_sanitised_inside_blocks() -> None:
    body = "::: exercise\n<script>x()</script>\n<img src=a onerror=b>\n:::\n"
    html = render_module(body, "online")
    assert "<script" not in html and "onerror" not in html
    assert '<section class="exercise">' in html


def test_module_assets_and_cross_block_references() -> None:
    body = "::: exercise\nSee [brief][b] and ![m](assets/m.png).\n:::\n\n[b]: assets/brief.pdf\n"
    html = render_module(body, "online", asset_url=lambda p: "/x/" + p)
    assert 'href="/x/assets/brief.pdf"' in html and 'src="/x/assets/m.png"' in html


def test_fenced_block_markers_render_as_code() -> None:
    html = render_module("```\n::: facilitator\n:::\n```\n", "online")
    assert "<pre><code>::: facilitator\n:::\n</code></pre>" in html


def test_unknown_audience_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown audience"):
        render_module(BODY, "print")  # type: ignore[arg-type]


def test_sanitize_html_is_idempotent_on_safe_html() -> None:
    safe = '<p><a href="https://x.org" rel="noopener noreferrer">x</a></p>'
    assert sanitize_html(safe) == safe
