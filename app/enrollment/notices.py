"""Messages to people about their enrolments (e-mail, with calendar attachments).

(being written) The enrolment service calls these after it has changed state; they must
never raise for a delivery problem (log it instead), so a mail failure cannot undo a seat.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from app.enrollment.models import Enrollment
from app.scheduling.models import CourseSession

log = logging.getLogger(__name__)


def enrollment_confirmed(db: Session, enrollment: Enrollment) -> None:
    """Tell the learner their seat is confirmed (with an .ics of the session)."""
    log.info("notice: enrolment %s confirmed", enrollment.id)


def enrollment_held(db: Session, enrollment: Enrollment) -> None:
    """Tell the learner a seat is held for them until it expires."""
    log.info("notice: enrolment %s held", enrollment.id)


def waitlist_joined(db: Session, enrollment: Enrollment) -> None:
    """Tell the learner they are on the waitlist."""
    log.info("notice: enrolment %s waitlisted", enrollment.id)


def waitlist_offer(db: Session, enrollment: Enrollment) -> None:
    """Offer a freed seat to the first in line, valid until ``offer_expires_at``."""
    log.info("notice: enrolment %s offered a seat", enrollment.id)


def enrollment_cancelled(db: Session, enrollment: Enrollment) -> None:
    """Confirm a cancellation to the learner (with a cancelling .ics)."""
    log.info("notice: enrolment %s cancelled", enrollment.id)


def enrollment_moved(db: Session, enrollment: Enrollment, old_session: CourseSession) -> None:
    """Tell the learner they were moved to another session of the same course."""
    log.info("notice: enrolment %s moved from session %s", enrollment.id, old_session.id)


def session_cancelled(db: Session, session: CourseSession, enrollments: list[Enrollment]) -> None:
    """Tell everyone on a cancelled session (go/no-go or a coordinator's decision)."""
    log.info("notice: session %s cancelled, %d people told", session.id, len(enrollments))
