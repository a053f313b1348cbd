"""A session's roster for coordinators: seats, holds, offers, the waitlist in order, the rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import organisations
from app.accounts.models import User
from app.db import utcnow
from app.enrollment import hooks, payers, rules, views
from app.enrollment.models import Enrollment, EnrollmentStatus
from app.errors import NotFound
from app.formatting import local_time
from app.scheduling import visibility
from app.scheduling.models import CourseSession


@dataclass
class RosterRow:
    """One person on the roster."""

    enrollment: Enrollment
    person: User
    detail: str
    order: hooks.OrderLink | None = None  # staff only: the order page, to refund from
    paid_by: str = ""  # a seat pack or a complimentary reason (an order is ``order``)


@dataclass
class Roster:
    """Everyone on a session that the viewer manages, grouped by status."""

    view: views.SessionView
    whole: bool  # False: an organisation coordinator sees only their members
    confirmed: list[RosterRow] = field(default_factory=list)
    held: list[RosterRow] = field(default_factory=list)
    offered: list[RosterRow] = field(default_factory=list)
    waitlist: list[RosterRow] = field(default_factory=list)
    ended: list[RosterRow] = field(default_factory=list)  # cancelled and expired
    move_targets: list[views.SessionView] = field(default_factory=list)


def managed_session(db: Session, session_id: int, viewer: User) -> CourseSession:
    """A session whose roster (or part of it) the viewer manages; else ``NotFound``."""
    session = db.get(CourseSession, session_id)
    if session is None:
        raise NotFound("There is no such session.")
    if visibility.can_manage_session(db, viewer, session):
        return session
    if visibility.is_public(session) and organisations.coordinated_organisation_ids(db, viewer.id):
        return session  # an organisation coordinator, for their members on a public session
    raise NotFound("There is no such session.")


def _link_orders(db: Session, roster: Roster) -> None:
    """Name each row's order, so staff can open it (and refund) from the roster."""
    rows = [*roster.confirmed, *roster.held, *roster.offered, *roster.waitlist, *roster.ended]
    links = hooks.order_links(db, [row.enrollment.id for row in rows])
    for row in rows:
        row.order = links.get(row.enrollment.id)


def _name_payers(db: Session, roster: Roster) -> None:
    """Say which seats a pack or a complimentary reason pays (an order has its own link)."""
    for row in (*roster.confirmed, *roster.held):
        row.paid_by = payers.payer_text(db, row.enrollment)


def _place(
    roster: Roster, enrollment: Enrollment, now: datetime
) -> tuple[list[RosterRow], datetime | None, str]:
    """The roster list a booking goes in, and the moment its line names ("since 9:00")."""
    status = enrollment.status
    if status == EnrollmentStatus.CONFIRMED:
        return roster.confirmed, enrollment.confirmed_at, "since"
    if status == EnrollmentStatus.HELD and _still_open(enrollment.hold_expires_at, now):
        return roster.held, enrollment.hold_expires_at, "until"
    if status == EnrollmentStatus.OFFERED and _still_open(enrollment.offer_expires_at, now):
        return roster.offered, enrollment.offer_expires_at, "until"
    if status == EnrollmentStatus.WAITLISTED:
        return roster.waitlist, enrollment.waitlisted_at, "since"
    # A lapsed hold or offer is listed with the ended ones, as expired.
    label = "cancelled" if status == EnrollmentStatus.CANCELLED else "expired"
    return roster.ended, enrollment.cancelled_at or enrollment.updated_at, label


def _still_open(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and expires_at > now


def _text(moment: datetime | None, session: CourseSession, prefix: str) -> str:
    return f"{prefix} {local_time(moment, session.timezone)}" if moment else ""


def build_roster(
    db: Session, session: CourseSession, viewer: User, *, now: datetime | None = None
) -> Roster:
    """The roster the viewer may see, the waitlist in the order offers will be made."""
    now = now or utcnow()
    whole = visibility.can_manage_session(db, viewer, session)
    query = (
        select(Enrollment, User)
        .join(User, User.id == Enrollment.user_id)
        .where(Enrollment.session_id == session.id)
        .order_by(Enrollment.waitlisted_at, Enrollment.id)
    )
    if not whole:
        query = query.where(rules.managed_people_clause(db, viewer))
    result = Roster(views.session_view(db, session), whole)
    for enrollment, person in db.execute(query):
        rows, moment, prefix = _place(result, enrollment, now)
        rows.append(RosterRow(enrollment, person, _text(moment, session, prefix)))
    _name_payers(db, result)
    result.confirmed.sort(key=lambda r: r.person.display_name.lower())
    if visibility.is_staff(viewer):
        _link_orders(db, result)
    targets = [
        s
        for s in _same_course(db, viewer, session)
        if s.id != session.id and not visibility.has_started(s, now)
    ]
    # Full sessions stay in the list (shown disabled, marked full): a date missing without
    # a reason reads as if it did not exist.
    result.move_targets = views.session_views(db, targets)
    return result


def _same_course(db: Session, viewer: User, session: CourseSession) -> list[CourseSession]:
    return visibility.visible_sessions(
        db, viewer, course_id=session.course_id, date_from=date.today(), limit=100
    )
