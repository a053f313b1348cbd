"""What a confirmation page says before a cancel or a move: who is affected, what is
refunded (payments' own rule, asked through ``hooks.refund_preview``), and who is told.

Everything here only reads: the page that shows it must leave the database as it was,
so going back from a confirmation page changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import utcnow
from app.enrollment import hooks, views
from app.enrollment.models import Enrollment, EnrollmentStatus
from app.scheduling.models import CourseSession, SessionFacilitator

SEAT_STATUSES = (EnrollmentStatus.CONFIRMED, EnrollmentStatus.HELD, EnrollmentStatus.OFFERED)
NO_ORDER = (
    "No money changes hands: no order pays for this seat (free, complimentary or from a seat pack)."
)


def _waiting(db: Session, session_id: int) -> int:
    query = select(func.count(Enrollment.id)).where(
        Enrollment.session_id == session_id, Enrollment.status == EnrollmentStatus.WAITLISTED
    )
    return int(db.scalar(query) or 0)


def _facilitator_count(db: Session, session_id: int) -> int:
    query = select(func.count()).where(SessionFacilitator.session_id == session_id)
    return int(db.scalar(query) or 0)


def refund_text(db: Session, enrollment: Enrollment, reason: hooks.Release) -> str:
    """The refund a cancellation gives now, in a sentence (payments decides the amount)."""
    if enrollment.status not in SEAT_STATUSES:
        return "Nothing is refunded: a place on the waitlist costs nothing."
    preview = hooks.refund_preview(db, enrollment, reason)
    return preview.text if preview is not None else NO_ORDER


def _freed_seat(db: Session, enrollment: Enrollment, session_id: int) -> str | None:
    """What the seat left behind does: it is offered to the first in line, if anyone."""
    if enrollment.status not in SEAT_STATUSES:
        return None
    waiting = _waiting(db, session_id)
    if not waiting:
        return "The freed seat becomes free for anyone to book (nobody is on the waitlist)."
    return (
        f"The freed seat is offered at once to the first of the {waiting} "
        f"{'person' if waiting == 1 else 'people'} on the waitlist, who is e-mailed the offer."
    )


@dataclass(frozen=True)
class CancelPreview:
    """A booking about to be cancelled."""

    enrollment: Enrollment
    person: User
    view: views.SessionView
    refund: str
    told: list[str]


def cancel_preview(
    db: Session, enrollment: Enrollment, reason: hooks.Release, *, by_learner: bool
) -> CancelPreview:
    """What cancelling ``enrollment`` would do, for its confirmation page."""
    session = db.get(CourseSession, enrollment.session_id)
    person = db.get(User, enrollment.user_id)
    assert session is not None and person is not None
    told: list[str] = []
    if enrollment.status in SEAT_STATUSES:
        who = "You are" if by_learner else f"{person.display_name} is"
        told.append(
            f"{who} e-mailed that the booking is cancelled, with a calendar update that "
            "removes the session."
        )
    told.append("The facilitators are not e-mailed; the session's roster shows the change.")
    freed = _freed_seat(db, enrollment, session.id)
    if freed:
        told.append(freed)
    return CancelPreview(
        enrollment,
        person,
        views.session_view(db, session),
        refund_text(db, enrollment, reason),
        told,
    )


@dataclass(frozen=True)
class MovePreview:
    """A seat about to move from one session to another."""

    enrollment: Enrollment
    person: User
    old: views.SessionView
    new: views.SessionView
    price: str
    told: list[str]


def move_preview(
    db: Session, enrollment: Enrollment, target: CourseSession, *, by_learner: bool
) -> MovePreview:
    """What moving ``enrollment`` to ``target`` would do, for its confirmation page."""
    old_session = db.get(CourseSession, enrollment.session_id)
    person = db.get(User, enrollment.user_id)
    assert old_session is not None and person is not None
    old, new = views.session_view(db, old_session), views.session_view(db, target)
    if target.price_cents == old_session.price_cents or target.currency != old_session.currency:
        price = "The price stays the same."
    else:
        direction = "less" if target.price_cents < old_session.price_cents else "more"
        price = (
            f"The new session costs {direction} ({new.price} instead of {old.price}): the "
            "difference is settled on the seat's order (refunded or credited when it costs "
            "less, invoiced when it costs more)."
        )
    who = "You are" if by_learner else f"{person.display_name} is"
    told = [f"{who} e-mailed the new dates, with a calendar update."]
    freed = _freed_seat(db, enrollment, old_session.id)
    if freed:
        told.append(freed.replace("The freed seat", "The seat left on the old date"))
    return MovePreview(enrollment, person, old, new, price, told)


@dataclass(frozen=True)
class PersonRefund:
    """One person on a session about to be cancelled, with what they get back."""

    person: User
    status: str
    refund: str


@dataclass
class SessionCancelPreview:
    """A whole session about to be cancelled: everyone on it and what each gets back."""

    view: views.SessionView
    confirmed: int = 0
    held: int = 0
    offered: int = 0
    waitlisted: int = 0
    facilitators: int = 0
    people: list[PersonRefund] = field(default_factory=list)


def session_cancel_preview(db: Session, session: CourseSession) -> SessionCancelPreview:
    """Everyone a session's cancellation reaches, each with their refund in full by policy."""
    result = SessionCancelPreview(views.session_view(db, session))
    result.facilitators = _facilitator_count(db, session.id)
    now = utcnow()
    rows = db.execute(
        select(Enrollment, User)
        .join(User, User.id == Enrollment.user_id)
        .where(Enrollment.session_id == session.id)
        .order_by(User.display_name, Enrollment.id)
    ).all()
    for enrollment, person in rows:
        status = enrollment.status
        if status == EnrollmentStatus.HELD and not (
            enrollment.hold_expires_at and enrollment.hold_expires_at > now
        ):
            continue  # a hold that ran out is no longer anyone's seat
        if status not in (*SEAT_STATUSES, EnrollmentStatus.WAITLISTED):
            continue
        counted = {
            EnrollmentStatus.CONFIRMED: "confirmed",
            EnrollmentStatus.HELD: "held",
            EnrollmentStatus.OFFERED: "offered",
            EnrollmentStatus.WAITLISTED: "waitlisted",
        }[status]
        setattr(result, counted, getattr(result, counted) + 1)
        refund = refund_text(db, enrollment, hooks.Release.SESSION_CANCELLED)
        result.people.append(PersonRefund(person, views.STATUS_TEXT[status], refund))
    return result
