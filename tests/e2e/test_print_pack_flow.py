"""In a real browser: a facilitator prints a session's pack and watches it being made.

The server (``apex serve``) runs on its own scratch database, like ``live_server``; the
pack is made by its in-process worker threads, exactly as in production without Redis.
"""

from __future__ import annotations

import io
import re
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from datetime import time as clock

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.accounts.models import Role
from app.accounts.service import create_user
from app.config import get_settings
from app.content.models import Course, CourseVersion
from app.content.sync import sync_folder
from app.db import make_engine, utcnow
from app.enrollment.models import Enrollment
from app.scheduling.models import CourseSession, SessionDay, SessionFacilitator, Venue
from tests.e2e.conftest import serving
from tests.e2e.learning_fixtures import PASSWORD, log_in

pytestmark = pytest.mark.e2e

NAMES = ("Zoë Ødegård", "Łukasz Żółć", "Σωκράτης", "Дмитрий", "محمد", "李小龍")
TITLE = "Relationship Management for Technical Professionals"


@pytest.fixture(scope="module")
def pack_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, sessionmaker[Session]]]:
    """Base URL of a live server on a scratch database, and sessions on that database."""
    url = f"sqlite:///{tmp_path_factory.mktemp('print-pack') / 'e2e.db'}"
    migrate.upgrade(url=url)
    engine = make_engine(url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with serving(url, tmp_path_factory.mktemp("print-pack-logs")) as base_url:
        yield base_url, factory
    engine.dispose()


SESSION_DAY = date.today() + timedelta(days=14)  # a session still ahead, whenever this runs


def _seed(factory: sessionmaker[Session]) -> tuple[str, int]:
    """A one-day Relationship Management session with six confirmed participants."""
    tag = uuid.uuid4().hex[:8]
    with factory() as db:
        assert sync_folder(db, get_settings().courses_dir).ok
        course = db.scalars(select(Course).where(Course.slug == "relationship-management")).one()
        email = f"e2e-facilitator-{tag}@example.com"
        facilitator = create_user(
            db, email=email, display_name="Fran Facilitator", password=PASSWORD,
            roles={Role.FACILITATOR},
        )  # fmt: skip
        venue = Venue(name="Harbour Room", address="12 Quay Street, Springfield")
        db.add(venue)
        db.flush()
        session = CourseSession(
            uid=f"e2e-print-pack-{tag}@apex", course_id=course.id, format_id="one-day",
            course_version_id=_current_version_id(db, course.id),
            starts_on=SESSION_DAY, ends_on=SESSION_DAY, start_time=clock(9, 0),
            end_time=clock(17, 0), timezone="America/New_York", capacity=20, venue_id=venue.id,
        )  # fmt: skip
        db.add(session)
        db.flush()
        db.add(SessionDay(session_id=session.id, day_index=1, date=SESSION_DAY))
        db.add(SessionFacilitator(session_id=session.id, user_id=facilitator.id))
        for number, name in enumerate(NAMES):
            learner = create_user(
                db, email=f"e2e-learner-{tag}-{number}@example.com", display_name=name,
                password=PASSWORD, roles={Role.LEARNER},
            )  # fmt: skip
            db.add(
                Enrollment(
                    session_id=session.id, user_id=learner.id, status="confirmed",
                    source="coordinator", confirmed_at=utcnow(),
                )
            )  # fmt: skip
        db.commit()
        return email, session.id


def test_facilitator_prints_the_session_pack(
    browser: Browser, pack_server: tuple[str, sessionmaker[Session]]
) -> None:
    base_url, factory = pack_server
    email, session_id = _seed(factory)
    context = browser.new_context(base_url=base_url, accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in(page, email)
        page.goto(f"/sessions/{session_id}/documents")
        expect(page.get_by_role("heading", level=1)).to_have_text("Documents for this session")
        expect(page.get_by_text("6 confirmed participants")).to_be_visible()
        violations = Axe().run(page).response["violations"]
        assert [v["id"] for v in violations if v.get("impact") in {"serious", "critical"}] == []

        page.get_by_role("button", name="Print pack").click()
        expect(page).to_have_url(re.compile(rf"/sessions/{session_id}/documents#job-\d+$"))
        item = page.locator("[data-job-url]").first
        bar = item.get_by_label("Progress")
        expect(bar).to_be_visible()

        # Watch the bar: the script moves it as steps finish, then the page reloads
        # with the download link.
        seen: set[str] = set()
        deadline = time.monotonic() + 180
        download_link = page.get_by_role("link", name=re.compile("^Download the PDF"))
        while not download_link.count():
            assert time.monotonic() < deadline, f"the pack was not ready in time; saw {seen}"
            # The page reloads itself when the job ends, so the bar may vanish between
            # looking and reading: read with a short timeout and look again.
            try:
                if bar.count():
                    value = bar.get_attribute("value", timeout=1000)
                    seen.add(f"{value}/{bar.get_attribute('max', timeout=1000)}")
            except PlaywrightTimeoutError:
                pass
            page.wait_for_timeout(250)
        done_bar = page.get_by_label("Progress").first
        assert done_bar.get_attribute("value") == done_bar.get_attribute("max") == "6"
        assert len(seen) >= 2, seen  # it moved while we watched
        expect(page.get_by_text("Ready")).to_be_visible()

        with page.expect_download() as info:
            download_link.first.click()
        download = info.value
        name = f"relationship-management-{SESSION_DAY.isoformat()}-print-pack.pdf"
        assert download.suggested_filename == name
        pdf = PdfReader(io.BytesIO(download.path().read_bytes()))
        pages = [p.extract_text() or "" for p in pdf.pages]
    finally:
        context.close()

    text = "\n".join(pages)
    assert pages[0].count("Facilitator guide") >= 1 and TITLE.split()[0] in pages[0]
    assert "Materials checklist" in text
    sign_in = [p for p in pages if "Sign-in sheet · Day 1 of 1" in p]
    assert len(sign_in) == 1 and all(name in sign_in[0] for name in NAMES)
    covers = [p for p in pages if "This workbook belongs to" in p]
    for name in NAMES:
        # A name tent shows the name twice (one half upside down); nothing else does.
        assert sum(p.count(name) == 2 for p in pages) == 1, name
        assert sum(name in cover for cover in covers) == 1, name
    assert len(covers) == len(NAMES)
    # Every workbook is complete: the contents and the notes page follow each cover.
    assert sum("Contents" in p for p in pages) == len(NAMES)


def _current_version_id(db: Session, course_id: int) -> int:
    """The course's current version, which a session scheduled now is pinned to."""
    query = select(CourseVersion.id).where(
        CourseVersion.course_id == course_id, CourseVersion.is_current.is_(True)
    )
    return db.scalars(query).one()
