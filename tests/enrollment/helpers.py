"""Enrolment test data: fast courses, sessions (via tests/scheduling/factories), people.

Syncing the real course packs takes seconds per test, so ``fast_courses`` inserts the four
course rows with a minimal current version instead; ``make_session`` from the scheduling
factories then finds them and skips the sync.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Organisation, OrganisationMember, Role, User, UserRole
from app.accounts.security import hash_password
from app.content.models import Course, CourseVersion
from app.enrollment.models import Enrollment, Programme, SeatPack
from app.scheduling.models import CourseSession, Series, SeriesTrack, SessionFacilitator
from tests.factories import DEFAULT_PASSWORD, make_organisation
from tests.scheduling.factories import COURSE_SLUGS, make_session

_sequence = itertools.count(1)

FORMATS = {
    "one-day": {"title": "One day", "days": 1, "agenda": []},
    "three-day": {"title": "Three days", "days": 3, "agenda": []},
}


def fast_courses(db: Session) -> dict[str, Course]:
    """The four course slugs with a current version each (no pack files), by slug."""
    existing = {c.slug: c for c in db.scalars(select(Course).where(Course.slug.in_(COURSE_SLUGS)))}
    for slug in COURSE_SLUGS:
        if slug in existing:
            continue
        course = Course(slug=slug)
        db.add(course)
        db.flush()
        db.add(
            CourseVersion(
                course_id=course.id,
                version="1.0.0",
                content_hash=f"test-{slug}",
                is_current=True,
                title=slug.replace("-", " ").capitalize(),
                summary="A test course.",
                credit_hours=7.0,
                free_online=False,
                spec={"formats": FORMATS},
                archive=b"",
                source="tests",
            )
        )
        existing[slug] = course
    db.flush()
    return existing


def session(db: Session, **kwargs: object) -> CourseSession:
    """A session (see tests/scheduling/factories.make_session) on fast courses."""
    fast_courses(db)
    return make_session(db, **kwargs)  # type: ignore[arg-type]


def series_day(
    db: Session,
    *,
    on: date | None = None,
    courses: tuple[str, ...] = (
        "client-expectations",
        "status-communication",
        "trust-and-confidence",
    ),
    capacity: int = 20,
    price_cents: int = 49500,
    organisation: Organisation | None = None,
) -> tuple[Series, list[CourseSession]]:
    """A series row with one date's sessions, one per track (no rule materialisation)."""
    fast_courses(db)
    day = on or date.today() + timedelta(days=30)
    series = Series(
        title=f"Test series {next(_sequence)}",
        rrule="FREQ=MONTHLY;BYDAY=-1FR",
        timezone="America/New_York",
        starts_on=day,
        start_time=time(9, 0),
        end_time=time(17, 0),
        format_id="one-day",
        default_capacity=capacity,
        default_price_cents=price_cents,
        currency="USD",
        organisation_id=organisation.id if organisation else None,
    )
    db.add(series)
    db.flush()
    sessions = []
    for position, slug in enumerate(courses, start=1):
        db.add(SeriesTrack(series_id=series.id, position=position, course_id=_course_id(db, slug)))
        sessions.append(
            make_session(
                db,
                course_slug=slug,
                starts_on=day,
                capacity=capacity,
                price_cents=price_cents,
                series=series,
                track_position=position,
                organisation=organisation,
            )
        )
    db.flush()
    return series, sessions


def programme_run(
    db: Session,
    *,
    courses: tuple[str, ...] = (
        "relationship-management",
        "client-expectations",
        "status-communication",
    ),
    price_cents: int = 49500,
    programme_price_cents: int = 119000,
    capacity: int = 20,
    first: date | None = None,
) -> tuple[Programme, list[CourseSession]]:
    """A programme of ``courses`` and one session of each, four weeks apart, in order."""
    from app.enrollment.programmes import create_programme
    from app.enrollment.schemas import ProgrammeIn

    fast_courses(db)
    day = first or date.today() + timedelta(days=30)
    sessions = [
        make_session(
            db,
            course_slug=slug,
            starts_on=day + timedelta(weeks=4 * index),
            capacity=capacity,
            price_cents=price_cents,
        )
        for index, slug in enumerate(courses)
    ]
    programme = create_programme(
        db,
        ProgrammeIn(
            title=f"Test programme {next(_sequence)}",
            course_ids=[_course_id(db, slug) for slug in courses],
            price_cents=programme_price_cents,
        ),
    )
    return programme, sessions


