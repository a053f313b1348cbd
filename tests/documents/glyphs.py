"""Do the fonts embedded in a PDF really draw given characters? (No missing-glyph boxes.)

WeasyPrint embeds each font as a subset that keeps glyph ids, with a ToUnicode map from
glyph id to text. A character no font covers is drawn either with glyph 0 (.notdef, the
box) or with an id past the end of the font (WeasyPrint's marker for "missing"). So a
character is really drawn when some font on the page maps a glyph to it whose id is
non-zero, inside the embedded font, and has an outline.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


@dataclass(frozen=True)
class Glyph:
    """One glyph of an embedded font and the text it stands for."""

    font: str
    gid: int
    text: str
    in_font: bool
    inked: bool


def _fonts_of(resources: DictionaryObject | None, seen: set[int]) -> Iterable[DictionaryObject]:
    if resources is None:
        return
    resources = resources.get_object()
    for ref in (resources.get("/Font") or {}).values():
        font = ref.get_object()
        if id(font) not in seen:
            seen.add(id(font))
            yield font
    for ref in (resources.get("/XObject") or {}).values():
        xobject = ref.get_object()
        yield from _fonts_of(xobject.get("/Resources"), seen)


def _to_unicode(font: DictionaryObject) -> dict[int, str]:
    data = font["/ToUnicode"].get_object().get_data()
    mapping = {}
    for gid, text in _BFCHAR.findall(data):
        mapping[int(gid, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be") if text else ""
    return mapping


def _font_program(font: DictionaryObject) -> TTFont:
    descendant = font["/DescendantFonts"][0].get_object()
    descriptor = descendant["/FontDescriptor"].get_object()
    for key in ("/FontFile2", "/FontFile3", "/FontFile"):
        if key in descriptor:
            return TTFont(io.BytesIO(descriptor[key].get_object().get_data()))
    raise AssertionError(f"font {font['/BaseFont']} is not embedded")


def page_glyphs(pdf: bytes, page_indexes: Iterable[int]) -> list[Glyph]:
    """Every glyph of the fonts used on the given pages, with what it stands for."""
    reader = PdfReader(io.BytesIO(pdf))
    glyphs: list[Glyph] = []
    seen: set[int] = set()
    for index in page_indexes:
        for font in _fonts_of(reader.pages[index].get("/Resources"), seen):
            program = _font_program(font)
            order = program.getGlyphOrder()
            glyph_set = program.getGlyphSet()
            for gid, text in _to_unicode(font).items():
                in_font = 0 < gid < len(order)
                inked = False
                if in_font:
                    pen = BoundsPen(glyph_set)
                    glyph_set[order[gid]].draw(pen)
                    inked = pen.bounds is not None
                glyphs.append(Glyph(str(font["/BaseFont"]), gid, text, in_font, inked))
    return glyphs


def missing_characters(pdf: bytes, page_indexes: Iterable[int], texts: Iterable[str]) -> list[str]:
    """Characters of ``texts`` not drawn by a real glyph on those pages (empty when all are)."""
    glyphs = page_glyphs(pdf, page_indexes)
    drawn = {ch for g in glyphs if g.in_font and g.inked for ch in g.text}
    broken = {
        ch for g in glyphs if not (g.in_font and g.inked) for ch in g.text if not ch.isspace()
    }
    wanted = {ch for text in texts for ch in text if not ch.isspace()}
    missing = sorted((wanted - drawn) | (wanted & broken) | {"\ufffd"} & broken)
    return [f"{ch!r} U+{ord(ch):04X}" for ch in missing]
