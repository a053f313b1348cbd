"""Who may make and download a session's documents: its facilitators, coordinators, admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.content.models import Course, CourseVersion
from app.documents.models import DocumentJob
from app.errors import NotFound
from app.scheduling.models import CourseSession, SessionFacilitator, SessionStatus


@dataclass(frozen=True)
class SessionSummary:
    """What the documents page says about a session."""

    id: int
    course_slug: str
    course_title: str
    format_id: str
    starts_on: date
    ends_on: date
    status: SessionStatus


def may_make_documents(db: Session, user: User, session_id: int) -> bool:
    """Coordinators and admins for every session; facilitators for their own."""
    if user.has_role(Role.COORDINATOR):
        return True
    booked = db.scalar(
        select(SessionFacilitator.user_id).where(
            SessionFacilitator.session_id == session_id, SessionFacilitator.user_id == user.id
        )
    )
    return booked is not None


def documents_session(db: Session, user: User, session_id: int) -> SessionSummary:
    """The session if this person may make its documents; otherwise ``NotFound``."""
    session = db.get(CourseSession, session_id)
    if session is None or not may_make_documents(db, user, session_id):
        raise NotFound("There is no such session.")
    course = db.get(Course, session.course_id)
    assert course is not None  # a foreign key
    title = db.scalar(
        select(CourseVersion.title)
        .where(CourseVersion.course_id == course.id)
        .order_by(CourseVersion.is_current.desc(), CourseVersion.id.desc())
        .limit(1)
    )
    return SessionSummary(
        id=session.id,
        course_slug=course.slug,
        course_title=title or course.slug,
        format_id=session.format_id,
        starts_on=session.starts_on,
        ends_on=session.ends_on,
        status=session.status,
    )


def job_for(db: Session, user: User, job_id: int) -> tuple[DocumentJob, SessionSummary]:
    """A document job and its session, if this person may see them; otherwise ``NotFound``."""
    job = db.get(DocumentJob, job_id)
    if job is None or job.session_id is None:
        raise NotFound("There is no such document job.")
    try:
        summary = documents_session(db, user, job.session_id)
    except NotFound:
        raise NotFound("There is no such document job.") from None
    return job, summary