def _course_id(db: Session, slug: str) -> int:
    fast_courses(db)
    course_id = db.scalar(select(Course.id).where(Course.slug == slug))
    assert course_id is not None
    return course_id


@lru_cache
def password_hash() -> str:
    """The argon2 hash of tests.factories.DEFAULT_PASSWORD, computed once (it is slow)."""
    return hash_password(DEFAULT_PASSWORD)


def person(db: Session, *, roles: set[Role] | None = None, name: str | None = None) -> User:
    """An account whose password is DEFAULT_PASSWORD, without hashing it again."""
    number = next(_sequence)
    user = User(
        email=f"enrol{number}-{uuid.uuid4().hex[:6]}@example.com",
        display_name=name or f"Learner {number}",
        password_hash=password_hash(),
    )
    user.role_rows = [UserRole(role=r.value) for r in sorted(roles or {Role.LEARNER})]
    db.add(user)
    db.flush()
    return user


def learner(db: Session, *, name: str | None = None) -> User:
    """A learner account."""
    return person(db, name=name)


def coordinator(db: Session) -> User:
    """A training-company coordinator."""
    return person(db, roles={Role.COORDINATOR})


def facilitator(db: Session, *sessions: CourseSession) -> User:
    """A facilitator booked on ``sessions``."""
    user = person(db, roles={Role.FACILITATOR})
    for item in sessions:
        db.add(SessionFacilitator(session_id=item.id, user_id=user.id))
    db.flush()
    return user


def organisation(
    db: Session,
    *,
    members: list[User] = (),
    coordinators: list[User] = (),
    pays_by_invoice: bool = False,
) -> Organisation:
    """A client organisation with members and organisation coordinators."""
    org = make_organisation(db)
    org.pays_by_invoice = pays_by_invoice
    for person in members:
        db.add(OrganisationMember(organisation_id=org.id, user_id=person.id))
    for person in coordinators:
        db.add(OrganisationMember(organisation_id=org.id, user_id=person.id, is_coordinator=True))
    db.flush()
    return org


def seat_pack(
    db: Session,
    org: Organisation,
    *,
    seats: int = 5,
    course_slug: str | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> SeatPack:
    """A seat pack row, valid for a year from today unless told otherwise."""
    pack = SeatPack(
        organisation_id=org.id,
        course_id=_course_id(db, course_slug) if course_slug else None,
        seats=seats,
        valid_from=valid_from or date.today(),
        valid_until=valid_until or date.today() + timedelta(days=365),
    )
    db.add(pack)
    db.flush()
    return pack


def statuses(db: Session, session_id: int) -> dict[str, int]:
    """How many enrolments of each status a session has."""
    counts: dict[str, int] = {}
    for row in db.scalars(select(Enrollment).where(Enrollment.session_id == session_id)):
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def local_today(session: CourseSession) -> date:
    """Today in the session's zone, which attendance checks use (not the machine's date).

    Test sessions are in America/New_York, so between midnight and 05:00 UTC the machine's
    ``date.today()`` is already tomorrow there.
    """
    return datetime.now(UTC).astimezone(ZoneInfo(session.timezone)).date()


def utc(*args: int) -> datetime:
    """A UTC datetime."""
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def fill(db: Session, target: CourseSession, count: int) -> list[User]:
    """Give ``count`` new learners a seat each on a session (through the service)."""
    from app.enrollment.seats import take_seat

    people = [learner(db) for _ in range(count)]
    for person in people:
        take_seat(db, target, person)
    return people
