"""The guide's agenda in the session's real hours; a session too short is said before printing."""

from __future__ import annotations

from datetime import time

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.content.models import CourseVersion
from app.documents.session_docs.facts import load_session_facts
from app.documents.session_docs.guide import agenda_days, guide_modules, guide_pdf
from app.documents.session_docs.workbook import module_views
from tests.documents.helpers import (
    make_documents_session,
    make_facilitator,
    pages_text,
    real_course,
)
from tests.factories import log_in
from tests.scheduling.factories import ensure_courses

OPEN_TIME = "Open time: questions, practice and catch-up"


def test_an_8_to_4_session_has_lunch_near_midday_and_ends_at_four(db: Session) -> None:
    session = make_documents_session(
        db, real_course(db), start_time=time(8, 0), end_time=time(16, 0)
    )
    [day] = agenda_days(load_session_facts(db, session.id))
    assert day.problems == ()
    lunch = next(slot for slot in day.slots if slot.title == "Lunch")
    assert time(11, 30) <= lunch.start and lunch.end <= time(13, 30)
    assert day.slots[0].start == time(8, 0) and day.slots[-1].end == time(16, 0)
    rows = [(slot.label, slot.title) for slot in day.slots]
    assert rows[-3:] == [
        ("14:40–15:30", "Your Relationship Plan"),
        ("15:30–15:45", OPEN_TIME),
        ("15:45–16:00", "Wrap-up and personal commitments"),
    ]


def test_the_8_to_4_guide_pdf_prints_that_day(db: Session) -> None:
    session = make_documents_session(
        db, real_course(db), start_time=time(8, 0), end_time=time(16, 0)
    )
    pages = pages_text(guide_pdf(load_session_facts(db, session.id)))
    agenda = next(page for page in pages if "Agenda" in page).replace("\n", " ")
    assert "Day 1 · Friday 4 December 2026 08:00–16:00" in agenda
    assert "08:00–08:15 15 Welcome, goals and the two-jobs poll" in agenda
    assert "11:30–12:30 60 Lunch" in agenda
    assert "15:45–16:00 15 Wrap-up and personal commitments" in agenda
    assert "16:30" not in agenda and "does not fit" not in agenda


def test_a_session_too_short_for_its_agenda_is_warned_on_the_documents_page(
    client: TestClient, db: Session
) -> None:
    facilitator = make_facilitator(db)
    short = make_documents_session(
        db, real_course(db), facilitators=[facilitator], end_time=time(15, 0)
    )
    fits = make_documents_session(
        db, real_course(db), facilitators=[facilitator], end_time=time(16, 30)
    )
    db.commit()
    log_in(client, facilitator.email)
    page = client.get(f"/sessions/{short.id}/documents")
    assert page.status_code == 200
    assert "The course's agenda does not fit this session's hours." in page.text
    assert (
        "Day 1 needs 450 minutes (teaching and breaks) but runs 09:00–15:00, 360 minutes: "
        "it would end at 16:30."
    ) in page.text
    assert "does not fit" not in client.get(f"/sessions/{fits.id}/documents").text

    # The guide still prints, with the problem stated and the day's real end.
    text = " ".join(pages_text(guide_pdf(load_session_facts(db, short.id)))).replace("\n", " ")
    assert "This agenda does not fit the session's hours" in text
    assert "it would end at 16:30" in text and "16:15–16:30 15 Wrap-up" in text


def test_a_session_whose_format_the_course_lacks_is_warned_too(
    client: TestClient, db: Session
) -> None:
    facilitator = make_facilitator(db)
    session = make_documents_session(
        db, real_course(db, "client-expectations"), facilitators=[facilitator],
        format_id="three-day", days=3,
    )  # fmt: skip
    db.commit()
    log_in(client, facilitator.email)
    page = client.get(f"/sessions/{session.id}/documents")
    assert page.status_code == 200
    assert "has no &#39;three-day&#39; format" in page.text


def test_every_shipped_module_shows_the_same_minutes_everywhere(
    client: TestClient, db: Session
) -> None:
    """Course page, workbook header, guide header and agenda rows: one number per module."""
    courses = ensure_courses(db)
    checked = 0
    for slug, course in sorted(courses.items()):
        version = db.scalars(
            select(CourseVersion).where(
                CourseVersion.course_id == course.id, CourseVersion.is_current.is_(True)
            )
        ).one()
        page = client.get(f"/api/v1/courses/{slug}").json()
        on_page = {module["id"]: module["minutes"] for module in page["modules"]}
        for format_id, spec in version.spec["formats"].items():
            session = make_documents_session(
                db, course, format_id=format_id, days=spec["days"], end_time=time(16, 30)
            )
            facts = load_session_facts(db, session.id)
            days = agenda_days(facts)
            assert all(day.problems == () for day in days), (slug, format_id)
            workbook = {view.slug: view.minutes for view in module_views(facts)}
            for module in guide_modules(facts, days):
                in_agenda = sum(slot.minutes for slot in module.slots)
                assert (
                    on_page[module.slug] == workbook[module.slug] == module.minutes == in_agenda
                ), (slug, format_id, module.slug)
                checked += 1
    assert checked == 5 * 3 + 6 * 2


def test_the_player_shows_the_module_minutes_of_the_course_page(
    client: TestClient, db: Session
) -> None:
    ensure_courses(db)  # status-communication is free online: anyone signed in studies it
    db.commit()
    log_in(client, make_facilitator(db).email)
    first = client.get("/api/v1/courses/status-communication").json()["modules"][0]
    lesson = client.get("/learn/status-communication/1")
    assert lesson.status_code == 200
    assert f"Module 1 of 5 · {first['minutes']} minutes" in lesson.text
