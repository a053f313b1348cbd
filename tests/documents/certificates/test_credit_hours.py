"""A certificate states the credit hours of the format taken: the session's, or online study's."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.content.models import CourseVersion
from app.documents.certificates import service as certificates
from app.documents.session_docs.facts import load_session_facts
from app.documents.session_docs.workbook import cover_html
from tests.documents.helpers import make_documents_session, real_course
from tests.factories import make_user


def test_each_format_and_online_study_earn_their_own_hours(db: Session) -> None:
    course = real_course(db)
    version = db.scalars(
        select(CourseVersion).where(
            CourseVersion.course_id == course.id, CourseVersion.is_current.is_(True)
        )
    ).one()
    one_day = make_documents_session(db, course)
    three_day = make_documents_session(db, course, format_id="three-day", days=3)
    stated = {}
    for name, session in (("one-day", one_day), ("three-day", three_day), ("online", None)):
        cert, created = certificates.issue_or_find(
            db,
            user=make_user(db),
            course_version=version,
            session=session,
            first_date=date(2026, 12, 4),
            last_date=date(2026, 12, 8),
        )
        assert created
        stated[name] = cert.credit_hours
    assert stated == {"one-day": 6.0, "three-day": 18.5, "online": 5.5}
    # The workbook cover of the workshop says the workshop's hours too.
    cover = cover_html(load_session_facts(db, three_day.id), "Ada Lovelace")
    assert "18.5 credit hours (Three-day APEX workshop)" in cover
