"""Day bundles: two or three courses of one series on the same date, in one step.

All or nothing: every session is locked (by id) and checked before anything is written,
so a learner never ends up with half a bundle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import utcnow
from app.enrollment import hooks, payers, queries, rules
from app.enrollment.models import DayBundle, Enrollment, EnrollmentStatus
from app.enrollment.seats import check_bookable, refuse_if_enrolled, take_seat
from app.enrollment.waitlist import settle_session
from app.errors import Conflict, Invalid, NotFound
from app.scheduling import visibility
from app.scheduling.models import CourseSession, Series, SessionStatus


@dataclass(frozen=True)
class BundleOffer:
    """What the bundle page shows: the series, its sessions on the date, the price."""

    series: Series
    on_date: date
    sessions: list[queries.SessionSeats]
    price_cents: int | None


def bundle_offer(db: Session, user: User | None, series_id: int, on_date: date) -> BundleOffer:
    """The sessions of a series on one date that the person may see, with seats left."""
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
    return BundleOffer(series, on_date, queries.with_seats(db, sessions), series.bundle_price_cents)


def book_day_bundle(
    db: Session,
    user: User,
    sessions: Sequence[CourseSession],
    *,
    now: datetime | None = None,
) -> tuple[DayBundle, list[Enrollment]]:
    """Book 2 or 3 sessions of one series on one date at the bundle price, or nothing.

    Any full session, or one the learner is already on, refuses the whole bundle with a
    ``Conflict`` naming it. Seats are held (or confirmed: free bundle, invoice customer).
    """
    now = now or utcnow()
    ids = sorted({s.id for s in sessions})
    if len(ids) != len(sessions) or not 2 <= len(ids) <= 3:
        raise Invalid("A day bundle is 2 or 3 different sessions on the same date.")
    locked = rules.lock_sessions(db, ids)  # all of them, in id order, before any count
    if len(locked) != len(ids):
        raise NotFound("There is no such session.")
    first = locked[ids[0]]
    if first.series_id is None or any(
        s.series_id != first.series_id or s.starts_on != first.starts_on for s in locked.values()
    ):
        raise Invalid("A day bundle's sessions must belong to the same series and date.")
    series = db.get(Series, first.series_id)
    if series is None or series.bundle_price_cents is None:
        raise Conflict("This series offers no day-bundle price; book the sessions one by one.")
    if len({s.course_id for s in locked.values()}) != len(ids):
        raise Invalid("A day bundle takes different courses; pick each course once.")
    for session_id in ids:
        session = locked[session_id]
        check_bookable(db, session, user, by_someone_else=False, now=now)
        settle_session(db, session, now)
        refuse_if_enrolled(db, session, user, by_someone_else=False, now=now)
        if rules.count_seats(db, session_id, now) >= session.capacity:
            raise Conflict(
                f"{rules.session_label(db, session)} is full, so the bundle cannot be booked; "
                "nothing was booked."
            )
    bundle = DayBundle(
        user_id=user.id,
        series_id=series.id,
        on_date=first.starts_on,
        price_cents=series.bundle_price_cents,
        currency=series.currency,
    )
    db.add(bundle)
    db.flush()
    enrollments = [
        take_seat(db, locked[sid], user, source="bundle", bundle=bundle, now=now) for sid in ids
    ]
    if bundle.price_cents > 0 and enrollments[0].status == EnrollmentStatus.CONFIRMED:
        # An invoice customer: bill the bundle to the organisation that pays.
        hooks.invoice_booking(db, enrollments, payers.invoice_organisation_id(db, user.id))
    return bundle, enrollments
