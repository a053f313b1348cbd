"""Demo data for ``make run``: one account per role, a client organisation, a schedule,
and a facilitator's day (a session today and one next week, with participants)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import organisations, service
from app.accounts.models import Role
from app.content.models import Course, CourseVersion
from app.db import utcnow
from app.enrollment import programmes, seat_packs
from app.enrollment.models import SeatPack
from app.enrollment.schemas import ProgrammeIn
from app.learning.models import Completion
from app.payments import promos
from app.scheduling.facilitators import assign_facilitator
from app.scheduling.schemas import SeriesCreate
from app.scheduling.series import create_series
from app.scheduling.sessions import SessionInput, create_session
from app.scheduling.venues import create_venue


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    name: str
    password: str
    roles: frozenset[Role]


# Fixed, well-known passwords: demo data is for a developer's laptop only, and the
# start-up banner prints them so anyone can try each role.
DEMO_ACCOUNTS = (
    DemoAccount(
        "learner",
        "learner@apex.example.com",
        "Lena Learner",
        "learn-apex-2026",
        frozenset({Role.LEARNER}),
    ),
    DemoAccount(
        "learner who pays by card or invoice",
        "pat@apex.example.com",
        "Pat Payer",
        "pay-apex-2026",
        frozenset({Role.LEARNER}),
    ),
    DemoAccount(
        "facilitator",
        "facilitator@apex.example.com",
        "Femi Facilitator",
        "facilitate-apex-2026",
        frozenset({Role.FACILITATOR}),
    ),
    DemoAccount(
        "coordinator",
        "coordinator@apex.example.com",
        "Cora Coordinator",
        "coordinate-apex-2026",
        frozenset({Role.COORDINATOR}),
    ),
    DemoAccount(
        "admin",
        "admin@apex.example.com",
        "Ada Admin",
        "administer-apex-2026",
        frozenset({Role.ADMIN}),
    ),
    DemoAccount(
        "organisation coordinator (Northwind Engineering)",
        "orgcoord@northwind.example.com",
        "Omar Orgcoord",
        "northwind-apex-2026",
        frozenset({Role.LEARNER}),
    ),
)
DEMO_ORGANISATION = "Northwind Engineering"
DEMO_FACILITATOR = "facilitator@apex.example.com"
DEMO_ORG_COORDINATOR = "orgcoord@northwind.example.com"
# Northwind's people on the facilitator's sessions (both are Northwind members).
DEMO_PARTICIPANTS = ("learner@apex.example.com", DEMO_ORG_COORDINATOR)
# The facilitator's sessions: (days from the day demo data is loaded, course).
DEMO_FACILITATED = ((0, "status-communication"), (7, "client-expectations"))


def load_demo_data(db: Session) -> bool:
    """Create the demo accounts and organisation unless they exist; True when created."""
    if service.find_user_by_email(db, DEMO_ACCOUNTS[0].email) is not None:
        return False
    for account in DEMO_ACCOUNTS:
        service.create_user(
            db,
            email=account.email,
            display_name=account.name,
            password=account.password,
            roles=set(account.roles),
        )
    org = organisations.create_organisation(db, name=DEMO_ORGANISATION)
    # Northwind is an invoice customer: seats its packs do not cover are billed to it.
    organisations.set_pays_by_invoice(db, org, True)
    organisations.add_member(db, org, email=DEMO_ORG_COORDINATOR, coordinator=True)
    organisations.add_member(db, org, email="learner@apex.example.com")
    _load_demo_schedule(db, org.id)
    _load_demo_completion(db)
    return True


def _load_demo_completion(db: Session) -> None:
    """Lena has finished Relationship Management online, so My learning shows a certificate
    (issued when she opens the page, or by the ticker) that verifies from its QR code."""
    version = db.scalar(
        select(CourseVersion)
        .join(Course, Course.id == CourseVersion.course_id)
        .where(Course.slug == "relationship-management", CourseVersion.is_current.is_(True))
    )
    learner = service.find_user_by_email(db, DEMO_ACCOUNTS[0].email)
    if version is None or learner is None:
        return  # courses not loaded: no completion to show
    db.add(
        Completion(
            user_id=learner.id,
            course_id=version.course_id,
            course_version_id=version.id,
            completed_at=utcnow() - timedelta(days=3),
        )
    )
    db.flush()


def _load_demo_schedule(db: Session, organisation_id: int) -> None:
    """'APEX Last Friday' with three courses side by side, and a seat pack for Northwind.

    Needs the courses loaded (``apex serve`` syncs ``courses/`` first); without them the
    demo simply has no schedule.
    """
    slugs = ["client-expectations", "status-communication", "trust-and-confidence"]
    loaded = set(db.scalars(select(Course.slug).where(Course.slug.in_(slugs))))
    if loaded != set(slugs):
        return
    today = date.today()
    venue = create_venue(
        db, name="APEX Training Centre", address="200 Peachtree St NE, Atlanta, GA 30303"
    )
    create_series(
        db,
        SeriesCreate(
            title="APEX Last Friday",
            rrule="last-friday",
            timezone="America/New_York",
            starts_on=today,
            start_time=time(9, 0),
            end_time=time(16, 30),
            courses=slugs,
            capacity=16,
            price_cents=49500,
            min_participants=4,
            holiday_country="US",
            holiday_policy="previous",
            venue_id=venue.id,
        ),
    )
    # The three tracks taken on three different last Fridays, cheaper than one by one
    # (3 x 495.00 = 1,485.00).
    course_ids = dict(
        db.execute(select(Course.slug, Course.id).where(Course.slug.in_(slugs))).all()
    )
    programmes.create_programme(
        db,
        ProgrammeIn(
            title="Client Excellence Programme",
            description=(
                "Client Expectations, Status Communication, then Trust and Confidence: "
                "one course each last Friday, booked in one go."
            ),
            course_ids=[course_ids[slug] for slug in slugs],
            price_cents=119000,
            currency="USD",
        ),
    )
    # Northwind pays by invoice: its seat pack makes its members' bookings confirm at once.
    pack = SeatPack(
        organisation_id=organisation_id,
        course_id=None,
        seats=10,
        valid_from=today,
        valid_until=today + timedelta(days=365),
    )
    db.add(pack)
    db.flush()
    # Femi's sessions are in another building: on a last Friday the training centre is
    # taken by the series, and a venue is never double-booked.
    studio = create_venue(
        db, name="APEX Midtown Studio", address="1100 Spring St NW, Atlanta, GA 30309"
    )
    _load_demo_facilitation(db, pack, studio.id)
    # A code to try at checkout.
    promos.create_promo_code(
        db,
        code="WELCOME10",
        percent_off=10,
        amount_off_cents=None,
        valid_from=today,
        valid_until=today + timedelta(days=365),
        usage_limit=100,
    )


def _load_demo_facilitation(db: Session, pack: SeatPack, venue_id: int) -> None:
    """Femi facilitates a session today and one next week, each with two of Northwind's
    people on its seat pack, so the facilitator's home shows a day to run (attendance,
    print pack) and Northwind's pack shows seats in use."""
    facilitator = service.find_user_by_email(db, DEMO_FACILITATOR)
    org_coordinator = service.find_user_by_email(db, DEMO_ORG_COORDINATOR)
    assert facilitator is not None and org_coordinator is not None
    today = date.today()
    # Booked two days ago: today's session may already be under way when the demo loads,
    # and a session that has started takes no more bookings.
    booked_at = utcnow() - timedelta(days=2)
    for offset, slug in DEMO_FACILITATED:
        # Scheduled when the seats were booked (two days ago), so today's session may
        # start before the demo loads: no session is created with a start in the past.
        session = create_session(
            db,
            SessionInput(
                course_slug=slug,
                format_id="one-day",
                starts_on=today + timedelta(days=offset),
                start_time=time(9, 0),
                end_time=time(16, 30),
                timezone="America/New_York",
                capacity=12,
                price_cents=49500,
                venue_id=venue_id,
            ),
            now=booked_at,
        )
        assign_facilitator(db, session, facilitator)
        for email in DEMO_PARTICIPANTS:
            # The organisation coordinator assigns the pack's seats, as on the pack page.
            seat_packs.assign_seat(
                db,
                pack,
                employee_email=email,
                session=session,
                acting=org_coordinator,
                now=booked_at,
            )
