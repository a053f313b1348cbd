"""A plain-text e-mail body as safe HTML in the site's look, for the HTML alternative.

Every notice is written once, as text (``templates/emails/*.txt``); this turns that text
into the HTML part, so a new notice gets one without an HTML template of its own:

- everything is escaped; only http(s) addresses become links;
- blank lines separate paragraphs; a hand-wrapped line joins the one before it, but a
  "Label: value" line keeps its own line;
- indented lines ("  Where: ...", an order's lines) become one framed block;
- a paragraph that is only an address becomes a button (the reset or sign-in link), and
  so does the message's first "Label: address" line ("Session details: https://...");
  later ones are links named by their label.

Styles are inline because mail clients drop <style> blocks and external CSS; the colours
and fonts are ``static/app.css``'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif"
INK, MUTED, BRAND, WASH, LINE = "#1b1f24", "#4a5360", "#0b4f8a", "#f4f6f8", "#d5dbe1"

STYLES = {
    "p": "margin:0 0 16px;",
    "a": f"color:{BRAND};text-decoration:underline;overflow-wrap:anywhere;word-break:break-word;",
    "block": (
        f"margin:0 0 16px;padding:10px 14px;background:{WASH};border-left:4px solid {BRAND};"
        "border-radius:4px;overflow-wrap:anywhere;"
    ),
    "button": (
        f"display:inline-block;background:{BRAND};color:#ffffff;text-decoration:none;"
        "padding:10px 18px;border-radius:6px;font-weight:600;max-width:100%;"
        "box-sizing:border-box;overflow-wrap:anywhere;word-break:break-all;"
    ),
    "button_secondary": (
        f"display:inline-block;background:#ffffff;color:{BRAND};text-decoration:none;"
        f"padding:9px 17px;border:1px solid {BRAND};border-radius:6px;font-weight:600;"
        "max-width:100%;box-sizing:border-box;overflow-wrap:anywhere;word-break:break-all;"
    ),
}

_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)]}"  # punctuation after an address belongs to the sentence
# "Session details: https://..." — a short label, then nothing but one address.
_LINK_LINE = re.compile(r"(?P<label>[^\s:][^:]{0,48}):\s+(?P<url>https?://\S+)")
# "Where: Harbour Room" — a short label that starts its own line.
_FIELD_LINE = re.compile(r"[A-Z][\w ()'/-]{0,30}:\s+\S")


def _split_url(match: str) -> tuple[str, str]:
    url = match.rstrip(_TRAILING)
    return url, match[len(url) :]


def _link(url: str, text: str, style: str = "a") -> Markup:
    return Markup('<a href="{}" style="{}">{}</a>').format(url, STYLES[style], text)


def linkify(text: str) -> Markup:
    """``text`` escaped, with each http(s) address a link to itself."""
    out = Markup()
    position = 0
    for match in _URL.finditer(text):
        url, rest = _split_url(match.group(0))
        out += escape(text[position : match.start()]) + _link(url, url) + escape(rest)
        position = match.end()
    return out + escape(text[position:])


@dataclass
class _Buttons:
    """The first link-like line of a message is its main action."""

    given: int = 0

    def button(self, url: str, text: str) -> Markup:
        style = "button" if self.given == 0 else "button_secondary"
        self.given += 1
        return Markup('<p style="{}">{}</p>').format(STYLES["p"], _link(url, text, style))


def _prose(lines: list[str], buttons: _Buttons) -> Markup:
    """Unindented lines of one paragraph: joined, except labels and links."""
    if len(lines) == 1 and _URL.fullmatch(lines[0].strip()):
        return buttons.button(lines[0].strip(), lines[0].strip())
    out, inline = Markup(), Markup()
    for line in lines:
        link = _LINK_LINE.fullmatch(line.strip())
        if link is not None:
            if inline:
                out += Markup('<p style="{}">{}</p>').format(STYLES["p"], inline)
                inline = Markup()
            if buttons.given == 0:
                out += buttons.button(link["url"], link["label"])
            else:
                out += Markup('<p style="{}">{}</p>').format(
                    STYLES["p"], _link(link["url"], link["label"])
                )
            continue
        if inline:
            inline += Markup("<br>") if _FIELD_LINE.match(line) else Markup(" ")
        inline += linkify(line.strip())
    if inline:
        out += Markup('<p style="{}">{}</p>').format(STYLES["p"], inline)
    return out


def _block(lines: list[str]) -> Markup:
    """Indented lines (a session's details, an order's lines): one framed block."""
    body = Markup("<br>").join(linkify(line.strip()) for line in lines)
    return Markup('<div style="{}">{}</div>').format(STYLES["block"], body)


def _runs(lines: list[str]) -> list[tuple[bool, list[str]]]:
    """Consecutive lines grouped by whether they are indented."""
    runs: list[tuple[bool, list[str]]] = []
    for line in lines:
        indented = line[:1].isspace()
        if runs and runs[-1][0] == indented:
            runs[-1][1].append(line)
        else:
            runs.append((indented, [line]))
    return runs


def text_to_html(text: str) -> Markup:
    """The body of the HTML part for a plain-text message (see the module's rules)."""
    buttons = _Buttons()
    out = Markup()
    for paragraph in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").strip("\n")):
        lines = [line.rstrip() for line in paragraph.split("\n") if line.strip()]
        for indented, run in _runs(lines):
            out += _block(run) if indented else _prose(run, buttons)
    return out
