"""What each document contains; certificates join the pack once they are issued."""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.content.models import CourseVersion
from app.db import utcnow
from app.documents.models import Certificate
from app.documents.session_docs import packs
from app.enrollment.models import Enrollment
from app.scheduling.models import CourseSession
from tests.documents.helpers import make_documents_session, pages_text, sync_demo_pack

NAMES = ["Ada Lovelace", "Grace Hopper"]


def _issue(db: Session, session: CourseSession, name: str, serial: str) -> Certificate:
    # The participant of that name: one certificate in force per person and version.
    enrolment = db.scalars(
        select(Enrollment)
        .join(User, User.id == Enrollment.user_id)
        .where(Enrollment.session_id == session.id, User.display_name == name)
    ).first()
    assert enrolment is not None
    version = db.scalars(
        select(CourseVersion).where(CourseVersion.course_id == session.course_id)
    ).one()
    cert = Certificate(
        serial=serial, token=secrets.token_urlsafe(24), user_id=enrolment.user_id,
        course_id=session.course_id, course_version_id=version.id, session_id=session.id,
        holder_name=name, course_title=version.title, course_version=version.version,
        credit_hours=version.credit_hours, first_date=date(2026, 12, 4),
        last_date=date(2026, 12, 4), facilitator_names="Fran Facilitator",
    )  # fmt: skip
    db.add(cert)
    db.flush()
    return cert


def test_each_kind_holds_its_parts(db: Session, tmp_path: Path) -> None:
    course = sync_demo_pack(db, tmp_path)
    session = make_documents_session(db, course, names=NAMES)
    labels = {
        kind: [step.label for step in packs.plan_document(db, session.id, kind).steps]
        for kind in (packs.SESSION_PACK, packs.WORKBOOKS, packs.GUIDE)
    }
    assert labels == {
        "session_pack": [
            "Facilitator guide", "Sign-in sheet", "Name tents",
            "Workbook contents and modules", "Workbook covers",
        ],
        "workbooks": ["Workbook contents and modules", "Workbook covers"],
        "guide": ["Facilitator guide"],
    }  # fmt: skip
    guide = "\n".join(pages_text(packs.build(packs.plan_document(db, session.id, packs.GUIDE))))
    assert "Facilitator guide" in guide and "This workbook belongs to" not in guide


def test_certificates_join_the_pack_once_issued_and_revocation_changes_the_file(
    db: Session, tmp_path: Path
) -> None:
    course = sync_demo_pack(db, tmp_path)
    session = make_documents_session(db, course, names=NAMES)
    before = packs.plan_document(db, session.id, packs.SESSION_PACK)
    assert "Certificates" not in [step.label for step in before.steps]

    first = _issue(db, session, "Ada Lovelace", "APX-2026-000001")
    _issue(db, session, "Grace Hopper", "APX-2026-000002")
    with_certificates = packs.plan_document(db, session.id, packs.SESSION_PACK)
    assert with_certificates.steps[-1].label == "Certificates"
    assert with_certificates.digest != before.digest
    text = "\n".join(pages_text(packs.build(with_certificates)))
    assert "APX-2026-000001" in text and "APX-2026-000002" in text

    only = packs.build(packs.plan_document(db, session.id, packs.CERTIFICATES))
    only_text = pages_text(only)
    assert len(only_text) == 2 and "Ada Lovelace" in only_text[0]

    first.revoked_at, first.revoke_reason = utcnow(), "issued in error"
    db.flush()
    revoked = packs.plan_document(db, session.id, packs.SESSION_PACK)
    assert revoked.digest not in (before.digest, with_certificates.digest)
    assert [c.serial for c in revoked.facts.certificates] == ["APX-2026-000002"]
