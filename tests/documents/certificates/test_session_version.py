"""A session's documents and certificates state the course version the session taught."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from app.content.models import CourseVersion
from app.documents.certificates import issuing as certificate_issuing
from app.documents.session_docs.facts import load_session_facts
from app.scheduling import sessions as scheduling
from app.scheduling.models import CourseSession
from tests.documents.cert_helpers import (
    PAST_MONDAY,
    current_version,
    enrol,
    make_coordinator,
    mark,
)
from tests.factories import make_user
from tests.scheduling.factories import make_venue, publish_new_version


def _past_session(db: Session) -> CourseSession:
    """A one-day session two weeks ago, created through the scheduling service."""
    current_version(db)  # the real courses are synced
    return scheduling.create_session(
        db,
        scheduling.SessionInput(
            course_slug="relationship-management",
            format_id="one-day",
            starts_on=PAST_MONDAY,
            start_time=time(9),
            end_time=time(17),
            timezone="America/New_York",
            capacity=10,
            venue_id=make_venue(db).id,
        ),
        # Scheduled before it ran: no session is created with a start in the past.
        now=datetime.combine(PAST_MONDAY - timedelta(days=30), time(), tzinfo=UTC),
    )


def test_a_later_version_does_not_change_what_a_session_taught(db: Session, tmp_path: Path) -> None:
    taught = current_version(db)
    session = _past_session(db)
    assert session.course_version_id == taught.id
    learner = make_user(db, name="Ada Lovelace")
    mark(db, enrol(db, session, learner), [1])

    newer = publish_new_version(db, tmp_path, version="2.0.0")
    assert newer.is_current and not taught.is_current
    assert newer.title.endswith("(revised)")

    assert certificate_issuing.session_version(db, session).id == taught.id
    (cert,) = certificate_issuing.issue_for_session(db, session, acting=make_coordinator(db))
    assert (cert.course_version_id, cert.course_version, cert.course_title) == (
        taught.id,
        "1.1.0",  # the shipped pack's version
        taught.title,
    )
    # Workbooks and the facilitator guide are made from these facts.
    facts = load_session_facts(db, session.id)
    assert (facts.course_version, facts.course_title, facts.content_hash) == (
        "1.1.0",  # the shipped pack's version
        taught.title,
        taught.content_hash,
    )
    assert [c.serial for c in facts.certificates] == [cert.serial]


def test_a_session_without_a_pin_falls_back_to_the_current_version(
    db: Session, tmp_path: Path
) -> None:
    # Rows older than the pin whose course had no version then: the current one is used.
    session = _past_session(db)
    session.course_version_id = None
    db.flush()
    newer: CourseVersion = publish_new_version(db, tmp_path, version="2.0.0")
    assert certificate_issuing.session_version(db, session).id == newer.id
    assert load_session_facts(db, session.id).course_version == "2.0.0"
