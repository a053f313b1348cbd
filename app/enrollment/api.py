"""``/api/v1``: sessions with seats, enrolments, programmes and seat-pack assignments."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.accounts.permissions import ApiUser, api_user
from app.content.models import Course
from app.db import DbSession, utcnow
from app.enrollment import (
    changes,
    programmes,
    public_schedule,
    queries,
    rules,
    seat_packs,
    seats,
    waitlist,
)
from app.enrollment.models import BookingGroup, Enrollment, EnrollmentStatus
from app.enrollment.public_schedule import ScheduleFilters
from app.enrollment.schemas import (
    AssignmentIn,
    BookingGroupOut,
    EnrollmentIn,
    EnrollmentOut,
    ProgrammeBookingIn,
    ProgrammeCourseOut,
    ProgrammeOut,
    ScheduleItemOut,
    SessionDayOut,
    SessionOut,
)
from app.errors import NotFound
from app.scheduling import visibility
from app.scheduling.models import CourseSession

api = APIRouter(prefix="/api/v1", tags=["enrolment"])
LIST_LIMIT = 500  # sessions per list answer


def session_out(db: Session, figures: list[queries.SessionSeats]) -> list[SessionOut]:
    """API shapes for sessions with their seat figures."""
    slugs = dict(
        db.execute(
            select(Course.id, Course.slug).where(
                Course.id.in_({f.session.course_id for f in figures})
            )
        ).all()
    )
    return [
        SessionOut(
            id=s.id,
            course=slugs.get(s.course_id, ""),
            course_title=f.course_title,
            format_id=s.format_id,
            starts_on=s.starts_on,
            ends_on=s.ends_on,
            start_time=s.start_time,
            end_time=s.end_time,
            timezone=s.timezone,
            starts_at=visibility.session_start(s),
            days=[SessionDayOut(day_index=d.day_index, date=d.date) for d in s.days],
            capacity=s.capacity,
            seats_taken=f.taken,
            seats_left=f.seats_left,
            waitlisted=f.waitlisted,
            price_cents=s.price_cents,
            currency=s.currency,
            status=s.status,
            in_house=s.organisation_id is not None,
            series_id=s.series_id,
            url=f"/sessions/{s.id}",
        )
        for f in figures
        for s in [f.session]
    ]


def enrollment_out(enrollment: Enrollment) -> EnrollmentOut:
    """API shape of an enrolment."""
    return EnrollmentOut.model_validate(enrollment, from_attributes=True)


def _visible(db: Session, user: ApiUser, session_id: int) -> CourseSession:
    session = db.scalar(
        select(CourseSession)
        .where(CourseSession.id == session_id)
        .options(selectinload(CourseSession.days))
    )
    if session is None or not (
        visibility.can_see_session(db, user, session)
        or visibility.can_manage_session(db, user, session)
    ):
        raise NotFound("There is no such session.")
    return session


@api.get("/sessions", response_model=list[SessionOut])
def list_sessions(
    db: DbSession,
    user: ApiUser,
    course: str = "",
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
) -> list[SessionOut]:
    """Scheduled sessions you may see (public, your organisations'), from today by default."""
    course_id = None
    if course:
        course_id = db.scalar(select(Course.id).where(Course.slug == course))
        if course_id is None:
            raise NotFound(f"There is no course '{course}'.")
    sessions = visibility.visible_sessions(
        db,
        user,
        course_id=course_id,
        date_from=date_from or date.today(),
        date_to=date_to,
        limit=LIST_LIMIT,
    )
    return session_out(db, queries.with_seats(db, sessions))


@api.get("/sessions/{session_id:id}", response_model=SessionOut)
def get_session(session_id: int, db: DbSession, user: ApiUser) -> SessionOut:
    """One session with seats taken and left."""
    session = _visible(db, user, session_id)
    return session_out(db, queries.with_seats(db, [session]))[0]


@api.post("/sessions/{session_id:id}/enrollments", response_model=EnrollmentOut, status_code=201)
def enrol(
    session_id: int, db: DbSession, user: ApiUser, body: EnrollmentIn | None = None
) -> EnrollmentOut:
    """Take a seat (held or confirmed) or join the waitlist; coordinators may name someone.

    409 with the reason when neither is possible (already enrolled, cancelled, started).
    """
    email = (body.user_email or "").strip() if body else ""
    if email and email.lower() != user.email:
        session = _visible(db, user, session_id)
        return enrollment_out(changes.coordinator_enrol(db, session, email, user))
    target = db.get(CourseSession, session_id)
    if target is None:
        raise NotFound("There is no such session.")
    return enrollment_out(seats.take_seat(db, target, user))


@api.get("/enrollments", response_model=list[EnrollmentOut])
def my_enrollments(db: DbSession, user: ApiUser) -> list[EnrollmentOut]:
    """Your enrolments (every status), by session date."""
    statuses = [*rules.LIVE_STATUSES, EnrollmentStatus.CANCELLED, EnrollmentStatus.EXPIRED]
    rows = queries.learner_enrollments(db, user.id, statuses=statuses)
    return [enrollment_out(e) for e, _ in rows]


def _enrollment_for(db: Session, enrollment_id: int, user: ApiUser) -> Enrollment:
    enrollment = db.get(Enrollment, enrollment_id)
    if enrollment is None:
        raise NotFound("There is no such enrolment.")
    if enrollment.user_id == user.id:
        return enrollment
    session = db.get(CourseSession, enrollment.session_id)
    if session is None or not rules.can_manage_person(db, user, session, enrollment.user_id):
        raise NotFound("There is no such enrolment.")
    return enrollment


@api.delete("/enrollments/{enrollment_id:id}", response_model=EnrollmentOut)
def cancel(enrollment_id: int, db: DbSession, user: ApiUser) -> EnrollmentOut:
    """Cancel your enrolment (until the cut-off), or, as its coordinator, anyone's."""
    enrollment = _enrollment_for(db, enrollment_id, user)
    if enrollment.user_id == user.id:
        return enrollment_out(changes.cancel_enrollment(db, enrollment, user))
    return enrollment_out(changes.coordinator_cancel(db, enrollment, user))


@api.post("/enrollments/{enrollment_id:id}/accept", response_model=EnrollmentOut)
def accept(enrollment_id: int, db: DbSession, user: ApiUser) -> EnrollmentOut:
    """Accept the seat offered to you from the waitlist."""
    enrollment = db.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.user_id != user.id:
        raise NotFound("There is no such enrolment.")
    return enrollment_out(waitlist.accept_offer(db, enrollment, user))


def programme_out(offer: programmes.ProgrammeOffer) -> ProgrammeOut:
    """API shape of a programme on offer."""
    programme = offer.programme
    return ProgrammeOut(
        id=programme.id,
        title=programme.title,
        description=programme.description,
        price_cents=programme.price_cents,
        currency=programme.currency,
        is_active=programme.is_active,
        single_total_cents=offer.single_total_cents,
        saving_cents=offer.saving_cents,
        courses=[
            ProgrammeCourseOut(
                course_id=c.course_id,
                course_title=c.title,
                session_ids=[s.session.id for s in c.sessions],
            )
            for c in offer.courses
        ],
    )


def group_out(group: BookingGroup, enrollments: list[Enrollment]) -> BookingGroupOut:
    """API shape of seats booked in one step."""
    return BookingGroupOut(
        id=group.id,
        kind=group.kind,
        programme_id=group.programme_id,
        price_cents=group.price_cents,
        currency=group.currency,
        enrollments=[enrollment_out(e) for e in enrollments],
    )


@api.get("/programmes", response_model=list[ProgrammeOut])
def list_programmes(db: DbSession, user: ApiUser) -> list[ProgrammeOut]:
    """The programmes on offer, each with its courses' upcoming sessions."""
    return [
        programme_out(programmes.programme_offer(db, user, p))
        for p in programmes.list_programmes(db)
    ]


@api.post("/programmes/{programme_id:id}/bookings", response_model=BookingGroupOut, status_code=201)
def book_programme(
    programme_id: int, body: ProgrammeBookingIn, db: DbSession, user: ApiUser
) -> BookingGroupOut:
    """Book one session per course of a programme, on different dates (all or nothing)."""
    programme = programmes.get_programme(db, programme_id)
    sessions = [_visible(db, user, session_id) for session_id in body.session_ids]
    group, enrollments = programmes.book_programme(db, user, programme, sessions)
    return group_out(group, enrollments)


@api.post("/seat-packs/{pack_id:id}/assignments", response_model=EnrollmentOut, status_code=201)
def assign(pack_id: int, body: AssignmentIn, db: DbSession, user: ApiUser) -> EnrollmentOut:
    """Give one seat of a pack to a member of its organisation on a session (confirmed)."""
    pack = seat_packs.get_pack(db, pack_id, user)
    session = db.get(CourseSession, body.session_id)
    if session is None:
        raise NotFound("There is no such session.")
    enrollment = seat_packs.assign_seat(
        db, pack, employee_email=body.user_email, session=session, acting=user
    )
    return enrollment_out(enrollment)


@api.get("/schedule", response_model=list[ScheduleItemOut])
def api_schedule(
    request: Request, db: DbSession, course: str = "", month: str = ""
) -> list[ScheduleItemOut]:
    """The public schedule as JSON; with a bearer token, in-house sessions of your organisations."""
    user = api_user(request, db) if request.headers.get("authorization") else None
    filters = ScheduleFilters(course=course.strip()[:64], month=month.strip()[:7])
    items = public_schedule.upcoming_sessions(db, user, now=utcnow(), filters=filters)
    return [
        ScheduleItemOut(
            session_id=item.session_id,
            course=item.course_slug,
            course_title=item.course_title,
            format=item.format_title,
            starts_on=item.starts_on,
            days=item.days,
            times=item.times,
            timezone=item.timezone,
            location=item.location,
            online=item.online,
            price_cents=item.price_cents,
            currency=item.currency,
            capacity=item.capacity,
            seats_left=item.seats_left,
            full=item.full,
            in_house=item.in_house,
            series_id=item.series_id,
            group_booking_url=item.group_booking_url,
            url=item.url,
        )
        for item in items
    ]
