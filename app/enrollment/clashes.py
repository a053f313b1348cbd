"""No person holds two seats at the same time: the one check every seat-taking path calls.

A seat is what ``rules.seat_clause`` counts (confirmed, or a hold or offer not run out);
when two sessions overlap is ``scheduling.overlaps``. A place on a waitlist is not a
seat, so it blocks nothing: the person may wait in line for two sessions at the same hour,
and accepting the offer of one is checked against the seats they hold then.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.enrollment import rules
from app.enrollment.models import Enrollment
from app.errors import Conflict
from app.scheduling import overlaps
from app.scheduling.models import CourseSession


def refuse_seat_clash(
    db: Session,
    session: CourseSession,
    user: User,
    *,
    by_someone_else: bool,
    now: datetime,
    ignore: Iterable[int] = (),
) -> None:
    """``Conflict`` naming the session when ``user`` holds a seat at an overlapping time.

    ``ignore``: enrolment ids that are not in the way (the one being moved or accepted).
    Every path holds to this, programmes and group bookings too: a series runs its
    tracks of one date side by side, so one person takes at most one of them. The
    wording is the person's own ("You already have ...") unless someone else books.
    """
    ignored = list(ignore)
    seats = select(Enrollment.session_id).where(
        Enrollment.user_id == user.id,
        rules.seat_clause(now),
        Enrollment.id.not_in(ignored),
    )
    slot = overlaps.Slot.load(db, session)
    among = CourseSession.id.in_(seats)
    clash = overlaps.find_clash(db, slot, among, exclude_ids=[session.id])
    if clash is None:
        return
    who = f"{user.display_name} already has" if by_someone_else else "You already have"
    raise Conflict(
        f"{who} a seat on {overlaps.describe(db, clash, slot)}, which overlaps this session."
    )
