"""Sign-in sheets and name tents, and names in every script drawn with real glyphs."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from app.documents.pdf import engine
from app.documents.session_docs.facts import SessionFacts
from app.documents.session_docs.roster_docs import name_tents_html, sign_in_pdf, tent_size
from tests.documents.conftest import RenderedOnce
from tests.documents.glyphs import missing_characters
from tests.documents.helpers import SIX_NAMES, page_count, pages_text


def test_the_sign_in_sheet_lists_everyone_with_a_signature_column(rm_pdfs: RenderedOnce) -> None:
    [page] = pages_text(rm_pdfs.sign_in)
    assert "Sign-in sheet · Day 1 of 1" in page
    assert "Friday 4 December 2026" in page
    assert "Signature" in page
    for name in SIX_NAMES:
        assert name in page
    assert page.count("(walk-in: print name)") == 3


def test_a_three_day_session_has_one_sign_in_sheet_per_day(
    rm_three_day_facts: SessionFacts,
) -> None:
    pages = pages_text(sign_in_pdf(rm_three_day_facts))
    assert len(pages) == 3
    for number, (page, day) in enumerate(
        zip(pages, ["Friday 4 December 2026", "Monday 7 December 2026", "Tuesday 8 December 2026"],
            strict=True),
        start=1,
    ):  # fmt: skip
        assert f"Day {number} of 3" in page and day in page
        assert all(name in page for name in SIX_NAMES)


def test_name_tents_one_folded_sheet_per_person_with_the_name_twice(rm_pdfs: RenderedOnce) -> None:
    pdf = rm_pdfs.name_tents
    pages = pages_text(pdf)
    assert len(pages) == len(SIX_NAMES)
    for page, name in zip(pages, SIX_NAMES, strict=True):
        assert page.count(name) == 2  # both faces of the tent
    html = name_tents_html(rm_pdfs.facts)
    assert html.count("tent-half-top") == len(SIX_NAMES)  # the upside-down half


def test_names_in_every_script_are_drawn_with_real_glyphs(rm_pdfs: RenderedOnce) -> None:
    pdf = rm_pdfs.name_tents
    for index, name in enumerate(SIX_NAMES):
        assert name in pages_text(pdf)[index]
        assert missing_characters(pdf, [index], [name]) == [], name
    # The same holds on the workbook cover and the sign-in sheet.
    assert missing_characters(rm_pdfs.workbook, [0], [SIX_NAMES[0]]) == []
    assert missing_characters(rm_pdfs.sign_in, [0], SIX_NAMES) == []


def test_the_glyph_check_catches_a_character_no_font_has() -> None:
    # U+10FFFD is a private-use code point no installed font covers: WeasyPrint draws it
    # with a placeholder glyph id outside the font, which the check must report.
    pdf = engine.render_pdf("<p>Zoë \U0010fffd</p>")
    assert missing_characters(pdf, [0], ["Zoë"]) == []
    assert missing_characters(pdf, [0], ["\U0010fffd"]) == ["'\\U0010fffd' U+10FFFD"]


@pytest.mark.parametrize(
    ("name", "size"), [("Zoë Ødegård", "l"), ("Łukasz Żółć-Wiśniewski", "m"), ("x" * 30, "s")]
)
def test_tent_type_size_shrinks_for_long_names(name: str, size: str) -> None:
    assert tent_size(name) == size


def test_page_counts_of_the_relationship_management_documents(rm_pdfs: RenderedOnce) -> None:
    counts = {
        "workbook (one participant)": page_count(rm_pdfs.workbook),
        "facilitator guide": page_count(rm_pdfs.guide),
        "sign-in sheet (6 participants, 1 day)": page_count(rm_pdfs.sign_in),
        "name tents (6 participants)": page_count(rm_pdfs.name_tents),
    }
    size = PdfReader(io.BytesIO(rm_pdfs.name_tents)).pages[0].mediabox
    print("\nRelationship Management, one-day format, page counts:")
    for label, count in counts.items():
        print(f"  {label}: {count}")
    print(f"  paper: {engine.paper().name} ({float(size.width):.0f} x {float(size.height):.0f} pt)")
    assert counts["name tents (6 participants)"] == 6
    assert counts["sign-in sheet (6 participants, 1 day)"] == 1
    assert counts["workbook (one participant)"] > 10
    assert counts["facilitator guide"] > 10
