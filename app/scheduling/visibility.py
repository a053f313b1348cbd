"""Who may see, book and manage a session or series; when a session starts; date filters.

The one home of these rules (``tests/test_one_home.py`` fails on copies elsewhere). Each
rule is written twice on purpose, side by side: as a SQL clause for lists and as a
predicate for one row, so a session a person can open is a session their lists show.

- See: public sessions are for everyone; an in-house session (``organisation_id`` set) for
  its organisation's members, the facilitators booked on it, and staff (coordinators and
  admins).
- Book: public sessions, and in-house sessions of the person's own organisations; staff
  too must be members to take a seat on an in-house session.
- Run (mark attendance, make documents): staff and the session's facilitators.
- Manage the whole roster: staff, and the coordinators of the in-house session's
  organisation. Per-person rules that need the enrolment live in ``enrollment.rules``.
- Dates: a list "from D" holds every session still running on D (``ends_on >= D``, so a
  multi-day session that began before D is there), "to D" every one begun by D.
- Start: a session starts on its first day at its start time, in its own zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import Role, User
from app.accounts.organisations import coordinated_organisation_ids, member_organisation_ids
from app.db import utcnow
from app.errors import NotFound
from app.scheduling.models import CourseSession, Series, SessionFacilitator, SessionStatus

# --- when a session starts -----------------------------------------------------------


def session_zone(session: CourseSession) -> ZoneInfo:
    """The session's own time zone."""
    return ZoneInfo(session.timezone)


def session_start(session: CourseSession) -> datetime:
    """When the session begins, in UTC (its first day at its start time, in its zone)."""
    local = datetime.combine(session.starts_on, session.start_time, tzinfo=session_zone(session))
    return local.astimezone(UTC)


def has_started(session: CourseSession, now: datetime | None = None) -> bool:
    """True from the first day's start time (in the session's zone) onwards."""
    return (now or utcnow()) >= session_start(session)


def session_end(session: CourseSession) -> datetime:
    """When the session is over, in UTC (its last day at its end time, in its zone)."""
    local = datetime.combine(session.ends_on, session.end_time, tzinfo=session_zone(session))
    return local.astimezone(UTC)


def is_over(session: CourseSession, now: datetime | None = None) -> bool:
    """True once the last day has ended in the session's zone, or it was closed earlier.

    This is when attendance certificates become due: never on saving attendance, so a
    participant who leaves at lunch on the last day is not certified in the morning.
    """
    return session.closed_at is not None or (now or utcnow()) >= session_end(session)


def local_today(session: CourseSession, now: datetime | None = None) -> date:
    """Today's date where the session takes place."""
    return (now or utcnow()).astimezone(session_zone(session)).date()


# --- what a date filter means ----------------------------------------------------------


def dates_clause(date_from: date | None, date_to: date | None) -> ColumnElement[bool]:
    """SQL: sessions with a day between the dates (either end open): running on or after
    ``date_from`` (``ends_on``), begun on or before ``date_to`` (``starts_on``)."""
    parts: list[ColumnElement[bool]] = []
    if date_from is not None:
        parts.append(CourseSession.ends_on >= date_from)
    if date_to is not None:
        parts.append(CourseSession.starts_on <= date_to)
    return and_(true(), *parts)


# --- who ---------------------------------------------------------------------------------


def is_staff(user: User | None) -> bool:
    """Coordinators and admins of the training company: they see every session."""
    return user is not None and user.has_role(Role.COORDINATOR)


def is_public(session: CourseSession | Series) -> bool:
    """A public session or series (not in-house for one organisation)."""
    return session.organisation_id is None


def is_facilitator_of(db: Session, user_id: int, session_id: int) -> bool:
    """True when the person is booked to facilitate the session."""
    return db.get(SessionFacilitator, (session_id, user_id)) is not None


# --- see -------------------------------------------------------------------------------


def public_clause() -> ColumnElement[bool]:
    """SQL: public sessions (what anyone, signed in or not, may see)."""
    return CourseSession.organisation_id.is_(None)


