"""Attendance certificates are due when the session is over (in its zone) or closed, never
on saving attendance; each holder is e-mailed; the certificate says how it was earned."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from app.documents.certificates import issuing
from app.documents.certificates import service as certificates
from app.documents.certificates.render import earned_text, page_for
from app.enrollment import attendance
from app.errors import Conflict, NotFound
from app.scheduling.models import CourseSession, SessionFacilitator
from tests.documents.cert_helpers import enrol, make_completion, make_coordinator
from tests.factories import make_user, read_outbox
from tests.scheduling.calendars.helpers import body_text
from tests.scheduling.factories import make_session, make_venue

DAY = date(2027, 2, 26)  # a Friday: 09:00-17:00 in New York is 14:00-22:00 UTC
LUNCH = datetime(2027, 2, 26, 17, 0, tzinfo=UTC)
JUST_BEFORE_THE_END = datetime(2027, 2, 26, 21, 59, tzinfo=UTC)
AFTER_THE_END = datetime(2027, 2, 26, 22, 0, tzinfo=UTC)


def _attended(db: Session) -> tuple[CourseSession, list]:
    room = make_venue(db, name="APEX Training Centre", address="200 Peachtree St NE, Atlanta")
    session = make_session(db, starts_on=DAY, venue=room)
    people = [make_user(db, name="Ann Lee"), make_user(db, name="Bo Chen")]
    facilitator = make_user(db, name="Femi Ade")
    db.add(SessionFacilitator(session_id=session.id, user_id=facilitator.id))
    seats = [enrol(db, session, person) for person in people]
    attendance.mark_attendance(
        db, session, facilitator, {(seat.id, 1): True for seat in seats}, now=LUNCH
    )
    return session, [facilitator, *people]


def test_nothing_is_issued_until_the_last_day_has_ended_in_the_sessions_zone(
    db: Session, outbox: Path
) -> None:
    session, (_, ann, bo) = _attended(db)
    assert issuing.issue_due_certificates(db, now=LUNCH) == 0
    assert issuing.issue_due_certificates(db, now=JUST_BEFORE_THE_END) == 0
    (first, _) = issuing.session_participants(db, session, now=LUNCH)
    assert not first.eligible and "Due when the session ends" in first.reason
    assert issuing.issue_due_for_session(db, session, now=LUNCH) == []

    assert issuing.issue_due_certificates(db, now=AFTER_THE_END) == 2
    db.commit()
    (cert,) = certificates.certificates_of(db, ann)
    assert earned_text(cert) == "attended, 26 February 2027, APEX Training Centre"
    assert page_for(cert).earned == earned_text(cert)
    ready = [m for m in read_outbox(outbox) if m["Subject"].startswith("Your certificate is ready")]
    assert sorted(m["To"] for m in ready) == sorted([ann.email, bo.email])
    body = body_text(next(m for m in ready if m["To"] == ann.email))
    assert f"/certificates/{cert.id}.pdf" in body and cert.serial in body


def test_closing_the_session_on_its_last_day_issues_at_once(db: Session, outbox: Path) -> None:
    session, (facilitator, ann, _) = _attended(db)
    the_day_before = datetime(2027, 2, 25, 15, 0, tzinfo=UTC)
    with pytest.raises(Conflict, match="last day"):
        attendance.close_session(db, session, facilitator, now=the_day_before)
    with pytest.raises(NotFound):
        attendance.close_session(db, session, ann, now=LUNCH)
    assert session.closed_at is None

    assert attendance.close_session(db, session, facilitator, now=LUNCH) == 2
    assert len(certificates.certificates_of(db, ann)) == 1
    with pytest.raises(Conflict, match="already closed"):
        attendance.close_session(db, session, make_coordinator(db), now=LUNCH)


def test_an_online_completion_says_so(db: Session) -> None:
    learner = make_user(db)
    make_completion(db, learner, completed_at=datetime(2026, 3, 14, 12, 0, tzinfo=UTC))
    assert issuing.issue_due_certificates(db) == 1
    (cert,) = certificates.certificates_of(db, learner)
    assert earned_text(cert) == "completed online, 14 March 2026"
