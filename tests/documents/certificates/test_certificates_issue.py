"""Issuing certificates: serials, tokens, idempotence, online and instructor-led rules."""

from __future__ import annotations

import base64
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.documents.certificates import issuing as certificate_issuing
from app.documents.certificates import service as certificates
from app.documents.models import Certificate
from app.enrollment.models import EnrollmentStatus
from app.errors import Conflict, Invalid
from tests.documents.cert_helpers import (
    PAST_MONDAY,
    current_version,
    enrol,
    make_attended_session,
    make_completion,
    make_coordinator,
    mark,
)
from tests.factories import make_user
from tests.scheduling.factories import make_session

SERIAL = re.compile(r"^APEX-(\d{4})-(\d{6,})$")


def _count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Certificate)) or 0


def _issue(db: Session, user, **kwargs) -> Certificate:
    return certificates.issue_or_find(
        db,
        user=user,
        course_version=current_version(db),
        first_date=kwargs.pop("first_date", date(2026, 3, 9)),
        last_date=kwargs.pop("last_date", date(2026, 3, 11)),
        **kwargs,
    )[0]


def test_serial_and_token_format(db: Session) -> None:
    user = make_user(db, name="Grace Hopper")
    cert = _issue(db, user, facilitator_names=["Ada Lovelace", " ", "Alan Kay"])
    match = SERIAL.match(cert.serial)
    assert match, cert.serial
    assert int(match.group(1)) == cert.issued_at.year
    assert int(match.group(2)) == cert.id
    # token_urlsafe(32): 43 URL-safe characters, 32 random bytes (>= 128 bits required)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cert.token)
    assert len(base64.urlsafe_b64decode(cert.token + "=")) == 32
    version = current_version(db)
    assert cert.holder_name == "Grace Hopper"
    assert (cert.course_title, cert.course_version, cert.credit_hours) == (
        version.title,
        version.version,
        version.credit_hours,
    )
    assert cert.facilitator_names == "Ada Lovelace, Alan Kay"
    assert cert.revoked_at is None and cert.session_id is None


def test_serials_and_tokens_are_unique(db: Session) -> None:
    users = [make_user(db) for _ in range(25)]
    certs = [_issue(db, user) for user in users]
    assert len({c.serial for c in certs}) == 25
    assert len({c.token for c in certs}) == 25


def test_issuing_twice_returns_the_certificate_in_force(db: Session) -> None:
    user = make_user(db)
    first = _issue(db, user)
    again = _issue(db, user)
    assert again.id == first.id
    assert _count(db) == 1


def test_the_holder_name_is_frozen_at_issue(db: Session) -> None:
    user = make_user(db, name="Jon Smith")
    cert = _issue(db, user)
    user.display_name = "John Smith"
    db.flush()
    db.refresh(cert)
    assert cert.holder_name == "Jon Smith"


def test_dates_must_be_in_order(db: Session) -> None:
    with pytest.raises(Invalid):
        _issue(db, make_user(db), first_date=date(2026, 3, 11), last_date=date(2026, 3, 9))


def test_online_completion_is_certified_once(db: Session) -> None:
    learner = make_user(db, name="Zoë Ødegård")
    make_completion(db, learner, completed_at=datetime(2026, 3, 14, 23, 30, tzinfo=UTC))
    assert certificate_issuing.issue_due_certificates(db) == 1
    assert certificate_issuing.issue_due_certificates(db) == 0  # safe to run again
    (cert,) = certificates.certificates_of(db, learner)
    assert cert.holder_name == "Zoë Ødegård"
    assert cert.first_date == cert.last_date == date(2026, 3, 14)
    assert cert.session_id is None and cert.facilitator_names == ""


def test_due_issuing_can_be_limited_to_one_person(db: Session) -> None:
    me, other = make_user(db), make_user(db)
    make_completion(db, me)
    make_completion(db, other)
    assert certificate_issuing.issue_due_certificates(db, user_id=me.id) == 1
    assert certificates.certificates_of(db, other) == []
    assert certificate_issuing.issue_due_certificates(db) == 1


def test_a_revoked_certificate_is_not_issued_again(db: Session) -> None:
    learner = make_user(db)
    make_completion(db, learner)
    certificate_issuing.issue_due_certificates(db)
    (cert,) = certificates.certificates_of(db, learner)
    certificates.revoke(db, cert, "Completed with someone else's account", acting=learner)
    assert certificate_issuing.issue_due_certificates(db) == 0
    assert len(certificates.certificates_of(db, learner)) == 1


