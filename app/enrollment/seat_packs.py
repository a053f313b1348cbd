"""Seat packs: N prepaid seats for a client organisation, assigned to named employees.

A redemption locks the pack row, then the session row, before counting: the pack's used
seats (held or confirmed enrolments drawn from it) and the session's seats. Releasing an
assignment cancels that enrolment, which gives the seat back to both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import organisations
from app.accounts.models import Organisation, User
from app.accounts.service import find_user_by_email
from app.content.models import Course
from app.db import utcnow
from app.enrollment import payers, rules
from app.enrollment.changes import cancel_locked, get_enrollment
from app.enrollment.models import Enrollment, SeatPack
from app.enrollment.seats import take_seat
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.formatting import long_date
from app.scheduling import visibility
from app.scheduling.models import CourseSession, SessionStatus

MAX_SEATS = 10_000


def create_seat_pack(
    db: Session,
    acting: User,
    *,
    organisation_id: int,
    seats: int,
    course_id: int | None,
    valid_from: date,
    valid_until: date,
    today: date | None = None,
) -> SeatPack:
    """Coordinators sell an organisation N seats, for one course or any, valid for a period."""
    if not visibility.is_staff(acting):
        raise Forbidden("Only coordinators can create seat packs.")
    if db.get(Organisation, organisation_id) is None:
        raise Invalid("Choose an existing client organisation.")
    if course_id is not None and db.get(Course, course_id) is None:
        raise Invalid("Choose an existing course, or any course.")
    if not 1 <= seats <= MAX_SEATS:
        raise Invalid(f"A seat pack has between 1 and {MAX_SEATS} seats.")
    if valid_until < valid_from:
        raise Invalid("The pack must be valid until a date on or after its first day.")
    if valid_until < (today or date.today()):
        raise Invalid(
            f"A pack valid until {long_date(valid_until)} would already be over; "
            "choose a last day from today on."
        )
    pack = SeatPack(
        organisation_id=organisation_id,
        course_id=course_id,
        seats=seats,
        valid_from=valid_from,
        valid_until=valid_until,
        created_by_id=acting.id,
    )
    db.add(pack)
    db.flush()
    return pack


def can_use_pack(db: Session, user: User, pack: SeatPack) -> bool:
    """Staff, and the coordinators of the pack's organisation."""
    return visibility.is_staff(
        user
    ) or pack.organisation_id in organisations.coordinated_organisation_ids(db, user.id)


def get_pack(db: Session, pack_id: int, user: User) -> SeatPack:
    """A seat pack the person may use; anyone else gets ``NotFound``."""
    pack = db.get(SeatPack, pack_id)
    if pack is None or not can_use_pack(db, user, pack):
        raise NotFound("There is no such seat pack.")
    return pack


def assign_seat(
    db: Session,
    pack: SeatPack,
    *,
    employee_email: str,
    session: CourseSession,
    acting: User,
    now: datetime | None = None,
) -> Enrollment:
    """Give one pack seat to a named member on a session in the pack's course and period."""
    now = now or utcnow()
    if not can_use_pack(db, acting, pack):
        raise NotFound("There is no such seat pack.")
    employee = find_user_by_email(db, employee_email)
    if employee is None or not organisations.is_member(db, pack.organisation_id, employee.id):
        raise Invalid(
            f"No member of this organisation uses the e-mail address '{employee_email.strip()}'."
        )
    pack = rules.lock_seat_pack(db, pack.id)  # pack first, then the session: one lock order
    session = rules.lock_session(db, session.id)
    label = rules.session_label(db, session)
    if pack.course_id is not None and session.course_id != pack.course_id:
        raise Conflict(f"This seat pack is for another course, not {label}.")
    if not pack.valid_from <= session.starts_on <= pack.valid_until:
        raise Conflict(
            f"{label} is outside the pack's validity ({pack.valid_from.isoformat()} to "
            f"{pack.valid_until.isoformat()})."
        )
    used = payers.used_seats(db, pack.id)
    if used >= pack.seats:
        raise Conflict(f"All {pack.seats} seats of this pack are in use; release one first.")
    return take_seat(
        db, session, employee, source="seat_pack", created_by=acting, seat_pack=pack, now=now
    )


