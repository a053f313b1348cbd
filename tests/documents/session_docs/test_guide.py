"""The facilitator guide: clock times from the session's start, module notes, materials."""

from __future__ import annotations

from datetime import date, time

from app.documents.session_docs.facts import SessionFacts
from app.documents.session_docs.guide import agenda_days, guide_pdf, materials
from tests.documents.conftest import RenderedOnce
from tests.documents.helpers import pages_text


def test_one_day_agenda_fills_the_session_hours_with_breaks(rm_facts: SessionFacts) -> None:
    [day] = agenda_days(rm_facts)
    assert day.date == date(2026, 12, 4)
    assert (day.start, day.end, day.problems) == (time(9, 0), time(17, 0), ())
    rows = [(s.label, s.minutes, s.title, s.kind) for s in day.slots]
    assert rows[:4] == [
        ("09:00–09:15", 15, "Welcome, goals and the two-jobs poll", "activity"),
        ("09:15–10:15", 60, "Two Jobs on Every Project", "module"),
        ("10:15–10:30", 15, "Morning break", "break"),
        (
            "10:30–11:30",
            60,
            "Project Management and Relationship Management: Four Dimensions",
            "module",
        ),
    ]
    # The session runs 480 minutes for 450 of agenda: lunch grows to an hour, and the
    # last quarter of an hour is open time before the wrap-up, which ends at 17:00.
    assert rows[5] == ("12:30–13:30", 60, "Lunch", "break")
    assert rows[-2:] == [
        ("16:30–16:45", 15, "Open time: questions, practice and catch-up", "open"),
        ("16:45–17:00", 15, "Wrap-up and personal commitments", "activity"),
    ]
    assert day.minutes == 480
    # Each slot starts when the previous one ends.
    assert all(a.end == b.start for a, b in zip(day.slots, day.slots[1:], strict=False))


def test_three_day_agenda_restarts_each_day_on_its_date(rm_three_day_facts: SessionFacts) -> None:
    days = agenda_days(rm_three_day_facts)
    assert [d.date for d in days] == [date(2026, 12, 4), date(2026, 12, 7), date(2026, 12, 8)]
    assert [d.slots[0].start for d in days] == [time(8, 30)] * 3
    assert [d.slots[-1].end for d in days] == [time(17, 0)] * 3
    assert days[0].slots[1].label == "09:00–10:00"
    assert days[1].slots[0].title == "Day 1 recap"
    expectations = [s for d in days for s in d.slots if s.module_slug == "expectations"]
    assert [(s.day, s.label) for s in expectations] == [(1, "14:15–14:45"), (2, "08:50–09:20")]


def test_materials_are_counted_from_the_roster(rm_three_day_facts: SessionFacts) -> None:
    counts = {m.item: m.count for m in materials(rm_three_day_facts)}
    assert counts["Participant workbooks (personalised)"] == "6"
    assert counts["Name tents"] == "6"
    assert counts["Sign-in sheets"] == "3"
    assert counts["Facilitator guide"] == "1"
    assert "Flipchart markers" in counts


def test_the_one_day_guide_pdf(rm_pdfs: RenderedOnce) -> None:
    text = "\n".join(pages_text(rm_pdfs.guide))
    flat = text.replace("\n", " ")
    assert "Facilitator guide" in text
    assert "Day 1 · Friday 4 December 2026 09:00–17:00" in flat
    assert "09:15–10:15 60 Module: Two Jobs on Every Project" in flat
    assert "10:15–10:30 15 Morning break" in flat
    assert "Materials checklist" in text
    assert "When: Day 1, 09:15–10:15 (60 min)" in flat
    assert "Facilitator notes" in text and "Debrief" in text
    assert "Objectives" in text and "Activity" in text
    assert "6 credit hours (One-day APEX module)" in flat
    assert "does not fit" not in flat


def test_the_three_day_guide_pdf_times_modules_day_by_day(rm_three_day_facts: SessionFacts) -> None:
    flat = " ".join(pages_text(guide_pdf(rm_three_day_facts))).replace("\n", " ")
    assert "Day 2 · Monday 7 December 2026" in flat
    assert "Day 3 · Tuesday 8 December 2026" in flat
    assert "When: Day 1, 14:15–14:45 (30 min); Day 2, 08:50–09:20 (30 min)" in flat
    assert "MODULE 3 · 60 MINUTES" in flat
    assert "Participant workbooks (personalised) 6" in flat
    # The workshop's own hours, not the one-day course's.
    assert "18.5 credit hours (Three-day APEX workshop)" in flat
