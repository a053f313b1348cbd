"""What the enrolment pages show: sessions and bookings, formatted in the session's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Organisation, User
from app.db import utcnow
from app.enrollment import queries, rules
from app.enrollment.models import Enrollment, EnrollmentStatus
from app.enrollment.payers import payer_text, paying_user_id
from app.enrollment.waitlist import waitlist_position
from app.formatting import local_time, long_date, price, time_range
from app.scheduling import visibility
from app.scheduling.models import CourseSession, SessionStatus, Venue

STATUS_TEXT = {
    EnrollmentStatus.HELD: "Seat held",
    EnrollmentStatus.CONFIRMED: "Confirmed",
    EnrollmentStatus.WAITLISTED: "On the waitlist",
    EnrollmentStatus.OFFERED: "Seat offered",
    EnrollmentStatus.CANCELLED: "Cancelled",
    EnrollmentStatus.EXPIRED: "Expired",
}


def when_text(session: CourseSession) -> str:
    """Dates and times of a session in its own zone."""
    hours = time_range(session.start_time, session.end_time)
    if session.ends_on == session.starts_on:
        days = long_date(session.starts_on)
    else:
        first, last = session.starts_on, session.ends_on
        days = f"{long_date(first)} to {long_date(last)}"
    return f"{days}, {hours} ({session.timezone} time)"


@dataclass(frozen=True)
class SessionView:
    """A session as pages show it."""

    session: CourseSession
    course_title: str
    when: str
    price: str
    seats_left: int
    waitlisted: int
    venue: Venue | None
    organisation_name: str | None

    @property
    def full(self) -> bool:
        """True when no seat is free (new bookings join the waitlist)."""
        return self.seats_left == 0


def session_views(db: Session, sessions: list[CourseSession]) -> list[SessionView]:
    """Sessions with titles, seat figures, venue and (in-house) organisation name."""
    figures = queries.with_seats(db, sessions)
    venue_ids = {s.venue_id for s in sessions if s.venue_id}
    venues = {v.id: v for v in db.scalars(select(Venue).where(Venue.id.in_(venue_ids)))}
    org_ids = {s.organisation_id for s in sessions if s.organisation_id}
    orgs = dict(
        db.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids))
        ).all()
    )
    return [
        SessionView(
            f.session,
            f.course_title,
            when_text(f.session),
            price(f.session.price_cents, f.session.currency),
            f.seats_left,
            f.waitlisted,
            venues.get(f.session.venue_id) if f.session.venue_id else None,
            orgs.get(f.session.organisation_id) if f.session.organisation_id else None,
        )
        for f in figures
    ]


def session_view(db: Session, session: CourseSession) -> SessionView:
    """One session as pages show it."""
    return session_views(db, [session])[0]


@dataclass(frozen=True)
class BookingView:
    """One of the learner's bookings with what they can do about it."""

    enrollment: Enrollment
    session: SessionView
    status_text: str
    detail: str
    can_cancel: bool
    can_transfer: bool
    cutoff: str
    upcoming: bool
    can_pay: bool = False  # a live hold this person pays for (a group's booker pays its seats)
    booker_pays: bool = False  # a live hold a colleague booked and pays for


def _detail(db: Session, enrollment: Enrollment, session: CourseSession, now: datetime) -> str:
    if enrollment.status == EnrollmentStatus.HELD and enrollment.hold_expires_at:
        if enrollment.hold_expires_at <= now:
            return "The hold ran out."
        return f"Held for you until {local_time(enrollment.hold_expires_at, session.timezone)}."
    if enrollment.status == EnrollmentStatus.OFFERED and enrollment.offer_expires_at:
        if enrollment.offer_expires_at <= now:
            return "The offer ran out."
        until = local_time(enrollment.offer_expires_at, session.timezone)
        return f"A seat is free for you: accept it by {until}."
    if enrollment.status == EnrollmentStatus.WAITLISTED:
        return f"Number {waitlist_position(db, enrollment)} in line."
    if enrollment.status == EnrollmentStatus.CONFIRMED:
        paid_by = payer_text(db, enrollment)  # "Paid from Northwind's seat pack"
        return f"{paid_by}." if paid_by else ""
    return ""


def booking_view(
    db: Session, enrollment: Enrollment, view: SessionView, *, now: datetime | None = None
) -> BookingView:
    """One booking with its status in words and what the learner may still do."""
    now = now or utcnow()
    session = view.session
    live_hold = (
        enrollment.status == EnrollmentStatus.HELD
        and enrollment.hold_expires_at is not None
        and enrollment.hold_expires_at > now
    )
    live_seat = enrollment.status == EnrollmentStatus.CONFIRMED or live_hold
    in_line = enrollment.status in (EnrollmentStatus.WAITLISTED, EnrollmentStatus.OFFERED)
    # A confirmed seat may change only until the cut-off; holds and places in line any time.
    changeable = enrollment.status != EnrollmentStatus.CONFIRMED or now <= rules.change_cutoff(
        session
    )
    upcoming = (
        not visibility.has_started(session, now) and session.status == SessionStatus.SCHEDULED
    )
    own_payment = paying_user_id(db, enrollment) == enrollment.user_id
    status_text = STATUS_TEXT[enrollment.status]
    if enrollment.status == EnrollmentStatus.HELD and not live_hold:
        status_text = STATUS_TEXT[EnrollmentStatus.EXPIRED]
    return BookingView(
        enrollment,
        view,
        status_text,
        _detail(db, enrollment, session, now),
        can_cancel=upcoming and (live_seat or in_line) and changeable,
        can_transfer=upcoming and live_seat and changeable,
        cutoff=local_time(rules.change_cutoff(session), session.timezone),
        upcoming=upcoming and (live_seat or in_line),
        can_pay=live_hold and own_payment,
        booker_pays=live_hold and not own_payment,
    )


def booking_views(db: Session, user: User) -> list[BookingView]:
    """All of a learner's bookings: upcoming ones first (by date), then the rest."""
    now = utcnow()
    rows = queries.learner_enrollments(db, user.id, statuses=list(STATUS_TEXT))
    sessions = list({s.id: s for _, s in rows}.values())
    by_id = {v.session.id: v for v in session_views(db, sessions)}
    result = [booking_view(db, e, by_id[s.id], now=now) for e, s in rows]
    result.sort(key=lambda b: (not b.upcoming, b.session.session.starts_on))
    return result


def transfer_targets(
    db: Session, user: User, session: CourseSession, *, today: date | None = None
) -> list[SessionView]:
    """Other upcoming sessions of the same course the person may book, full ones too (the
    page shows those disabled, marked full)."""
    candidates = visibility.visible_sessions(
        db, user, course_id=session.course_id, date_from=today or date.today(), limit=500
    )
    now = utcnow()
    candidates = [
        s
        for s in candidates
        if s.id != session.id
        and not visibility.has_started(s, now)
        and visibility.can_book(db, user, s)
    ]
    return session_views(db, candidates)
