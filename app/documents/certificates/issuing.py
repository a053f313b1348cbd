"""Automatic and bulk issuing: online completions, attended sessions, a coordinator's batch.

Learning and enrolment sit below documents, so they cannot call this when a completion
or an attendance mark is recorded; :func:`issue_due_certificates` finds what is due
instead and is safe to run any number of times (the ticker runs it every minute).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.content.models import CourseVersion
from app.db import utcnow
from app.documents.certificates.service import issue_or_find
from app.documents.models import Certificate, is_live
from app.enrollment.models import Attendance, Enrollment, EnrollmentStatus
from app.errors import Conflict, Invalid
from app.formatting import local_time
from app.learning.models import Completion
from app.scheduling import visibility
from app.scheduling.models import CourseSession, SessionDay, SessionFacilitator, SessionStatus
from app.scheduling.service import taught_version

log = logging.getLogger(__name__)

AUTOMATIC_DAYS = 90  # sessions that ended longer ago are no longer checked automatically


@dataclass
class Participant:
    """A confirmed participant of a session, their attendance and their certificate."""

    enrollment: Enrollment
    person: User
    days_present: int
    days_total: int
    eligible: bool
    reason: str  # why not eligible ("" when eligible)
    # The newest one for this session, in force or not; failing that, the person's
    # certificate in force for the session's course version from elsewhere (online or
    # another session), which covers this session too: one per person and version.
    certificate: Certificate | None


def attendance_required(version: CourseVersion) -> bool:
    """The course's rule for instructor-led formats: every day attended (default yes)."""
    rule = version.spec.get("completion") or {}
    return bool(rule.get("attendance", True))


def session_version(db: Session, session: CourseSession) -> CourseVersion:
    """The course version a session's certificates record: the one the session teaches.

    That is the version pinned on the session when it was created (or when a coordinator
    moved it on), so a version published after the session does not change what its
    certificates state. Only old sessions without a pin fall back to the current version.
    """
    version = taught_version(db, session)
    if version is None:
        raise Conflict("This session's course has no current version to certify.")
    return version


def facilitator_names(db: Session, session_id: int) -> list[str]:
    """The display names of a session's facilitators, alphabetically."""
    query = (
        select(User.display_name)
        .join(SessionFacilitator, SessionFacilitator.user_id == User.id)
        .where(SessionFacilitator.session_id == session_id)
    )
    return sorted(db.scalars(query), key=str.casefold)


def _session_dates(db: Session, session: CourseSession) -> tuple[date, date]:
    first, last = db.execute(
        select(func.min(SessionDay.date), func.max(SessionDay.date)).where(
            SessionDay.session_id == session.id
        )
    ).one()
    return (first or session.starts_on), (last or session.ends_on)


def session_participants(
    db: Session, session: CourseSession, *, now: datetime | None = None
) -> list[Participant]:
    """Confirmed participants with attendance, whether the rule is met, and their certificate.

    For instructor-led formats attendance is the completion rule: the online rule's
    modules and knowledge checks do not apply. With ``attendance: true`` (the default)
    every day of the session must be marked present; with ``attendance: false`` being
    confirmed is enough. Either way nobody is eligible before the session is over: its
    last day has ended in its own zone, or a facilitator closed it (``visibility.is_over``).
    """
    now = now or utcnow()
    version = session_version(db, session)
    required = attendance_required(version)
    days = set(db.scalars(select(SessionDay.day_index).where(SessionDay.session_id == session.id)))
    rows = db.execute(
        select(Enrollment, User)
        .join(User, User.id == Enrollment.user_id)
        .where(
            Enrollment.session_id == session.id,
            Enrollment.status == EnrollmentStatus.CONFIRMED,
        )
        .order_by(User.display_name, User.id)
    ).all()
    ids = [enrollment.id for enrollment, _ in rows]
    present: dict[int, set[int]] = {i: set() for i in ids}
    if ids:
        marks = select(Attendance).where(
            Attendance.enrollment_id.in_(ids), Attendance.present.is_(True)
        )
        for mark in db.scalars(marks):
            present[mark.enrollment_id].add(mark.day_index)
    certs: dict[int, Certificate] = {}
    for cert in db.scalars(
        select(Certificate).where(Certificate.session_id == session.id).order_by(Certificate.id)
    ):
        certs[cert.user_id] = cert  # the newest wins
    others = [person.id for _, person in rows if person.id not in certs]
    if others:
        elsewhere = select(Certificate).where(
            Certificate.user_id.in_(others),
            Certificate.course_version_id == version.id,
            is_live(),
        )
        for cert in db.scalars(elsewhere):
            certs[cert.user_id] = cert
    participants = []
    for enrollment, person in rows:
        attended = len(present[enrollment.id] & days)
        eligible, reason = _eligibility(session, required, attended, len(days), now)
        participants.append(
            Participant(
                enrollment, person, attended, len(days), eligible, reason, certs.get(person.id)
            )
        )
    return participants