def release_assignment(
    db: Session, enrollment: Enrollment, acting: User, *, now: datetime | None = None
) -> Enrollment:
    """Cancel a pack assignment: the pack seat and the session seat are free again."""
    pack = db.get(SeatPack, enrollment.seat_pack_id) if enrollment.seat_pack_id else None
    if pack is None or not can_use_pack(db, acting, pack):
        raise NotFound("There is no such assignment.")
    # The pack's coordinator may release any seat of their pack, even one whose holder
    # has since left the organisation, so no person-level check here.
    session = rules.lock_session(db, enrollment.session_id)
    enrollment = get_enrollment(db, enrollment.id)
    cancel_locked(db, enrollment, session, now or utcnow())
    return enrollment


@dataclass
class Assignment:
    """One pack seat in use (or released), for the usage pages."""

    enrollment: Enrollment
    person: User
    session: CourseSession
    course_title: str


@dataclass
class PackUsage:
    """A pack with its used and unused seats and who uses them."""

    pack: SeatPack
    organisation: Organisation
    course_title: str | None
    used: int
    assignments: list[Assignment] = field(default_factory=list)

    @property
    def unused(self) -> int:
        """Seats still free in the pack."""
        return max(0, self.pack.seats - self.used)


def pack_usages(db: Session, organisation_ids: Iterable[int] | None = None) -> list[PackUsage]:
    """Seat packs (all, or of some organisations) with usage and assignments, newest first."""
    query = select(SeatPack, Organisation).join(
        Organisation, Organisation.id == SeatPack.organisation_id
    )
    if organisation_ids is not None:
        query = query.where(SeatPack.organisation_id.in_(list(organisation_ids)))
    rows = db.execute(query.order_by(SeatPack.valid_until.desc(), SeatPack.id.desc())).all()
    packs = [(pack, org) for pack, org in rows]
    if not packs:
        return []
    assigned = db.execute(
        select(Enrollment, User, CourseSession)
        .join(User, User.id == Enrollment.user_id)
        .join(CourseSession, CourseSession.id == Enrollment.session_id)
        .where(
            Enrollment.seat_pack_id.in_([p.id for p, _ in packs]),
            Enrollment.status.in_(payers.USED_STATUSES),
        )
        .order_by(CourseSession.starts_on, User.display_name)
    ).all()
    course_ids = {p.course_id for p, _ in packs if p.course_id} | {
        s.course_id for _, _, s in assigned
    }
    titles = rules.course_titles(db, course_ids)
    usages = {
        pack.id: PackUsage(pack, org, titles.get(pack.course_id) if pack.course_id else None, 0)
        for pack, org in packs
    }
    for enrollment, person, session in assigned:
        usage = usages[enrollment.seat_pack_id]  # type: ignore[index]
        usage.used += 1
        usage.assignments.append(Assignment(enrollment, person, session, titles[session.course_id]))
    return list(usages.values())


def eligible_sessions(
    db: Session, pack: SeatPack, *, today: date | None = None
) -> list[CourseSession]:
    """Upcoming sessions a pack seat can be used on (course, validity, visible to members)."""
    start = max(pack.valid_from, today or date.today())
    query = select(CourseSession).where(
        CourseSession.status == SessionStatus.SCHEDULED,
        CourseSession.starts_on >= start,
        CourseSession.starts_on <= pack.valid_until,
        visibility.open_to_organisation_clause(pack.organisation_id),
    )
    if pack.course_id is not None:
        query = query.where(CourseSession.course_id == pack.course_id)
    return list(db.scalars(query.order_by(CourseSession.starts_on, CourseSession.id).limit(300)))


def organisation_members(db: Session, organisation_id: int) -> list[User]:
    """Members of an organisation by name (the people a pack seat may go to)."""
    return organisations.member_users(db, organisation_id)
