"""The day of the session, on the attendance sheet: adding a walk-in and closing the session.

The sheet itself (marking attendance) is in ``staff.py``; these are the two actions a
facilitator takes in the room that change who is on the session and when its
certificates are issued.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Form
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.permissions import SignedIn
from app.accounts.sessions import Ctx
from app.db import utcnow
from app.enrollment import attendance, payers, queries, walk_ins
from app.enrollment.walk_ins import WalkIn
from app.errors import AppError
from app.formatting import local_time
from app.pages import PageForm, change_then_redirect, page_router
from app.scheduling import visibility
from app.scheduling.models import CourseSession

router = page_router()


class WalkInForm(PageForm):
    """The walk-in form's fields, as typed."""

    email: str = ""
    name: str = ""
    payer: str = "auto"
    reason: str = ""
    over_capacity_reason: str = ""
    present_today: str = ""

    def walk_in(self) -> WalkIn:
        """The service's input; ``Invalid`` for a payer the form does not offer."""
        return WalkIn(
            email=self.email,
            name=self.name,
            payer=payers.parse_choice(self.payer),
            reason=self.reason,
            over_capacity_reason=self.over_capacity_reason,
            present_today=self.present_today == "yes",
        )


def day_context(db: Session, session: CourseSession, viewer: User) -> dict[str, Any]:
    """What the sheet shows about the day: seats, whether walk-ins and closing are open."""
    now = utcnow()
    (seats,) = queries.with_seats(db, [session])
    return {
        "seats": seats,
        "walk_in_refusal": _refusal(walk_ins.check_on_the_day, session, now),
        "payer_choices": payers.PAYER_CHOICES,
        "can_override": visibility.is_staff(viewer),
        "can_close": not _refusal(attendance.check_closable, session, now),
        "is_over": visibility.is_over(session, now),
        "ends_at": local_time(visibility.session_end(session), session.timezone),
    }


def _refusal(
    check: Callable[[CourseSession, datetime], None], session: CourseSession, now: datetime
) -> str:
    """What ``check`` would refuse now ("" when it allows): the page shows the same rule."""
    try:
        check(session, now)
    except AppError as exc:
        return exc.message
    return ""


@router.post("/facilitator/sessions/{session_id:id}/walk-ins")
def add_walk_in(
    ctx: Ctx, user: SignedIn, session_id: int, form: Annotated[WalkInForm, Form()]
) -> Response:
    """Give someone who turned up a confirmed seat (and mark them present today)."""
    attendance.get_session_for_attendance(ctx.db, session_id, user)  # 404 for others
    back = f"/facilitator/sessions/{session_id}"

    def run() -> str:
        added = walk_ins.add_walk_in(ctx.db, session_id, user, form.walk_in())
        parts = [f"{added.person.display_name} is on the session as a walk-in."]
        payer = payers.payer_text(ctx.db, added.enrollment)
        parts.append(payer + "." if payer else "Invoiced.")
        if added.over_capacity:
            parts.append("Over capacity, with your reason recorded.")
        if added.invited:
            parts.append(
                f"An account was made; {added.person.email} was sent a link to choose a password."
            )
        return " ".join(parts)

    return change_then_redirect(ctx, run, back=back)


@router.post("/facilitator/sessions/{session_id:id}/close")
def close_session(ctx: Ctx, user: SignedIn, session_id: int) -> Response:
    """Close the session after its last day: certificates are issued now."""
    session = attendance.get_session_for_attendance(ctx.db, session_id, user)
    back = f"/facilitator/sessions/{session_id}"

    def run() -> str:
        issued = attendance.close_session(ctx.db, session, user)
        noun = "certificate" if issued == 1 else "certificates"
        return f"Session closed. {issued} {noun} issued; each holder is e-mailed a link to theirs."

    return change_then_redirect(ctx, run, back=back)
