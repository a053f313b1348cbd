"""Messages to people about their enrolments (e-mail, with calendar attachments).

The enrolment service calls these after it has changed state; they never raise for a
delivery problem (it is logged instead), so a mail failure cannot undo a seat. Dates and
times are written in the session's own time zone, naming the zone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.base_url import absolute_url
from app.config import get_settings
from app.enrollment.models import Enrollment, EnrollmentStatus
from app.formatting import local_time, long_date
from app.notifications.mail import send_template
from app.scheduling import calendar, feeds
from app.scheduling.models import CourseSession, SessionFacilitator, Venue

log = logging.getLogger(__name__)

INVITE = "text/calendar; charset=utf-8; method=REQUEST"
CANCEL = "text/calendar; charset=utf-8; method=CANCEL"


@dataclass
class _About:
    """Everything a message says about one session."""

    session: CourseSession
    title: str
    format_title: str
    when: str
    first_day: str
    location: str
    online_url: str | None
    url: str

    def context(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "format_title": self.format_title,
            "when": self.when,
            "first_day": self.first_day,
            "location": self.location,
            "online_url": self.online_url,
            "url": self.url,
            "timezone": self.session.timezone,
            "cancel_reason": self.session.cancel_reason,
        }


def _about(db: Session, session: CourseSession) -> _About:
    feeds.with_days(db, [session])
    label = feeds.course_labels(db, [session.course_id]).get(session.course_id)
    venue = db.get(Venue, session.venue_id) if session.venue_id is not None else None
    days = calendar.session_days(session)
    return _About(
        session=session,
        title=label.title if label else "your course",
        format_title=label.format_title(session.format_id) if label else session.format_id,
        when=calendar.when_text(session, days),
        first_day=long_date(days[0]),
        location=calendar.location_text(session, venue) or "to be announced",
        online_url=session.online_url or (venue.online_url if venue is not None else None),
        url=feeds.session_url(session.id),
    )


def _deliver(
    db: Session,
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> bool:
    """Queue one message to go out when ``db`` commits; a failure is logged, never raised.

    True when it was queued (it is then sent on commit; a mail server that refuses it
    then is logged by the mail module).
    """
    try:
        send_template(
            to=to,
            subject=subject,
            template=f"emails/{template}",
            context=context,
            attachments=attachments,
            after_commit_of=db,
        )
    except Exception:
        log.exception("could not send %r to %s", subject, to)
        return False
    return True


def _notify(
    db: Session,
    enrollment: Enrollment,
    *,
    subject: str,
    template: str,
    ics_method: str | None = None,
    extra: dict[str, Any] | None = None,
    session: CourseSession | None = None,
    also_cancel: CourseSession | None = None,
) -> bool:
    """Tell the enrolment's learner about ``session`` (default: the enrolment's own)."""
    try:
        user = db.get(User, enrollment.user_id)
        target = session or db.get(CourseSession, enrollment.session_id)
        if user is None or target is None:
            log.warning("notice %s: enrolment %s has no user or session", template, enrollment.id)
            return False
        about = _about(db, target)
        context = {
            **about.context(),
            "name": user.display_name,
            "bookings_url": _bookings_url(),
            **(extra or {}),
        }
        attachments = []
        if ics_method is not None:
            body = feeds.invitation(db, target, method=ics_method, attendee=user.email)
            mime = INVITE if ics_method == "REQUEST" else CANCEL
            attachments.append(("invite.ics", mime, body))
        if also_cancel is not None:
            body = feeds.invitation(db, also_cancel, method="CANCEL", attendee=user.email)
            attachments.append(("cancel-previous.ics", CANCEL, body))
        subject_line = subject.format(title=about.title, day=about.first_day)
        return _deliver(db, user.email, subject_line, template, context, attachments)
    except Exception:
        # A bug in building the message must not undo the caller's enrolment change.
        log.exception("notice %s for enrolment %s failed", template, enrollment.id)
        return False


def _bookings_url() -> str:
    return absolute_url("/bookings")


@dataclass(frozen=True)
class _Notice:
    """One kind of message to an enrolment's learner: its subject, template and .ics."""

    subject: str  # may name {title} and {day}
    template: str  # under templates/emails/
    ics_method: str | None = None  # REQUEST or CANCEL attaches an invitation

    def __call__(self, db: Session, enrollment: Enrollment, **extra: Any) -> bool:
        """Send it about the enrolment's session; True when it was queued."""
        return _notify(
            db,
            enrollment,
            subject=self.subject,
            template=self.template,
            ics_method=self.ics_method,
            extra=extra,
        )


# Tell the learner their seat is confirmed (with an .ics of the session).
enrollment_confirmed = _Notice("Confirmed: {title}, {day}", "enrolment_confirmed.txt", "REQUEST")
# Tell the learner they are on the waitlist.
waitlist_joined = _Notice("On the waitlist: {title}, {day}", "enrolment_waitlisted.txt")
# Confirm a cancellation to the learner (with a cancelling .ics).
enrollment_cancelled = _Notice(
    "Cancelled: your place on {title}, {day}", "enrolment_cancelled.txt", "CANCEL"
)
# Remind a confirmed learner that their session starts soon.
session_reminder = _Notice("Reminder: {title} starts {day}", "session_reminder.txt", "REQUEST")
_HELD = _Notice("Seat held: {title}, {day}", "enrolment_held.txt")
_OFFER = _Notice("A seat is free for you: {title}, {day}", "enrolment_offer.txt")
_HOLD_EXPIRED = _Notice("Seat released: {title}, {day}", "enrolment_hold_expired.txt")
_OFFER_EXPIRED = _Notice("Offer passed on: {title}, {day}", "enrolment_offer_expired.txt")


