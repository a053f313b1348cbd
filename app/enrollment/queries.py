"""Read-only questions other features ask about enrolments."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.enrollment.models import Enrollment, EnrollmentStatus


def sessions_in_use(db: Session, session_ids: Iterable[int]) -> set[int]:
    """Sessions among ``session_ids`` with anyone enrolled, held, offered or waitlisted."""
    ids = list(session_ids)
    if not ids:
        return set()
    live = [
        EnrollmentStatus.HELD,
        EnrollmentStatus.CONFIRMED,
        EnrollmentStatus.WAITLISTED,
        EnrollmentStatus.OFFERED,
    ]
    query = select(Enrollment.session_id).where(
        Enrollment.session_id.in_(ids), Enrollment.status.in_([s.value for s in live])
    )
    return set(db.scalars(query))