def _eligibility(
    session: CourseSession, required: bool, attended: int, days: int, now: datetime
) -> tuple[bool, str]:
    """Whether one participant's certificate is due, and why not when it is not."""
    if session.status == SessionStatus.CANCELLED:
        return False, "The session was cancelled."
    if not days:
        return False, "The session has no days."
    if required and attended < days:
        return False, f"Attended {attended} of {days} days."
    if not visibility.is_over(session, now):
        ends = local_time(visibility.session_end(session), session.timezone)
        return False, f"Due when the session ends ({ends}) or is closed."
    return True, ""


def _issue_for_participants(
    db: Session, session: CourseSession, participants: list[Participant]
) -> list[Certificate]:
    # A person with any certificate for the session (even a revoked one) is skipped:
    # automatic or bulk issuing must never undo a coordinator's revocation. So is one
    # who holds a certificate in force for this version from elsewhere (see Participant).
    due = [p for p in participants if p.eligible and p.certificate is None]
    if not due:
        return []
    version = session_version(db, session)
    first, last = _session_dates(db, session)
    names = facilitator_names(db, session.id)
    issued = []
    for p in due:
        # issue_or_find settles a race with another issuer (the ticker while a coordinator
        # bulk-issues): the one already in force is found, and not counted as issued here.
        cert, created = issue_or_find(
            db,
            user=p.person,
            course_version=version,
            session=session,
            first_date=first,
            last_date=last,
            facilitator_names=names,
        )
        if created:
            issued.append(cert)
    return issued


def issue_due_for_session(
    db: Session, session: CourseSession, *, now: datetime | None = None
) -> list[Certificate]:
    """Issue what is due for one session (on closing it, before a print pack).

    Returns the certificates issued now; nothing for a cancelled session or one that is
    not over yet.
    """
    if session.status == SessionStatus.CANCELLED:
        return []
    return _issue_for_participants(db, session, session_participants(db, session, now=now))


def on_session_closed(db: Session, session: CourseSession) -> int:
    """Hook receiver: a facilitator closed the session; issue what is now due."""
    return len(issue_due_for_session(db, session))


def issue_for_session(db: Session, session: CourseSession, *, acting: User) -> list[Certificate]:
    """Coordinator's bulk issue: certificates for every participant who met the rule.

    Returns the certificates issued now; people who already have one, or whose
    certificate was revoked, are left as they are.
    """
    if session.status == SessionStatus.CANCELLED:
        raise Invalid("This session was cancelled; there is nothing to certify.")
    issued = issue_due_for_session(db, session)
    log.info("%d certificates issued for session %s by user %s", len(issued), session.id, acting.id)
    return issued


def _due_online(db: Session, user_id: int | None) -> list[Completion]:
    # Any online certificate, even a revoked one, means "dealt with" (a revocation stands);
    # a certificate in force from a session covers the version as well.
    has_certificate = exists().where(
        Certificate.user_id == Completion.user_id,
        Certificate.course_version_id == Completion.course_version_id,
        Certificate.session_id.is_(None),
    )
    has_live = exists().where(
        Certificate.user_id == Completion.user_id,
        Certificate.course_version_id == Completion.course_version_id,
        is_live(),
    )
    query = select(Completion).where(~has_certificate, ~has_live)
    if user_id is not None:
        query = query.where(Completion.user_id == user_id)
    return list(db.scalars(query.order_by(Completion.id)))


