"""Certificate test data: completions, attended sessions, and an app with the certificate routes."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from fastapi import FastAPI
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.content.models import CourseVersion
from app.documents.certificates import routes as certificate_routes
from app.enrollment.models import Attendance, Enrollment, EnrollmentStatus
from app.learning.models import Completion
from app.scheduling.models import CourseSession, SessionFacilitator
from tests.factories import make_user
from tests.scheduling.factories import course_id, ensure_courses, make_session

# A Monday two to three weeks ago: sessions are over (attendance can be complete) and
# recent enough for automatic issuing.
PAST_MONDAY = date.today() - timedelta(days=14 + date.today().weekday())


def include_certificate_routes(app: FastAPI) -> FastAPI:
    """Add the certificate routers unless app/main.py already includes them."""
    if not any(getattr(route, "path", "") == "/verify/{token}" for route in app.routes):
        app.include_router(certificate_routes.router)
        app.include_router(certificate_routes.api)
    return app


def current_version(db: Session, slug: str = "relationship-management") -> CourseVersion:
    """The current version of one of the real courses (synced on first use)."""
    ensure_courses(db)
    return db.scalars(
        select(CourseVersion).where(
            CourseVersion.course_id == course_id(db, slug), CourseVersion.is_current.is_(True)
        )
    ).one()


def make_completion(
    db: Session,
    user: User,
    *,
    slug: str = "relationship-management",
    completed_at: datetime | None = None,
) -> Completion:
    """A recorded online completion of a course's current version."""
    version = current_version(db, slug)
    completion = Completion(
        user_id=user.id,
        course_id=version.course_id,
        course_version_id=version.id,
        completed_at=completed_at or datetime(2026, 3, 14, 15, 30, tzinfo=UTC),
    )
    db.add(completion)
    db.flush()
    return completion


def enrol(
    db: Session,
    session: CourseSession,
    user: User,
    *,
    status: str = EnrollmentStatus.CONFIRMED.value,
) -> Enrollment:
    """A confirmed (or other status) enrolment row, inserted directly."""
    enrollment = Enrollment(session_id=session.id, user_id=user.id, status=status)
    db.add(enrollment)
    db.flush()
    return enrollment


def mark(db: Session, enrollment: Enrollment, days: Iterable[int], *, present: bool = True) -> None:
    """Attendance marks for some day indexes of an enrolment."""
    for day in days:
        db.add(Attendance(enrollment_id=enrollment.id, day_index=day, present=present))
    db.flush()


def make_attended_session(
    db: Session,
    *,
    days: int = 3,
    participants: Sequence[User] = (),
    attended_days: dict[int, Sequence[int]] | None = None,
    facilitators: Sequence[User] = (),
    starts_on: date = PAST_MONDAY,
) -> tuple[CourseSession, list[Enrollment]]:
    """A past session with confirmed participants; by default everyone attended every day.

    ``attended_days`` maps a participant's position to the day indexes they attended.
    """
    session = make_session(db, days=days, starts_on=starts_on)
    for facilitator in facilitators:
        db.add(SessionFacilitator(session_id=session.id, user_id=facilitator.id))
    enrollments = []
    for position, person in enumerate(participants):
        enrollment = enrol(db, session, person)
        chosen = (attended_days or {}).get(position, range(1, days + 1))
        mark(db, enrollment, chosen)
        enrollments.append(enrollment)
    db.flush()
    return session, enrollments


def make_coordinator(db: Session) -> User:
    """A staff coordinator."""
    return make_user(db, roles={Role.COORDINATOR})


def pdf_text(pdf: bytes) -> list[str]:
    """The text of each page of a PDF (pypdf)."""
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def one_line(text: str) -> str:
    """Whitespace collapsed, so wrapped lines compare as one string."""
    return re.sub(r"\s+", " ", text).strip()
