"""A facilitator's day in a browser, as a person walks it on the real server.

Sign in → My sessions → today's session → attendance (an empty form and a mark smuggled in
for another session's participant first, both refused with a message) → marks saved →
the session's documents → the print pack, made in the background, downloaded and read →
another facilitator's session by URL, refused with a styled page.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.db import utcnow
from app.enrollment.models import Attendance, Enrollment
from app.scheduling.models import CourseSession, SessionDay, SessionFacilitator
from tests.documents.cert_helpers import one_line
from tests.e2e.journey_fixtures import (
    Journey,
    contexts,  # noqa: F401  (fixture used by name)
    expect_refusal,
    flash,
    follow_nav,
    make_person,
    new_tag,
    sign_in,
)
from tests.e2e.learning_fixtures import learning_db  # noqa: F401  (fixture used by name)
from tests.scheduling.factories import course_id, current_version_id, make_session, make_venue

pytestmark = [pytest.mark.e2e]

# Not one of the series courses, at a capacity other than 20: the coordinator calendar
# test (test_series_flow) counts those in the months ahead on the same live database.
COURSE = "relationship-management"
TITLE = "Relationship Management for Technical Professionals"
CAPACITY = 12
ZONE = "America/New_York"
PRESENT = ("Zoë Ødegård", "李小龍")
ABSENT = "Дмитрий Иванов"
PACK_DEADLINE_S = 180


@dataclass(frozen=True)
class Seeded:
    """What the facilitator journey starts from."""

    email: str
    today: str  # ISO date of today's session, as My sessions shows it
    session_id: int
    enrollment_ids: list[int]
    other_session_id: int
    other_enrollment_id: int


def _confirm(db: Session, session_id: int, user_id: int) -> Enrollment:
    enrollment = Enrollment(
        session_id=session_id, user_id=user_id, status="confirmed",
        source="coordinator", confirmed_at=utcnow(),
    )  # fmt: skip
    db.add(enrollment)
    db.flush()
    return enrollment


def _seed(db: Session, tag: str) -> Seeded:
    """Today's session with three participants, a later one, and another facilitator's."""
    # "Today" where the session is: attendance opens when the day has begun there.
    today = datetime.now(ZoneInfo(ZONE)).date()
    facilitator = make_person(db, name="Femi Adébáyọ̀", role=Role.FACILITATOR, tag=tag)
    venue = make_venue(db, name=f"Journey Hall {tag}", address="9 Quay Street, Springfield")
    # Built by hand: the factory moves a weekend date to Monday, and today may be Sunday.
    # All day, so the session has begun (attendance opens) and is not over (no certificate
    # is due yet) whenever the suite runs.
    session = CourseSession(
        uid=f"journey-facilitator-{tag}@apex", course_id=course_id(db, COURSE),
        course_version_id=current_version_id(db, COURSE), format_id="one-day",
        starts_on=today, ends_on=today, start_time=clock(0, 0), end_time=clock(23, 59),
        timezone=ZONE, capacity=CAPACITY, venue_id=venue.id,
    )  # fmt: skip
    db.add(session)
    db.flush()
    db.add(SessionDay(session_id=session.id, day_index=1, date=today))
    db.add(SessionFacilitator(session_id=session.id, user_id=facilitator.id))
    enrollments = [
        _confirm(db, session.id, make_person(db, name=name, role=Role.LEARNER, tag=tag).id)
        for name in (*PRESENT, ABSENT)
    ]
    # A later session of the same facilitator, so "today's" has to be picked from a list.
    later = make_session(
        db, course_slug=COURSE, starts_on=today + timedelta(days=40), capacity=CAPACITY
    )
    db.add(SessionFacilitator(session_id=later.id, user_id=facilitator.id))
    # Another facilitator's session, with a participant of its own.
    other = make_person(db, name="Greta Andersson", role=Role.FACILITATOR, tag=tag)
    foreign = make_session(
        db, course_slug=COURSE, starts_on=today - timedelta(days=1), capacity=CAPACITY
    )
    db.add(SessionFacilitator(session_id=foreign.id, user_id=other.id))
    stranger = make_person(db, name="Olu Stranger", role=Role.LEARNER, tag=tag)
    foreign_enrollment = _confirm(db, foreign.id, stranger.id)
    db.commit()
    return Seeded(
        facilitator.email, today.isoformat(), session.id, [e.id for e in enrollments],
        foreign.id, foreign_enrollment.id,
    )  # fmt: skip


def _marks(db: Session, enrollment_ids: list[int]) -> dict[int, bool]:
    rows = db.scalars(select(Attendance).where(Attendance.enrollment_id.in_(enrollment_ids)))
    return {row.enrollment_id: row.present for row in rows}


def _wait_for_the_pack(page: Page) -> None:
    """The page follows the job and reloads itself when it ends; wait for the link."""
    download = page.get_by_role("link", name=re.compile("^Download the PDF"))
    deadline = time.monotonic() + PACK_DEADLINE_S
    while not download.count():
        assert time.monotonic() < deadline, "the print pack was not ready in time"
        failed = page.get_by_role("button", name=re.compile("^Retry"))
        assert not failed.count(), page.locator(".form-error").all_inner_texts()
        page.wait_for_timeout(500)


def test_facilitator_marks_attendance_and_prints_the_pack(
    contexts: Callable[[], BrowserContext],  # noqa: F811
    learning_db: Callable[[], Session],  # noqa: F811
) -> None:
    tag = new_tag()
    with learning_db() as db:
        seeded = _seed(db, tag)
    page = contexts().new_page()
    journey = Journey(page, "facilitator")

    sign_in(page, seeded.email, journey)
    journey.step("home")

    # My sessions: today's is one row among others.
    follow_nav(page, "My sessions")
    expect(page.get_by_role("heading", level=1)).to_have_text("My sessions")
    journey.step("my-sessions")
    page.get_by_role("link", name=seeded.today, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Attendance: {TITLE}")
    journey.step("attendance")

    # An empty sheet sent as it is: nothing is recorded, and the page says what to do.
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Attendance: {TITLE}")
    expect(flash(page)).to_contain_text("Nothing was marked: choose Present or Absent")
    journey.step("attendance-empty")
    with learning_db() as db:
        assert _marks(db, seeded.enrollment_ids) == {}

    # A mark for someone of another session, smuggled into the form (as a stale or
    # edited page would send it): refused whole, with a message, nothing written.
    smuggled = page.get_by_role("group", name=f"{PRESENT[0]}, day 1").get_by_label("Present")
    smuggled.evaluate(
        "(radio, name) => { radio.name = name }", f"mark-{seeded.other_enrollment_id}-1"
    )
    smuggled.check()
    page.get_by_role("group", name=f"{PRESENT[1]}, day 1").get_by_label("Present").check()
    page.get_by_role("button", name="Save attendance").click()
    expect(flash(page)).to_contain_text(
        "Attendance is marked only for confirmed participants of this session."
    )
    journey.step("attendance-refused")
    with learning_db() as db:
        assert _marks(db, [*seeded.enrollment_ids, seeded.other_enrollment_id]) == {}

    # The real marks: two present, one absent.
    for name in PRESENT:
        page.get_by_role("group", name=f"{name}, day 1").get_by_label("Present").check()
    page.get_by_role("group", name=f"{ABSENT}, day 1").get_by_label("Absent").check()
    page.get_by_role("button", name="Save attendance").click()
    expect(flash(page)).to_contain_text("Attendance saved (3 marks).")
    for name in PRESENT:
        group = page.get_by_role("group", name=f"{name}, day 1")
        expect(group.get_by_label("Present")).to_be_checked()
    expect(
        page.get_by_role("group", name=f"{ABSENT}, day 1").get_by_label("Absent")
    ).to_be_checked()
    journey.step("attendance-saved")
    with learning_db() as db:
        assert sorted(_marks(db, seeded.enrollment_ids).values()) == [False, True, True]

    # The print pack, from the attendance page's link to the session's documents.
    page.get_by_role("link", name="Print documents for this session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Documents for this session")
    expect(page.get_by_text("3 confirmed participants")).to_be_visible()
    journey.step("documents")
    page.get_by_role("button", name="Print pack").click()
    expect(page).to_have_url(re.compile(rf"/sessions/{seeded.session_id}/documents#job-\d+$"))
    expect(page.get_by_label(re.compile("^Progress")).first).to_be_visible()
    journey.step("pack-started")
    _wait_for_the_pack(page)
    expect(page.get_by_text("Ready").first).to_be_visible()
    # Attendance alone certifies nobody: certificates wait for the session's end.
    expect(page.get_by_text("0 certificates issued")).to_be_visible()
    journey.step("pack-ready")
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("^Download the PDF")).first.click()
    download = info.value
    assert download.suggested_filename == f"{COURSE}-{seeded.today}-print-pack.pdf"
    pdf = PdfReader(io.BytesIO(download.path().read_bytes()))
    pages = [p.extract_text() or "" for p in pdf.pages]
    assert len(pages) > 3
    text = "\n".join(pages)
    assert TITLE.split()[0] in pages[0]
    (sign_in_sheet,) = [p for p in pages if "Sign-in sheet · Day 1 of 1" in p]
    assert all(name in sign_in_sheet for name in (*PRESENT, ABSENT)), sign_in_sheet
    for name in (*PRESENT, ABSENT):
        assert sum(name in p for p in pages if "This workbook belongs to" in p) == 1, name
    assert "Olu Stranger" not in text
    # The session is not over, so the pack carries no certificate yet.
    assert not [p for p in pages if re.search(r"Serial APEX-\d{4}-\d+", one_line(p))]

    # Another facilitator's session, by URL: refused, with the facilitator's navigation.
    response = page.goto(f"/facilitator/sessions/{seeded.other_session_id}")
    expect_refusal(page, response, nav_link="My sessions", next_link="Back to your sessions")
    journey.step("foreign-session")
    response = page.goto(f"/sessions/{seeded.other_session_id}/documents")
    expect_refusal(page, response, nav_link="My sessions", next_link="See the schedule")
    journey.step("foreign-documents")