def _sessions_with_due_participants(
    db: Session, user_id: int | None, now: datetime
) -> list[CourseSession]:
    has_certificate = exists().where(
        Certificate.user_id == Enrollment.user_id,
        Certificate.session_id == Enrollment.session_id,
    )
    # Covered by a certificate in force for the session's version from elsewhere (online
    # or another session). Sessions without a pinned version are left to the check in
    # Python (session_participants), which knows the version they fall back to.
    has_live_for_version = exists().where(
        Certificate.user_id == Enrollment.user_id,
        Certificate.course_version_id == CourseSession.course_version_id,
        is_live(),
    )
    any_attendance = exists().where(
        and_(Attendance.enrollment_id == Enrollment.id, Attendance.present.is_(True))
    )
    today = now.date()
    # A coarse date filter (UTC "today" is within a day of every zone's); is_over then
    # decides exactly, in the session's own zone.
    over = (CourseSession.ends_on <= today + timedelta(days=1)) | CourseSession.closed_at.is_not(
        None
    )
    query = (
        select(Enrollment.session_id)
        .join(CourseSession, CourseSession.id == Enrollment.session_id)
        .where(
            Enrollment.status == EnrollmentStatus.CONFIRMED,
            CourseSession.status != SessionStatus.CANCELLED,
            over,
            # Bounded, so partial attenders of old sessions are not re-examined forever;
            # a coordinator's bulk issue still covers older sessions.
            CourseSession.ends_on >= today - timedelta(days=AUTOMATIC_DAYS),
            ~has_certificate,
            ~has_live_for_version,
            # Cheap pre-filter: with attendance required someone must have been marked
            # present; sessions without that rule are checked by date in Python.
            any_attendance | (CourseSession.ends_on < today),
        )
        .distinct()
    )
    if user_id is not None:
        query = query.where(Enrollment.user_id == user_id)
    ids = sorted(db.scalars(query))
    return [s for s in (db.get(CourseSession, i) for i in ids) if s is not None]


def _issue_for_completion(db: Session, completion: Completion) -> bool:
    """Issue (or find) the certificate of one online completion; True when issued now."""
    user = db.get(User, completion.user_id)
    version = db.get(CourseVersion, completion.course_version_id)
    if user is None or version is None:
        return False
    day = completion.completed_at.date()
    _, created = issue_or_find(db, user=user, course_version=version, first_date=day, last_date=day)
    return created


def on_course_completed(db: Session, completion: Completion) -> None:
    """Hook receiver: a learner completed a course online; issue its certificate now."""
    _issue_for_completion(db, completion)


def issue_due_certificates(
    db: Session, *, user_id: int | None = None, now: datetime | None = None
) -> int:
    """Issue every certificate that is due; returns how many were issued.

    Online: each recorded Completion without a certificate for that person and course
    version (and no session). Instructor-led: each confirmed participant of a session that
    is over (``visibility.is_over``), ended in the last ``AUTOMATIC_DAYS`` days, who met
    the rule (see :func:`session_participants`) and has no certificate for it. Either way,
    a person who already holds a certificate in force for the version gets no second one. A revoked
    certificate is never issued again automatically. ``user_id`` limits the work
    to one person. The ticker runs it; pages never do (a GET must not write), and an
    online completion is certified at once through ``on_course_completed``.
    """
    now = now or utcnow()
    issued = sum(_issue_for_completion(db, c) for c in _due_online(db, user_id))
    for session in _sessions_with_due_participants(db, user_id, now):
        try:
            participants = session_participants(db, session, now=now)
        except Conflict:
            continue  # a course without a current version: nothing to certify yet
        if user_id is not None:
            participants = [p for p in participants if p.person.id == user_id]
        issued += len(_issue_for_participants(db, session, participants))
    return issued