def test_instructor_led_needs_every_day_attended(db: Session) -> None:
    full, partial, none = (make_user(db) for _ in range(3))
    facilitators = [make_user(db, name="Zed Walker"), make_user(db, name="Ada Lovelace")]
    session, _ = make_attended_session(
        db,
        days=3,
        participants=[full, partial, none],
        attended_days={1: [1, 3], 2: []},
        facilitators=facilitators,
    )
    assert certificate_issuing.issue_due_certificates(db) == 1
    (cert,) = certificates.certificates_of(db, full)
    assert cert.session_id == session.id
    assert (cert.first_date, cert.last_date) == (session.starts_on, session.ends_on)
    assert cert.last_date > cert.first_date
    assert cert.facilitator_names == "Ada Lovelace, Zed Walker"
    assert certificates.certificates_of(db, partial) == []
    assert certificates.certificates_of(db, none) == []


def test_absent_marks_do_not_count(db: Session) -> None:
    learner = make_user(db)
    session = make_session(db, days=2, starts_on=PAST_MONDAY)
    enrollment = enrol(db, session, learner)
    mark(db, enrollment, [1])
    mark(db, enrollment, [2], present=False)
    assert certificate_issuing.issue_due_certificates(db) == 0


def test_only_confirmed_participants_are_certified(db: Session) -> None:
    learner = make_user(db)
    session = make_session(db, days=1, starts_on=PAST_MONDAY)
    enrollment = enrol(db, session, learner, status=EnrollmentStatus.CANCELLED.value)
    mark(db, enrollment, [1])
    assert certificate_issuing.issue_due_certificates(db) == 0


def test_online_and_in_a_session_one_certificate_covers_the_version(db: Session) -> None:
    # One certificate in force per person and course version (a unique index holds it):
    # the same version learned online and attended in a session is certified once.
    learner = make_user(db)
    session, _ = make_attended_session(db, days=1, participants=[learner])
    make_completion(db, learner)
    assert certificate_issuing.issue_due_certificates(db) == 1
    assert certificate_issuing.issue_due_certificates(db) == 0
    (only,) = db.scalars(select(Certificate).where(Certificate.user_id == learner.id)).all()
    (participant,) = certificate_issuing.session_participants(db, session)
    assert participant.certificate is not None and participant.certificate.id == only.id
    coordinator = make_coordinator(db)
    assert certificate_issuing.issue_for_session(db, session, acting=coordinator) == []


def test_coordinator_bulk_issue_for_a_session(db: Session) -> None:
    coordinator = make_coordinator(db)
    a, b, c = (make_user(db) for _ in range(3))
    session, _ = make_attended_session(db, days=1, participants=[a, b, c], attended_days={2: []})
    issued = certificate_issuing.issue_for_session(db, session, acting=coordinator)
    assert sorted(cert.user_id for cert in issued) == sorted([a.id, b.id])
    assert certificate_issuing.issue_for_session(db, session, acting=coordinator) == []
    people = {p.person.id: p for p in certificate_issuing.session_participants(db, session)}
    assert people[c.id].eligible is False
    assert people[c.id].reason == "Attended 0 of 1 days."
    assert people[a.id].certificate is not None


def test_bulk_issue_refuses_a_cancelled_session(db: Session) -> None:
    coordinator = make_coordinator(db)
    session, _ = make_attended_session(db, days=1, participants=[make_user(db)])
    session.status = "cancelled"
    db.flush()
    with pytest.raises(Invalid):
        certificate_issuing.issue_for_session(db, session, acting=coordinator)
    assert certificate_issuing.issue_due_certificates(db) == 0


def test_revoke_needs_a_reason_and_happens_once(db: Session) -> None:
    coordinator = make_coordinator(db)
    cert = _issue(db, make_user(db))
    with pytest.raises(Invalid):
        certificates.revoke(db, cert, "   ", acting=coordinator)
    certificates.revoke(db, cert, "Issued  by\nmistake", acting=coordinator)
    assert cert.revoked_at is not None
    assert cert.revoke_reason == "Issued by mistake"
    with pytest.raises(Conflict):
        certificates.revoke(db, cert, "again", acting=coordinator)
    # the revoked one is no longer "in force": issuing explicitly gives a new one
    new = _issue(db, db.get(type(coordinator), cert.user_id))
    assert new.id != cert.id