def visible_clause(db: Session, user: User | None) -> ColumnElement[bool]:
    """SQL: the sessions a person may see (the list form of ``can_see_session``)."""
    if user is None:
        return public_clause()
    if is_staff(user):
        return true()
    facilitated = select(SessionFacilitator.session_id).where(SessionFacilitator.user_id == user.id)
    return or_(
        public_clause(),
        CourseSession.organisation_id.in_(member_organisation_ids(db, user.id)),
        CourseSession.id.in_(facilitated),
    )


def can_see_session(db: Session, user: User | None, session: CourseSession) -> bool:
    """Public: everyone; in-house: its organisation's members, its facilitators, staff."""
    if is_public(session):
        return True
    if user is None:
        return False
    return (
        is_staff(user)
        or session.organisation_id in member_organisation_ids(db, user.id)
        or is_facilitator_of(db, user.id, session.id)
    )


def get_visible_session(db: Session, user: User | None, session_id: int) -> CourseSession:
    """A session this person may see, days loaded; ``NotFound`` (not Forbidden) otherwise."""
    query = (
        select(CourseSession)
        .where(CourseSession.id == session_id)
        .options(selectinload(CourseSession.days))
    )
    session = db.scalar(query)
    if session is None or not can_see_session(db, user, session):
        raise NotFound(f"There is no session {session_id}.")
    return session


def visible_sessions(
    db: Session,
    user: User | None,
    *,
    course_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    include_cancelled: bool = False,
    limit: int | None = None,
) -> list[CourseSession]:
    """Sessions the person may see, days loaded, by start (see the module's date rule)."""
    query = select(CourseSession).where(visible_clause(db, user), dates_clause(date_from, date_to))
    if not include_cancelled:
        query = query.where(CourseSession.status == SessionStatus.SCHEDULED)
    if course_id is not None:
        query = query.where(CourseSession.course_id == course_id)
    query = query.order_by(
        CourseSession.starts_on,
        CourseSession.start_time,
        CourseSession.track_position,
        CourseSession.id,
    ).options(selectinload(CourseSession.days))
    if limit is not None:
        query = query.limit(limit)
    return list(db.scalars(query))


# --- book ------------------------------------------------------------------------------


def bookable_clause(db: Session, user: User | None) -> ColumnElement[bool]:
    """SQL: the sessions a person may take a seat on (the list form of ``can_book``)."""
    if user is None:
        return public_clause()
    return or_(
        public_clause(), CourseSession.organisation_id.in_(member_organisation_ids(db, user.id))
    )


def can_book(db: Session, user: User, session: CourseSession) -> bool:
    """Only members take seats on an in-house session (staff too must be members)."""
    return is_public(session) or session.organisation_id in member_organisation_ids(db, user.id)


def open_to_organisation_clause(organisation_id: int) -> ColumnElement[bool]:
    """SQL: sessions an organisation's members may book: public ones and its own."""
    return or_(public_clause(), CourseSession.organisation_id == organisation_id)


# --- manage ----------------------------------------------------------------------------


def can_manage_session(db: Session, user: User, session: CourseSession) -> bool:
    """The whole roster: staff, or a coordinator of the in-house session's organisation."""
    if is_staff(user):
        return True
    return not is_public(session) and session.organisation_id in coordinated_organisation_ids(
        db, user.id
    )


# --- run (teach) --------------------------------------------------------------------


def can_run_session(db: Session, user: User, session_id: int) -> bool:
    """Staff, and the facilitators booked on it: who marks its attendance and makes its
    documents."""
    return is_staff(user) or is_facilitator_of(db, user.id, session_id)


# --- series ----------------------------------------------------------------------------


def public_series_clause() -> ColumnElement[bool]:
    """SQL: public series (their feeds and 'subscribe' links are for everyone)."""
    return Series.organisation_id.is_(None)


def visible_series_clause(db: Session, user: User) -> ColumnElement[bool]:
    """SQL: series a person may list: staff all; others active public ones and their
    organisations'."""
    if is_staff(user):
        return true()
    orgs = member_organisation_ids(db, user.id)
    return and_(or_(public_series_clause(), Series.organisation_id.in_(orgs)), Series.is_active)


def can_see_series(db: Session, user: User, series: Series) -> bool:
    """Public series for everyone; in-house ones for their organisation's members and staff."""
    return (
        is_public(series)
        or is_staff(user)
        or series.organisation_id in member_organisation_ids(db, user.id)
    )
