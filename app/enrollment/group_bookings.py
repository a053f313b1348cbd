"""Group bookings: seats for several colleagues across one series date's tracks, one order.

The tracks of a last-Friday date run side by side, so each person takes at most one of
them. Attendees are named by the e-mail of an existing account; the booker pays the one
order (``BookingGroup.user_id``). Names not known yet are what seat packs are for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.service import find_user_by_email
from app.db import utcnow
from app.enrollment import queries
from app.enrollment.booking_groups import Seat, book_together
from app.enrollment.models import BookingGroup, BookingGroupKind, Enrollment
from app.errors import Invalid, NotFound
from app.scheduling import visibility
from app.scheduling.models import CourseSession, Series, SessionStatus

MAX_SEATS = 30  # one form's worth; larger groups are an in-house request


@dataclass(frozen=True)
class GroupDay:
    """What the group-booking page shows: a series date and its tracks with seats left."""

    series: Series
    on_date: date
    sessions: list[queries.SessionSeats]


def group_day(db: Session, user: User | None, series_id: int, on_date: date) -> GroupDay:
    """The scheduled sessions of a series on one date that the person may see."""
    series = db.get(Series, series_id)
    if series is None:
        raise NotFound("There is no such series.")
    query = (
        select(CourseSession)
        .where(
            CourseSession.series_id == series_id,
            CourseSession.starts_on == on_date,
            CourseSession.status == SessionStatus.SCHEDULED,
            visibility.visible_clause(db, user),
        )
        .order_by(CourseSession.track_position, CourseSession.id)
    )
    sessions = list(db.scalars(query))
    if not sessions:
        raise NotFound("This series has no sessions on that date.")
    return GroupDay(series, on_date, queries.with_seats(db, sessions))


def _attendees(db: Session, picks: Sequence[tuple[CourseSession, str]]) -> list[Seat]:
    """Each pick's account, refusing unknown e-mails and anyone named twice."""
    seats: list[Seat] = []
    seen: set[int] = set()
    for session, email in picks:
        person = find_user_by_email(db, email)
        if person is None or not person.is_active:
            raise Invalid(
                f"There is no account for “{email.strip()}”. Ask them to sign up first, "
                "or leave them out and book them later."
            )
        if person.id in seen:
            raise Invalid(
                f"{person.display_name} is named twice: the tracks of a date run side by "
                "side, so each person takes one of them."
            )
        seen.add(person.id)
        seats.append(Seat(session, person))
    return seats


def book_group(
    db: Session,
    booker: User,
    day: GroupDay,
    picks: Sequence[tuple[int, str]],
    *,
    now: datetime | None = None,
) -> tuple[BookingGroup, list[Enrollment]]:
    """Book one seat per (session id, e-mail) on the day's tracks, all or nothing."""
    now = now or utcnow()
    offered = {s.session.id: s.session for s in day.sessions}
    chosen = [(offered.get(session_id), email.strip()) for session_id, email in picks]
    named = [(session, email) for session, email in chosen if email]
    if not named:
        raise Invalid("Name at least one attendee by e-mail, with the course they take.")
    if len(named) > MAX_SEATS:
        raise Invalid(f"Book at most {MAX_SEATS} seats at once; send an in-house request.")
    if any(session is None for session, _ in named):
        raise Invalid("Choose one of this date's courses for every attendee.")
    seats = _attendees(db, [(s, e) for s, e in named if s is not None])
    group = BookingGroup(
        user_id=booker.id,
        kind=BookingGroupKind.GROUP,
        series_id=day.series.id,
        on_date=day.on_date,
        price_cents=sum(seat.session.price_cents for seat in seats),
        currency=day.series.currency,
    )
    return group, book_together(db, booker, seats, group, now=now)