def test_a_second_revoke_names_the_day_as_certificates_print_it(db: Session) -> None:
    """'5 March 2026', as on the certificate and the verification page (not '05 March')."""
    coordinator = make_coordinator(db)
    cert = _issue(db, make_user(db))
    certificates.revoke(db, cert, "Issued by mistake", acting=coordinator)
    cert.revoked_at = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
    with pytest.raises(Conflict, match=r"already revoked on 5 March 2026\.$"):
        certificates.revoke(db, cert, "again", acting=coordinator)


def test_reissue_after_name_change(db: Session) -> None:
    coordinator = make_coordinator(db)
    learner = make_user(db, name="Lukasz Zolc")
    session, _ = make_attended_session(db, days=1, participants=[learner])
    (old,) = certificate_issuing.issue_for_session(db, session, acting=coordinator)
    with pytest.raises(Invalid):  # the account still has the old name
        certificates.reissue_after_name_change(db, old, acting=coordinator)
    learner.display_name = "Łukasz Żółć"
    db.flush()
    new = certificates.reissue_after_name_change(db, old, acting=coordinator)
    assert new.holder_name == "Łukasz Żółć"
    assert (new.session_id, new.first_date, new.course_title) == (
        old.session_id,
        old.first_date,
        old.course_title,
    )
    assert new.serial != old.serial and new.token != old.token
    assert old.replaced_by_id == new.id
    assert old.revoked_at is not None
    assert old.revoke_reason == f"Replaced by {new.serial}"
    with pytest.raises(Conflict):  # only a certificate in force can be re-issued
        certificates.reissue_after_name_change(db, old, acting=coordinator)
    assert certificate_issuing.issue_due_certificates(db) == 0


def test_correct_name_and_reissue(db: Session) -> None:
    coordinator = make_coordinator(db)
    learner = make_user(db, name="Dmitri")
    old = _issue(db, learner)
    with pytest.raises(Invalid):
        certificates.correct_name_and_reissue(db, old, "  ", acting=coordinator)
    with pytest.raises(Invalid):
        certificates.correct_name_and_reissue(db, old, "Dmitri", acting=coordinator)
    new = certificates.correct_name_and_reissue(db, old, "  Дмитрий   Иванов ", acting=coordinator)
    assert learner.display_name == "Дмитрий Иванов"
    assert new.holder_name == "Дмитрий Иванов"
    assert old.replaced_by_id == new.id


def test_lookup_by_token_is_exact(db: Session) -> None:
    cert = _issue(db, make_user(db))
    assert certificates.certificate_by_token(db, cert.token) is cert
    assert certificates.certificate_by_token(db, cert.token[:-1]) is None
    assert certificates.certificate_by_token(db, cert.token.upper()) is None
    assert certificates.certificate_by_token(db, "") is None
    assert certificates.certificate_by_token(db, "x" * 500) is None


def test_issue_due_for_one_session(db: Session) -> None:
    a, b = make_user(db), make_user(db)
    session, _ = make_attended_session(db, days=1, participants=[a])
    other, _ = make_attended_session(db, days=1, participants=[b])
    (cert,) = certificate_issuing.issue_due_for_session(db, session)
    assert cert.user_id == a.id
    assert certificate_issuing.issue_due_for_session(db, session) == []
    assert certificates.certificates_of(db, b) == []
    other.status = "cancelled"
    db.flush()
    assert certificate_issuing.issue_due_for_session(db, other) == []


def test_old_sessions_are_left_to_coordinators(db: Session) -> None:
    learner = make_user(db)
    long_ago = date.today() - timedelta(days=certificate_issuing.AUTOMATIC_DAYS + 30)
    session, _ = make_attended_session(db, days=1, participants=[learner], starts_on=long_ago)
    assert certificate_issuing.issue_due_certificates(db) == 0
    issued = certificate_issuing.issue_for_session(db, session, acting=make_coordinator(db))
    assert [c.user_id for c in issued] == [learner.id]


def test_a_session_that_has_not_started_is_not_certified(db: Session) -> None:
    learner = make_user(db)
    future = date.today() + timedelta(days=30)
    make_attended_session(db, days=1, participants=[learner], starts_on=future)
    assert certificate_issuing.issue_due_certificates(db) == 0
