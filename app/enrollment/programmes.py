"""Programmes: 2 to 4 different courses taken on different dates, booked in one step.

Coordinators keep the catalogue (create, edit, retire). A learner picks one upcoming
session per course and books them all or nothing (``booking_groups.book_together``). The
charge is never more than the chosen sessions cost one by one: ``min(programme price,
sum of single prices)``; payments splits it over the order's lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.bounds import form_currency
from app.db import utcnow
from app.enrollment import queries, rules
from app.enrollment.booking_groups import Seat, book_together
from app.enrollment.models import (
    BookingGroup,
    BookingGroupKind,
    Enrollment,
    Programme,
    ProgrammeCourse,
)
from app.enrollment.schemas import ProgrammeIn
from app.errors import Conflict, Invalid, NotFound
from app.formatting import long_date
from app.scheduling import visibility
from app.scheduling.courses import courses_by_id
from app.scheduling.models import CourseSession

MIN_COURSES, MAX_COURSES = 2, 4
# A programme costs more than nothing and less than this (in minor units): a typo such as
# an extra three zeros is refused rather than published.
MAX_PRICE_CENTS = 10_000_000
SESSIONS_PER_COURSE = 8  # the upcoming dates offered for each course


# --- the catalogue -----------------------------------------------------------------------


def course_ids(db: Session, programme_id: int) -> list[int]:
    """A programme's courses, in their order."""
    query = (
        select(ProgrammeCourse.course_id)
        .where(ProgrammeCourse.programme_id == programme_id)
        .order_by(ProgrammeCourse.position)
    )
    return list(db.scalars(query))


def list_programmes(db: Session, *, active_only: bool = True) -> list[Programme]:
    """Programmes by title (the active ones unless ``active_only`` is False)."""
    query = select(Programme).order_by(Programme.title, Programme.id)
    if active_only:
        query = query.where(Programme.is_active.is_(True))
    return list(db.scalars(query))


def programmes_with_course(db: Session, course_id: int) -> list[Programme]:
    """The active programmes that include a course, by title."""
    query = (
        select(Programme)
        .join(ProgrammeCourse, ProgrammeCourse.programme_id == Programme.id)
        .where(ProgrammeCourse.course_id == course_id, Programme.is_active.is_(True))
        .order_by(Programme.title, Programme.id)
    )
    return list(db.scalars(query))


def get_programme(db: Session, programme_id: int, *, active_only: bool = True) -> Programme:
    """One programme; a retired one is ``NotFound`` unless ``active_only`` is False."""
    programme = db.get(Programme, programme_id)
    if programme is None or (active_only and not programme.is_active):
        raise NotFound("There is no such programme.")
    return programme


def _clean(db: Session, data: ProgrammeIn) -> ProgrammeIn:
    """Validate a programme and return it normalised; nothing is written."""
    title = data.title.strip()
    if not title or len(title) > 200:
        raise Invalid("Give the programme a title of at most 200 characters.")
    if len(data.description) > 5000:
        raise Invalid("Keep the description under 5,000 characters.")
    if not MIN_COURSES <= len(data.course_ids) <= MAX_COURSES:
        raise Invalid(f"A programme has {MIN_COURSES} to {MAX_COURSES} courses.")
    if len(set(data.course_ids)) != len(data.course_ids):
        raise Invalid("Choose different courses for a programme (a course is listed twice).")
    missing = set(data.course_ids) - set(courses_by_id(db, data.course_ids))
    if missing:
        raise Invalid(f"There is no course {min(missing)}.")
    if not 0 < data.price_cents < MAX_PRICE_CENTS:
        raise Invalid("The programme price must be more than 0 and less than 100,000.")
    currency = form_currency(data.currency)  # app.currencies: ISO 4217, one list
    return data.model_copy(
        update={"title": title, "description": data.description.strip(), "currency": currency}
    )


def _write(db: Session, programme: Programme, data: ProgrammeIn) -> Programme:
    programme.title = data.title
    programme.description = data.description
    programme.price_cents = data.price_cents
    programme.currency = data.currency
    db.add(programme)
    db.flush()
    db.execute(delete(ProgrammeCourse).where(ProgrammeCourse.programme_id == programme.id))
    for position, course_id in enumerate(data.course_ids, start=1):
        db.add(ProgrammeCourse(programme_id=programme.id, position=position, course_id=course_id))
    db.flush()
    return programme


