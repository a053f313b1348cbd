"""Staff pages: the coordinators' roster and requests inbox, the facilitators' sessions
and attendance sheets.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from app.accounts.models import User
from app.accounts.permissions import Coordinator, SignedIn
from app.accounts.sessions import Ctx
from app.bounds import form_id
from app.enrollment import attendance, changes, inhouse, payers, roster, rules, views
from app.enrollment.models import InHouseRequestStatus
from app.enrollment.pages import session_day
from app.enrollment.pages.bookings import FormStr, outcome
from app.errors import Invalid, NotFound
from app.pages import change_then_redirect, page_router
from app.scheduling import visibility
from app.scheduling.models import CourseSession
from app.web import redirect, render

router = page_router()


@router.get("/coordinator/sessions/{session_id:id}", response_class=HTMLResponse)
def roster_page(request: Request, ctx: Ctx, user: SignedIn, session_id: int) -> Response:
    """A session's roster: confirmed, held, offered, the waitlist in order, cancelled."""
    session = roster.managed_session(ctx.db, session_id, user)
    choices = dict(payers.PAYER_CHOICES)
    if not visibility.is_staff(user):  # complimentary seats are the training company's call
        choices.pop(payers.PayerChoice.COMPLIMENTARY)
    return render(
        request,
        "enrollment/roster.html",
        {"roster": roster.build_roster(ctx.db, session, user), "payer_choices": choices},
    )


@router.post("/coordinator/sessions/{session_id:id}/enrol")
def enrol_by_email(
    ctx: Ctx,
    user: SignedIn,
    session_id: int,
    email: FormStr = "",
    payer: FormStr = "auto",
    reason: FormStr = "",
) -> Response:
    """Enrol someone by e-mail, paid by the payer chosen (confirmed, or waitlisted when
    the session is full)."""
    session = roster.managed_session(ctx.db, session_id, user)
    back = f"/coordinator/sessions/{session_id}"

    def run() -> str:
        choice = payers.parse_choice(payer)
        try:
            enrollment = changes.coordinator_enrol(
                ctx.db, session, email, user, payer=choice, reason=reason
            )
        except NotFound as exc:
            # A mistyped or unknown address is a wrong input on the roster's form, not a
            # missing page: say so on the roster, where it can be corrected.
            raise Invalid(exc.message) from exc
        person = ctx.db.get(User, enrollment.user_id)
        return outcome(ctx.db, enrollment, for_someone=person.display_name if person else None)

    return change_then_redirect(ctx, run, back=back)


@router.post("/coordinator/enrollments/{enrollment_id:id}/move")
def move(ctx: Ctx, user: SignedIn, enrollment_id: int, session_id: FormStr = "") -> Response:
    """Move someone to another session of the same course (never overbooking)."""
    enrollment = changes.get_enrollment(ctx.db, enrollment_id)
    back = f"/coordinator/sessions/{enrollment.session_id}"
    chosen = form_id(session_id)
    target = ctx.db.get(CourseSession, chosen) if chosen is not None else None
    if target is None:
        ctx.flash("Choose the session to move to.", "error")
        return redirect(back)

    def run() -> str:
        changes.coordinator_move(ctx.db, enrollment, target, user)
        return f"Moved to {rules.session_label(ctx.db, target)}."

    return change_then_redirect(ctx, run, back=back)


@router.post("/coordinator/enrollments/{enrollment_id:id}/cancel")
def cancel(ctx: Ctx, user: SignedIn, enrollment_id: int) -> Response:
    """Cancel someone's booking; the seat goes to the first in line."""
    enrollment = changes.get_enrollment(ctx.db, enrollment_id)
    back = f"/coordinator/sessions/{enrollment.session_id}"

    def run() -> str:
        changes.coordinator_cancel(ctx.db, enrollment, user)
        return "The booking is cancelled."

    return change_then_redirect(ctx, run, back=back)


@router.get("/coordinator/requests", response_class=HTMLResponse)
def requests_inbox(request: Request, ctx: Ctx, user: Coordinator) -> Response:
    """In-house delivery requests, new ones first."""
    return render(
        request, "enrollment/requests.html", {"rows": inhouse.list_requests(ctx.db, user)}
    )


@router.post("/coordinator/requests/{request_id:id}/status")
def request_status(
    ctx: Ctx, user: Coordinator, request_id: int, status: FormStr = InHouseRequestStatus.ANSWERED
) -> Response:
    """Mark a request answered (or closed, or new again)."""

    def run() -> str:
        inhouse.set_request_status(ctx.db, request_id, user, status)
        return f"Request marked {status}."

    return change_then_redirect(ctx, run, back="/coordinator/requests")


@router.get("/facilitator/sessions", response_class=HTMLResponse)
def my_sessions(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    """The sessions I facilitate."""
    return render(
        request,
        "enrollment/facilitator_sessions.html",
        {"sessions": attendance.facilitator_sessions(ctx.db, user)},
    )


@router.get("/facilitator/sessions/{session_id:id}", response_class=HTMLResponse)
def attendance_page(request: Request, ctx: Ctx, user: SignedIn, session_id: int) -> Response:
    """Roster and attendance sheet, one column per day."""
    session = attendance.get_session_for_attendance(ctx.db, session_id, user)
    return render(
        request,
        "enrollment/attendance.html",
        {
            "sheet": attendance.attendance_sheet(ctx.db, session),
            "view": views.session_view(ctx.db, session),
            "day": session_day.day_context(ctx.db, session, user),
        },
    )


def parse_marks(form: FormData) -> dict[tuple[int, int], bool]:
    """Fields ``mark-<enrolment id>-<day index>`` = present|absent|'' (not marked)."""
    marks: dict[tuple[int, int], bool] = {}
    for key, value in form.multi_items():
        if not key.startswith("mark-") or value == "":
            continue
        parts = key.split("-")
        enrollment_id = form_id(parts[1]) if len(parts) == 3 else None
        day_index = form_id(parts[2]) if len(parts) == 3 else None
        if enrollment_id is None or day_index is None:
            raise Invalid("The attendance form could not be read; reload the page.")
        if value not in ("present", "absent"):
            raise Invalid("Mark each person present or absent.")
        marks[(enrollment_id, day_index)] = value == "present"
    return marks


async def posted_form(request: Request) -> FormData:
    """The posted form, read in the event loop so the handler itself can stay sync."""
    return await request.form()


@router.post("/facilitator/sessions/{session_id:id}/attendance")
def save_attendance(
    ctx: Ctx, user: SignedIn, session_id: int, form: Annotated[FormData, Depends(posted_form)]
) -> Response:
    """Save the attendance marks of the sheet."""
    session = attendance.get_session_for_attendance(ctx.db, session_id, user)
    back = f"/facilitator/sessions/{session_id}"

    def run() -> str:
        marks = parse_marks(form)
        if not marks:
            # A sheet sent with nothing chosen saves nothing; "saved (0 marks)" read as
            # if it had worked.
            raise Invalid("Nothing was marked: choose Present or Absent, then save.")
        saved = attendance.mark_attendance(ctx.db, session, user, marks)
        return f"Attendance saved ({saved} mark{'' if saved == 1 else 's'})."

    return change_then_redirect(ctx, run, back=back)