def _until(db: Session, enrollment: Enrollment, at: datetime | None, otherwise: str) -> str:
    """``at`` in the session's own zone, or ``otherwise`` when there is no time to name."""
    session = db.get(CourseSession, enrollment.session_id)
    return local_time(at, session.timezone) if at is not None and session is not None else otherwise


def enrollment_held(db: Session, enrollment: Enrollment) -> None:
    """Tell the learner a seat is held for them until it expires."""
    _HELD(db, enrollment, expires=_until(db, enrollment, enrollment.hold_expires_at, "shortly"))


def waitlist_offer(db: Session, enrollment: Enrollment) -> None:
    """Offer a freed seat to the first in line, valid until ``offer_expires_at``."""
    fallback = f"{get_settings().waitlist_offer_hours} hours from now"
    _OFFER(db, enrollment, expires=_until(db, enrollment, enrollment.offer_expires_at, fallback))


def hold_expired(db: Session, enrollment: Enrollment, expired_at: datetime) -> None:
    """Tell the learner their held seat was released (payment not completed in time)."""
    _HOLD_EXPIRED(db, enrollment, expired=_until(db, enrollment, expired_at, "the deadline"))


def offer_expired(db: Session, enrollment: Enrollment, expired_at: datetime) -> None:
    """Tell the learner the seat offered to them passed to the next in line."""
    _OFFER_EXPIRED(db, enrollment, expired=_until(db, enrollment, expired_at, "the deadline"))


def session_rescheduled(db: Session, session: CourseSession, was_when: str, was_where: str) -> None:
    """Tell each confirmed participant and facilitator that the session's date, time or
    place changed, with an updated invitation (same UID, the new SEQUENCE)."""
    extra = {"was_when": was_when, "was_where": was_where, "facilitating": False}
    confirmed = db.scalars(
        select(Enrollment).where(
            Enrollment.session_id == session.id,
            Enrollment.status == EnrollmentStatus.CONFIRMED,
        )
    )
    told: set[int] = set()
    for enrollment in confirmed:
        told.add(enrollment.user_id)
        _notify(
            db,
            enrollment,
            subject="Changed: {title}, {day}",
            template="session_changed.txt",
            ics_method="REQUEST",
            extra=extra,
            session=session,
        )
    _tell_facilitators(
        db,
        session,
        told,
        subject="Changed: {title}, {day}",
        template="session_changed.txt",
        ics_method="REQUEST",
        extra={**extra, "facilitating": True},
    )


def enrollment_moved(db: Session, enrollment: Enrollment, old_session: CourseSession) -> None:
    """Tell the learner they were moved to another session of the same course."""
    try:
        old = _about(db, old_session)
        extra = {"old_when": old.when, "old_location": old.location}
    except Exception:
        log.exception("notice: describing the old session of enrolment %s failed", enrollment.id)
        extra = {"old_when": "", "old_location": ""}
    _notify(
        db,
        enrollment,
        subject="Moved: {title} is now on {day}",
        template="enrolment_moved.txt",
        ics_method="REQUEST" if enrollment.status == EnrollmentStatus.CONFIRMED else None,
        extra={**extra, "status_confirmed": enrollment.status == EnrollmentStatus.CONFIRMED},
        # One iTIP method per calendar object, so the old date's CANCEL is its own file.
        also_cancel=old_session,
    )


def session_cancelled(db: Session, session: CourseSession, enrollments: list[Enrollment]) -> None:
    """Tell everyone on a cancelled session (go/no-go or a coordinator's decision)."""
    told: set[int] = set()
    for enrollment in enrollments:
        if enrollment.user_id in told:
            continue
        told.add(enrollment.user_id)
        _notify(
            db,
            enrollment,
            subject="Session cancelled: {title}, {day}",
            template="session_cancelled.txt",
            ics_method="CANCEL",
            extra={"facilitating": False},
            session=session,
        )
    _tell_facilitators(db, session, told)


def _tell_facilitators(
    db: Session,
    session: CourseSession,
    told: set[int],
    *,
    subject: str = "Session cancelled: {title}, {day}",
    template: str = "session_cancelled.txt",
    ics_method: str = "CANCEL",
    extra: dict[str, Any] | None = None,
) -> None:
    """Send the session's facilitators (not already ``told``) the notice, with its .ics."""
    try:
        query = select(User).join(SessionFacilitator, SessionFacilitator.user_id == User.id)
        facilitators = db.scalars(query.where(SessionFacilitator.session_id == session.id))
        about = _about(db, session)
        mime = INVITE if ics_method == "REQUEST" else CANCEL
        for user in facilitators:
            if user.id in told:
                continue
            ics = feeds.invitation(db, session, method=ics_method, attendee=user.email)
            _deliver(
                db,
                user.email,
                subject.format(title=about.title, day=about.first_day),
                template,
                {
                    **about.context(),
                    "name": user.display_name,
                    "bookings_url": _bookings_url(),
                    "facilitating": True,
                    **(extra or {}),
                },
                [("invite.ics", mime, ics)],
            )
    except Exception:
        log.exception("notice: telling facilitators of session %s failed", session.id)