def create_programme(db: Session, data: ProgrammeIn) -> Programme:
    """A new, active programme."""
    return _write(db, Programme(is_active=True), _clean(db, data))


def update_programme(db: Session, programme: Programme, data: ProgrammeIn) -> Programme:
    """Change a programme; seats already booked with it keep what they were charged."""
    return _write(db, programme, _clean(db, data))


def set_active(db: Session, programme: Programme, active: bool) -> Programme:
    """Retire a programme (no new bookings) or offer it again."""
    programme.is_active = active
    db.flush()
    return programme


# --- what the programme page offers ---------------------------------------------------------


@dataclass(frozen=True)
class CourseOptions:
    """One course of a programme with its upcoming sessions the person may book."""

    course_id: int
    title: str
    sessions: list[queries.SessionSeats]


@dataclass(frozen=True)
class ProgrammeOffer:
    """A programme, its courses' upcoming sessions, and what it saves."""

    programme: Programme
    courses: list[CourseOptions]

    @property
    def single_total_cents(self) -> int:
        """The courses booked one by one, each at its next session's price."""
        return sum(c.sessions[0].session.price_cents for c in self.courses if c.sessions)

    @property
    def bookable(self) -> bool:
        """Every course has a session to choose."""
        return all(c.sessions for c in self.courses)

    @property
    def saving_cents(self) -> int:
        """What the programme saves against the courses one by one (never negative)."""
        return max(0, self.single_total_cents - self.programme.price_cents)


def _upcoming(db: Session, user: User | None, course_id: int, now: datetime) -> list[CourseSession]:
    found = visibility.visible_sessions(db, user, course_id=course_id, date_from=now.date())
    return [s for s in found if not visibility.has_started(s, now)][:SESSIONS_PER_COURSE]


def programme_offer(
    db: Session, user: User | None, programme: Programme, *, now: datetime | None = None
) -> ProgrammeOffer:
    """The programme's courses in order, each with its upcoming visible sessions."""
    now = now or utcnow()
    ids = course_ids(db, programme.id)
    titles = rules.course_titles(db, ids)
    courses = [
        CourseOptions(cid, titles[cid], queries.with_seats(db, _upcoming(db, user, cid, now)))
        for cid in ids
    ]
    return ProgrammeOffer(programme, courses)


# --- booking --------------------------------------------------------------------------------


def charge_cents(programme: Programme, sessions: Sequence[CourseSession]) -> int:
    """What the chosen sessions cost as this programme: never more than one by one."""
    return min(programme.price_cents, sum(s.price_cents for s in sessions))


def _check_choice(db: Session, programme: Programme, sessions: Sequence[CourseSession]) -> None:
    """One session per course of the programme, on different dates, in its currency."""
    wanted = course_ids(db, programme.id)
    if sorted(s.course_id for s in sessions) != sorted(wanted):
        raise Invalid("Choose one session for each course of the programme.")
    by_date: dict[object, CourseSession] = {}
    for session in sorted(sessions, key=lambda s: (s.starts_on, s.id)):
        if session.starts_on in by_date:
            raise Invalid(
                f"Two of the sessions you chose are on {long_date(session.starts_on)}; "
                "a programme's courses run side by side on one date, so choose different dates."
            )
        by_date[session.starts_on] = session
    if any(s.currency != programme.currency for s in sessions):
        raise Conflict("One of these sessions is priced in another currency; book it on its own.")


def book_programme(
    db: Session,
    user: User,
    programme: Programme,
    sessions: Sequence[CourseSession],
    *,
    now: datetime | None = None,
) -> tuple[BookingGroup, list[Enrollment]]:
    """Book one session per course at the programme's charge, all or nothing."""
    now = now or utcnow()
    if not programme.is_active:
        raise Conflict("This programme is no longer offered; book the courses one by one.")
    _check_choice(db, programme, sessions)
    group = BookingGroup(
        user_id=user.id,
        kind=BookingGroupKind.PROGRAMME,
        programme_id=programme.id,
        price_cents=charge_cents(programme, sessions),
        currency=programme.currency,
    )
    ordered = sorted(sessions, key=lambda s: (s.starts_on, s.id))
    enrollments = book_together(db, user, [Seat(s, user) for s in ordered], group, now=now)
    return group, enrollments
