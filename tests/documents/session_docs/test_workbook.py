"""Participant workbooks: personal cover, contents with page numbers, modules, writing space."""

from __future__ import annotations

import re

from app.documents.session_docs.facts import SessionFacts
from app.documents.session_docs.workbook import body_html, cover_documents, module_views
from tests.documents.conftest import RenderedOnce
from tests.documents.helpers import SIX_NAMES, page_count, pages_text

TITLE = "Relationship Management for Technical Professionals"


def test_the_cover_names_the_participant_course_and_session(rm_pdfs: RenderedOnce) -> None:
    cover = pages_text(rm_pdfs.workbook)[0]
    assert "Zoë Ødegård" in cover
    assert TITLE.replace(" for ", " for\n") in cover or TITLE in cover.replace("\n", " ")
    assert "Friday 4 December 2026" in cover
    assert "09:00–17:00 (America/New_York)" in cover
    assert "Harbour Room, 12 Quay Street, Springfield" in cover
    assert "One-day APEX module · Participant workbook" in cover


def test_contents_page_numbers_point_at_the_modules(
    rm_pdfs: RenderedOnce, rm_facts: SessionFacts
) -> None:
    pages = pages_text(rm_pdfs.workbook)
    contents = pages[1]
    assert contents.startswith(TITLE)
    modules = rm_facts.workbook_modules()
    for number, module in enumerate(modules, start=1):
        match = re.search(rf"Module {number} · .*?\.+ (\d+)", contents.replace("\n", " "))
        assert match, (module.title, contents)
        printed = int(match.group(1))
        # The cover is not numbered, so body page n is the PDF's page n + 1 (index n).
        target = pages[printed]
        assert f"MODULE {number} · {module.minutes} MINUTES" in target
        assert target.rstrip().endswith(str(printed))  # the footer shows the same number


def test_running_headers_carry_course_and_module(rm_pdfs: RenderedOnce) -> None:
    pages = [p.replace("\n", " ") for p in pages_text(rm_pdfs.workbook)]
    start = next(i for i, p in enumerate(pages) if "MODULE 4 ·" in p)
    end = next(i for i, p in enumerate(pages) if "MODULE 5 ·" in p)
    assert end - start >= 2, "module 4 runs over several pages"
    for page in pages[start:end]:
        assert f"{TITLE} Communicating Status" in page  # header: course left, module right


def test_lessons_have_activities_with_ruled_lines_and_no_facilitator_notes(
    rm_pdfs: RenderedOnce, rm_facts: SessionFacts
) -> None:
    text = "\n".join(pages_text(rm_pdfs.workbook))
    assert "Activity" in text and "The complaint you defended." in text
    assert "Facilitator notes" not in text and "Running order" not in text
    html = body_html(rm_facts)
    first = module_views(rm_facts)[0].html
    assert '<div class="writing-lines" data-lines="8"' in first
    assert first.count('<div class="line"></div>') == 8 + 10  # the module's two exercises
    assert 'id="notes"' in html


def test_the_batch_path_gives_each_participant_the_same_workbook_as_alone(
    rm_pdfs: RenderedOnce,
) -> None:
    alone = pages_text(rm_pdfs.workbook)
    batch = pages_text(rm_pdfs.workbooks)
    size = len(alone)
    assert page_count(rm_pdfs.workbooks) == 3 * size
    for index, name in enumerate(SIX_NAMES[:3]):
        part = batch[index * size : (index + 1) * size]
        assert name in part[0]
        assert part[1:] == alone[1:]  # the shared body: identical text, page numbers included
    assert batch[:size] == alone  # Zoë's whole workbook, cover included


def test_long_names_fall_back_to_one_cover_render_each(rm_facts: SessionFacts) -> None:
    names = ["Short Name", "A " + "very " * 200 + "long name", "Another Person"]
    covers = cover_documents(rm_facts, names)
    assert len(covers) == 3
    assert [len(c.pages) >= 1 for c in covers] == [True, True, True]
