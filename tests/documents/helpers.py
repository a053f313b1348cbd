"""Test data for documents: sessions with confirmed participants, PDF reading helpers."""

from __future__ import annotations

import base64
import io
import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import date, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.content.models import Course, CourseVersion
from app.content.sync import sync_folder
from app.db import utcnow
from app.enrollment.models import Enrollment
from app.scheduling.models import CourseSession, SessionDay, SessionFacilitator, Venue
from tests.content.packbuilder import PackBuilder, minimal_pack
from tests.factories import make_user
from tests.scheduling.factories import business_days_from, ensure_courses

SIX_NAMES = ("Zoë Ødegård", "Łukasz Żółć", "Σωκράτης", "Дмитрий", "محمد", "李小龍")
RM = "relationship-management"
FIRST_DAY = date(2026, 12, 4)  # a Friday
_numbers = itertools.count(1)


def sync_demo_pack(db: Session, parent: Path, pack: PackBuilder | None = None) -> Course:
    """The small demo pack of the content tests (or a changed copy), synced."""
    root = parent / f"packs-{next(_numbers)}"
    (pack or minimal_pack()).write(root)
    result = sync_folder(db, root)
    assert result.ok, result.failed
    return db.scalars(select(Course).where(Course.slug == "demo-course")).one()


def real_course(db: Session, slug: str = RM) -> Course:
    """One of the four real courses, synced from courses/ if needed."""
    return ensure_courses(db)[slug]


def make_documents_session(
    db: Session,
    course: Course,
    *,
    names: Sequence[str] = SIX_NAMES,
    format_id: str = "one-day",
    days: int = 1,
    starts_on: date = FIRST_DAY,
    start_time: time = time(9, 0),
    end_time: time = time(17, 0),
    facilitators: Sequence[User] = (),
    venue: Venue | None = None,
) -> CourseSession:
    """A session with a venue and confirmed participants (rows inserted directly)."""
    number = next(_numbers)
    if venue is None:
        venue = Venue(name="Harbour Room", address="12 Quay Street\nSpringfield")
        db.add(venue)
        db.flush()
    day_dates = business_days_from(starts_on, days)
    session = CourseSession(
        uid=f"documents-test-{number}@apex",
        course_id=course.id,
        course_version_id=db.scalars(
            select(CourseVersion.id).where(
                CourseVersion.course_id == course.id, CourseVersion.is_current.is_(True)
            )
        ).first(),
        format_id=format_id,
        starts_on=day_dates[0],
        ends_on=day_dates[-1],
        start_time=start_time,
        end_time=end_time,
        timezone="America/New_York",
        capacity=40,
        venue_id=venue.id,
    )
    db.add(session)
    db.flush()
    for index, day in enumerate(day_dates, start=1):
        db.add(SessionDay(session_id=session.id, day_index=index, date=day))
    for person in facilitators:
        db.add(SessionFacilitator(session_id=session.id, user_id=person.id))
    for name in names:
        add_participant(db, session, name)
    db.flush()
    return session


def add_participant(
    db: Session, session: CourseSession, name: str, status: str = "confirmed"
) -> User:
    """A learner with a confirmed (or other) enrolment on the session."""
    learner = make_user(db, name=name)
    db.add(
        Enrollment(
            session_id=session.id,
            user_id=learner.id,
            status=status,
            source="coordinator",
            confirmed_at=utcnow() if status == "confirmed" else None,
        )
    )
    db.flush()
    return learner


def make_facilitator(db: Session) -> User:
    """A person with the facilitator role."""
    return make_user(db, roles={Role.FACILITATOR})


def job_scope(db: Session) -> Callable[[], AbstractContextManager[Session]]:
    """A job scope on the test's session: commit only releases a savepoint."""

    @contextmanager
    def scope() -> Iterator[Session]:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise

    return scope


def pages_text(pdf: bytes) -> list[str]:
    """The text of every page of a PDF."""
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def page_count(pdf: bytes) -> int:
    """How many pages a PDF has."""
    return len(PdfReader(io.BytesIO(pdf)).pages)


PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYPj/HwADAgH/gs9wXQAAAABJRU5ErkJggg=="
)


class Canary:
    """A loopback HTTP server that counts every request it receives."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                canary.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(PNG_1PX)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"
