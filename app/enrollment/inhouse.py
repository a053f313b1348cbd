"""In-house delivery requests: a client asks for a private session; coordinators answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from app.accounts import organisations
from app.accounts.models import Organisation, User
from app.content.models import Course, CourseVersion
from app.enrollment.models import InHouseRequest, InHouseRequestStatus
from app.errors import Forbidden, Invalid, NotFound
from app.scheduling import visibility

MAX_PARTICIPANTS = 500


@dataclass(frozen=True)
class CourseChoice:
    """A course and its formats, for the request form."""

    slug: str
    title: str
    formats: list[tuple[str, str]]  # (format id, title)


def course_choices(db: Session) -> list[CourseChoice]:
    """Courses with their delivery formats, by title."""
    query = (
        select(Course.slug, CourseVersion)
        .join(CourseVersion, CourseVersion.course_id == Course.id)
        .where(CourseVersion.is_current.is_(True))
        .order_by(CourseVersion.title)
    )
    return [
        CourseChoice(
            slug,
            version.title,
            [
                (fid, spec.get("title", fid))
                for fid, spec in version.spec.get("formats", {}).items()
            ],
        )
        for slug, version in db.execute(query)
    ]


def create_request(
    db: Session,
    requester: User,
    *,
    course_slug: str,
    format_id: str,
    participants: int,
    preferred_dates: str = "",
    message: str = "",
    organisation_id: int | None = None,
) -> InHouseRequest:
    """Record a request for a private session; it lands in the coordinators' inbox."""
    course = next((c for c in course_choices(db) if c.slug == course_slug), None)
    if course is None:
        raise Invalid("Choose one of the courses.")
    if format_id not in dict(course.formats):
        offered = ", ".join(title for _, title in course.formats)
        raise Invalid(f"“{course.title}” is offered as: {offered}.")
    if not 1 <= participants <= MAX_PARTICIPANTS:
        raise Invalid(f"Enter the number of participants (1 to {MAX_PARTICIPANTS}).")
    if len(preferred_dates) > 500:
        raise Invalid("Keep the preferred dates under 500 characters.")
    if len(message) > 5000:
        raise Invalid("Keep the message under 5,000 characters.")
    if organisation_id is not None and organisation_id not in organisations.member_organisation_ids(
        db, requester.id
    ):
        raise Invalid("Choose one of your organisations, or none.")
    course_id = db.scalar(select(Course.id).where(Course.slug == course_slug))
    assert course_id is not None
    request = InHouseRequest(
        organisation_id=organisation_id,
        requester_id=requester.id,
        course_id=course_id,
        format_id=format_id,
        participants=participants,
        preferred_dates=preferred_dates.strip(),
        message=message.strip(),
        status=InHouseRequestStatus.NEW,
    )
    db.add(request)
    db.flush()
    return request


@dataclass(frozen=True)
class RequestRow:
    """A request as the inbox lists it."""

    request: InHouseRequest
    requester: User
    organisation_name: str | None
    course_title: str
    format_title: str
    created_at: datetime


def list_requests(db: Session, acting: User) -> list[RequestRow]:
    """Coordinators' inbox: new requests first, then the rest, newest first."""
    if not visibility.is_staff(acting):
        raise Forbidden("The requests inbox is for coordinators.")
    new_first = case((InHouseRequest.status == InHouseRequestStatus.NEW, 0), else_=1)
    query = (
        select(InHouseRequest, User, Organisation.name)
        .join(User, User.id == InHouseRequest.requester_id)
        .outerjoin(Organisation, Organisation.id == InHouseRequest.organisation_id)
        .order_by(new_first, InHouseRequest.created_at.desc(), InHouseRequest.id.desc())
    )
    rows = db.execute(query).all()
    versions = {
        v.course_id: v
        for v in db.scalars(
            select(CourseVersion).where(
                CourseVersion.course_id.in_({r.course_id for r, _, _ in rows}),
                CourseVersion.is_current.is_(True),
            )
        )
    }
    result = []
    for request, requester, org_name in rows:
        version = versions.get(request.course_id)
        formats = version.spec.get("formats", {}) if version else {}
        result.append(
            RequestRow(
                request,
                requester,
                org_name,
                version.title if version else "Course",
                formats.get(request.format_id, {}).get("title", request.format_id),
                request.created_at,
            )
        )
    return result


def set_request_status(
    db: Session, request_id: int, acting: User, status: str = InHouseRequestStatus.ANSWERED
) -> InHouseRequest:
    """Mark a request answered (or closed, or new again)."""
    if not visibility.is_staff(acting):
        raise NotFound("There is no such request.")
    if status not in set(InHouseRequestStatus):
        raise Invalid(f"A request is one of: {', '.join(InHouseRequestStatus)}.")
    request = db.get(InHouseRequest, request_id)
    if request is None:
        raise NotFound("There is no such request.")
    request.status = InHouseRequestStatus(status)
    db.flush()
    return request
