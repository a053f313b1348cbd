"""One certificate in force per person and course version, held by the database itself."""

from __future__ import annotations

import secrets
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.content.models import CourseVersion
from app.db import utcnow
from app.documents.certificates import issuing as certificate_issuing
from app.documents.certificates import service as certificates
from app.documents.models import Certificate, is_live
from tests.documents.cert_helpers import (
    current_version,
    make_attended_session,
    make_completion,
    make_coordinator,
)
from tests.factories import make_user


def _row(db: Session, user: User, version: CourseVersion) -> Certificate:
    """A certificate row inserted directly, past every check in the service."""
    cert = Certificate(
        serial=f"TEST-{secrets.token_hex(6)}", token=secrets.token_urlsafe(24), user_id=user.id,
        course_id=version.course_id, course_version_id=version.id, holder_name=user.display_name,
        course_title=version.title, course_version=version.version,
        credit_hours=version.credit_hours, first_date=date(2026, 3, 9),
        last_date=date(2026, 3, 9),
    )  # fmt: skip
    with db.begin_nested():  # a refused insert leaves the test's transaction usable
        db.add(cert)
        db.flush()
    return cert


def _live(db: Session, user: User) -> int:
    query = select(func.count()).where(Certificate.user_id == user.id, is_live())
    return db.scalar(query) or 0


def test_the_database_refuses_a_second_certificate_in_force(db: Session) -> None:
    learner, version = make_user(db), current_version(db)
    first = _row(db, learner, version)
    with pytest.raises(IntegrityError):
        _row(db, learner, version)
    # Another person, or the same person after revocation or replacement, is fine.
    _row(db, make_user(db), version)
    first.revoked_at = utcnow()
    db.flush()
    second = _row(db, learner, version)
    second.replaced_by_id = first.id  # replaced (the app also revokes; the index needs either)
    db.flush()
    third = _row(db, learner, version)
    assert _live(db, learner) == 1 and third.id > second.id


def test_reissue_after_a_name_correction_keeps_one_in_force(db: Session) -> None:
    coordinator = make_coordinator(db)
    learner = make_user(db, name="Lukasz Zolc")
    session, _ = make_attended_session(db, days=1, participants=[learner])
    (old,) = certificate_issuing.issue_for_session(db, session, acting=coordinator)
    new = certificates.correct_name_and_reissue(db, old, "Łukasz Żółć", acting=coordinator)
    assert old.replaced_by_id == new.id and old.revoked_at is not None
    assert _live(db, learner) == 1
    again = certificates.correct_name_and_reissue(db, new, "Łukasz Żółć-Nowak", acting=coordinator)
    assert new.replaced_by_id == again.id
    assert _live(db, learner) == 1


def test_bulk_issuing_twice_issues_nothing_the_second_time(db: Session) -> None:
    coordinator = make_coordinator(db)
    a, b = make_user(db), make_user(db)
    first, _ = make_attended_session(db, days=1, participants=[a, b])
    assert len(certificate_issuing.issue_for_session(db, first, acting=coordinator)) == 2
    assert certificate_issuing.issue_for_session(db, first, acting=coordinator) == []
    # The same version attended again in another session: already certified.
    second, _ = make_attended_session(db, days=1, participants=[a, b])
    assert certificate_issuing.issue_for_session(db, second, acting=coordinator) == []
    assert certificate_issuing.issue_due_certificates(db) == 0
    people = certificate_issuing.session_participants(db, second)
    assert all(p.certificate is not None and p.certificate.session_id == first.id for p in people)
    assert _live(db, a) == _live(db, b) == 1


def test_a_certificate_issued_concurrently_counts_as_already_issued(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulates the race the advisory lock prevents on PostgreSQL: the look-up misses a
    # certificate another transaction has just written, so the insert hits the index.
    coordinator = make_coordinator(db)
    learner = make_user(db)
    make_completion(db, learner)
    assert certificate_issuing.issue_due_certificates(db) == 1
    (theirs,) = db.scalars(select(Certificate).where(Certificate.user_id == learner.id))
    session, _ = make_attended_session(db, days=1, participants=[learner])

    real_lookup = certificates.live_certificate
    calls: list[int] = []

    def stale_once(db: Session, *, user_id: int, course_version_id: int) -> Certificate | None:
        calls.append(user_id)
        if len(calls) == 1:
            return None
        return real_lookup(db, user_id=user_id, course_version_id=course_version_id)

    monkeypatch.setattr(certificates, "live_certificate", stale_once)
    # Participants are read before the race: the learner looks due.
    participants = certificate_issuing.session_participants(db, session)
    participants[0].certificate = None
    issued = certificate_issuing._issue_for_participants(db, session, participants)
    assert issued == [] and len(calls) == 2
    # The transaction is still usable and nothing was added.
    assert _live(db, learner) == 1
    assert db.scalars(select(Certificate).where(Certificate.user_id == learner.id)).all() == [
        theirs
    ]
    assert certificate_issuing.issue_for_session(db, session, acting=coordinator) == []
