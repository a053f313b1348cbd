"""A signed-in person's home: what they came for, by role.

Read from the features' own queries (bookings, My learning, the facilitator's sessions,
seat counts, seat packs, the content overview); this module only chooses what each
role sees first. Kept out of ``app.site`` so the probes there stay import-light.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Organisation, Role, User
from app.accounts.sessions import Visitor
from app.content.packs_service import content_overview
from app.enrollment import attendance, queries, seat_packs, views
from app.enrollment.models import EnrollmentStatus
from app.enrollment.queries import SessionSeats
from app.enrollment.seat_packs import PackUsage
from app.enrollment.views import BookingView
from app.formatting import month_year
from app.learning.schemas import LearningRowOut
from app.learning.service import my_learning
from app.scheduling.models import CourseSession, SessionFacilitator, SessionStatus
from app.scheduling.sessions import sessions_between

SHOWN = 3  # items per list on the dashboard; the full lists are a click away


@dataclass(frozen=True)
class SessionLine:
    """A session with its seat figures and its dates and times in words."""

    seats: SessionSeats
    when: str

    @classmethod
    def of(cls, seats: SessionSeats) -> SessionLine:
        """The line for a session, its dates written as every page writes them."""
        return cls(seats, views.when_text(seats.session))


@dataclass(frozen=True)
class FacilitatorDay:
    """The facilitator's sessions running today, and the next one after today."""

    today: list[SessionLine]
    next: SessionLine | None


@dataclass(frozen=True)
class Attention:
    """A session of this month a coordinator should look at, and why."""

    session: CourseSession
    course_title: str
    when: str
    reasons: list[str]


@dataclass(frozen=True)
class OrganisationPanel:
    """An organisation the person coordinates, with its seat packs still valid."""

    id: int
    name: str
    packs: list[PackUsage]

    @property
    def seats_unused(self) -> int:
        """Seats not yet assigned, over all its valid packs."""
        return sum(pack.unused for pack in self.packs)


@dataclass(frozen=True)
class AdminSummary:
    """Counts for the admin's links to content, users and organisations."""

    courses: int
    broken_packs: int
    users: int
    organisations: int


@dataclass(frozen=True)
class Dashboard:
    """What a signed-in person's home shows; None: not for their roles."""

    bookings: list[BookingView]
    learning: list[LearningRowOut]
    show_learning: bool
    facilitating: FacilitatorDay | None
    attention: list[Attention] | None
    month_title: str
    organisations: list[OrganisationPanel]
    admin: AdminSummary | None


def facilitator_day(db: Session, user: User, today: date) -> FacilitatorDay:
    """Today's sessions of a facilitator and their next one (cancelled ones left out)."""
    running = [
        s
        for s in attendance.facilitator_sessions(db, user)
        if s.session.status == SessionStatus.SCHEDULED
    ]
    on_today = [s for s in running if s.session.starts_on <= today <= s.session.ends_on]
    later = [s for s in running if s.session.starts_on > today]
    return FacilitatorDay(
        [SessionLine.of(s) for s in on_today], SessionLine.of(later[0]) if later else None
    )


def attention_this_month(db: Session, today: date) -> list[Attention]:
    """This month's sessions still to run that need a coordinator: no facilitator, no
    place, fewer bookings than their minimum, or full with people waiting."""
    last = date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    found = [s for s in sessions_between(db, today, last) if s.status == SessionStatus.SCHEDULED]
    if not found:
        return []
    staffed = set(
        db.scalars(
            select(SessionFacilitator.session_id).where(
                SessionFacilitator.session_id.in_([s.id for s in found])
            )
        )
    )
    result = []
    for seats in queries.with_seats(db, found):
        session = seats.session
        reasons = []
        if session.id not in staffed:
            reasons.append("no facilitator")
        if session.venue_id is None and not session.online_url:
            reasons.append("no venue or online link")
        if seats.taken < session.min_participants:
            short = f"{seats.taken} booked of {session.min_participants} needed"
            if session.go_no_go_on is not None:
                short += f" by the go/no-go date, {session.go_no_go_on.isoformat()}"
            reasons.append(short)
        if seats.seats_left == 0 and seats.waitlisted:
            reasons.append(f"full, {seats.waitlisted} waiting")
        if reasons:
            result.append(Attention(session, seats.course_title, views.when_text(session), reasons))
    return result


def organisation_panels(
    db: Session, organisations: tuple[tuple[int, str], ...], today: date
) -> list[OrganisationPanel]:
    """The person's organisations with their seat packs valid today or later."""
    if not organisations:
        return []
    usages = seat_packs.pack_usages(db, [org_id for org_id, _ in organisations])
    return [
        OrganisationPanel(
            org_id,
            name,
            [u for u in usages if u.pack.organisation_id == org_id and u.pack.valid_until >= today],
        )
        for org_id, name in organisations
    ]


def admin_summary(db: Session) -> AdminSummary:
    """How many courses (and broken packs), accounts and organisations there are."""
    overview = content_overview(db)
    return AdminSummary(
        courses=len(overview.courses),
        broken_packs=len(overview.broken),
        users=db.scalar(select(func.count()).select_from(User)) or 0,
        organisations=db.scalar(select(func.count()).select_from(Organisation)) or 0,
    )


def _coming(booking: BookingView, today: date) -> bool:
    """Still ahead of the learner: not started yet, or a confirmed seat running today."""
    session = booking.session.session
    running = (
        booking.enrollment.status == EnrollmentStatus.CONFIRMED
        and session.status == SessionStatus.SCHEDULED
        and session.starts_on <= today <= session.ends_on
    )
    return booking.upcoming or running


def home_dashboard(db: Session, user: User, visitor: Visitor, today: date) -> Dashboard:
    """A signed-in person's home: their next sessions and courses, then tasks by role."""
    roles = visitor.roles
    coming = [b for b in views.booking_views(db, user) if _coming(b, today)]
    bookings = sorted(coming, key=lambda b: b.session.session.starts_on)[:SHOWN]
    # Started and unfinished first, then courses granted but not started yet.
    unfinished = [r for r in my_learning(db, user) if r.completed_at is None]
    learning = sorted(unfinished, key=lambda r: not r.started)[:SHOWN]
    staff = bool(roles & {Role.FACILITATOR, Role.COORDINATOR, Role.ADMIN})
    return Dashboard(
        bookings=bookings,
        learning=learning,
        # Learners always see their own learning; staff only when they have some.
        show_learning=not staff or bool(bookings or learning),
        facilitating=facilitator_day(db, user, today) if Role.FACILITATOR in roles else None,
        attention=attention_this_month(db, today) if Role.COORDINATOR in roles else None,
        month_title=month_year(today),
        organisations=organisation_panels(db, visitor.organisations, today),
        admin=admin_summary(db) if Role.ADMIN in roles else None,
    )
