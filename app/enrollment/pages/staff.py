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
from app.enrollment import (
    attendance,
    changes,
    confirmations,
    hooks,
    inhouse,
    payers,
    roster,
    rules,
    views,
)
from app.enrollment.models import InHouseRequestStatus
from app.enrollment.pages import session_day
from app.enrollment.pages.bookings import FormStr, outcome
from app.enrollment.pages.confirm import CONFIRMED, confirm_page, move_confirmation
from app.errors import Invalid, NotFound
from app.pages import Refusal, change_then_redirect, page_router, run_change
from app.scheduling import visibility
from app.scheduling.models import CourseSession, SessionStatus
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
        {
            "roster": roster.build_roster(ctx.db, session, user),
            "payer_choices": choices,
            "can_cancel_session": visibility.is_staff(user)
            and session.status == SessionStatus.SCHEDULED
            and not visibility.has_started(session),
        },
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
def move(
    request: Request,
    ctx: Ctx,
    user: SignedIn,
    enrollment_id: int,
    session_id: FormStr = "",
    confirm: FormStr = "",
) -> Response:
    """Move someone to another session of the same course (never overbooking), once
    confirmed: without ``confirm=yes`` the confirmation page says what will happen."""
    enrollment = changes.managed_enrollment(ctx.db, enrollment_id, user)
    back = f"/coordinator/sessions/{enrollment.session_id}"
    chosen = form_id(session_id)
    target = ctx.db.get(CourseSession, chosen) if chosen is not None else None
    if target is None:
        ctx.flash("Choose the session to move to.", "error")
        return redirect(back)
    if not rules.can_manage_person(ctx.db, user, target, enrollment.user_id):
        raise NotFound("There is no such session.")
    if confirm != CONFIRMED:
        action = f"/coordinator/enrollments/{enrollment.id}/move"
        return move_confirmation(
            request, ctx, enrollment, target, by_learner=False, action=action, back=back
        )

    def run() -> str:
        changes.coordinator_move(ctx.db, enrollment, target, user)
        return f"Moved to {rules.session_label(ctx.db, target)}."

    return change_then_redirect(ctx, run, back=back)


@router.post("/coordinator/enrollments/{enrollment_id:id}/cancel")
def cancel(
    request: Request, ctx: Ctx, user: SignedIn, enrollment_id: int, confirm: FormStr = ""
) -> Response:
    """Cancel someone's booking, once confirmed; the seat goes to the first in line."""
    enrollment = changes.managed_enrollment(ctx.db, enrollment_id, user)
    back = f"/coordinator/sessions/{enrollment.session_id}"
    if confirm != CONFIRMED:
        if enrollment.status not in rules.LIVE_STATUSES:
            ctx.flash(f"This booking is already {enrollment.status}.", "error")
            return redirect(back)
        preview = confirmations.cancel_preview(
            ctx.db, enrollment, hooks.Release.COORDINATOR, by_learner=False
        )
        return confirm_page(
            request,
            "enrollment/confirm_cancel.html",
            heading=f"Cancel {preview.person.display_name}'s booking?",
            lead=f"{preview.person.display_name} loses their place on "
            f"{preview.view.course_title}, {preview.view.when}.",
            action=f"/coordinator/enrollments/{enrollment.id}/cancel",
            back=back,
            confirm_label="Yes, cancel the booking",
            back_label="No, back to the roster",
            preview=preview,
            status_text=views.STATUS_TEXT[enrollment.status],
            refund=preview.refund,
            told=preview.told,
        )

    def run() -> str:
        changes.coordinator_cancel(ctx.db, enrollment, user)
        return "The booking is cancelled."

    return change_then_redirect(ctx, run, back=back)


def _session_cancel_page(
    request: Request, ctx: Ctx, session: CourseSession, *, reason: str = "", error: str = ""
) -> Response:
    preview = confirmations.session_cancel_preview(ctx.db, session)
    response = confirm_page(
        request,
        "enrollment/confirm_session_cancel.html",
        heading="Cancel this session?",
        lead=f"{preview.view.course_title}, {preview.view.when}, will not run: everyone on it "
        "loses their place and is refunded in full.",
        action=f"/coordinator/sessions/{session.id}/cancel",
        back=f"/coordinator/sessions/{session.id}",
        confirm_label="Yes, cancel the session",
        back_label="No, keep it",
        preview=preview,
        reason=reason,
        error=error,
        told=[
            "Everyone listed below is e-mailed the cancellation and the reason, with a "
            "calendar update (METHOD:CANCEL) that removes the session.",
            f"The {preview.facilitators} facilitator"
            f"{'' if preview.facilitators == 1 else 's'} booked on it "
            f"{'is' if preview.facilitators == 1 else 'are'} e-mailed too.",
            "Nobody is offered a seat: the session's waitlist is cancelled with it.",
        ],
    )
    if error:
        response.status_code = 422
    return response


@router.get("/coordinator/sessions/{session_id:id}/cancel", response_class=HTMLResponse)
def cancel_session_page(request: Request, ctx: Ctx, user: Coordinator, session_id: int) -> Response:
    """Who a session's cancellation reaches and what each is refunded, with a reason field."""
    session = roster.managed_session(ctx.db, session_id, user)
    return _session_cancel_page(request, ctx, session)


@router.post("/coordinator/sessions/{session_id:id}/cancel", response_class=HTMLResponse)
def cancel_session(
    request: Request,
    ctx: Ctx,
    user: Coordinator,
    session_id: int,
    reason: FormStr = "",
    confirm: FormStr = "",
) -> Response:
    """Cancel a whole session, once confirmed with a reason (as go/no-go does): everyone
    on it is cancelled, refunded in full and e-mailed, the facilitators too."""
    session = roster.managed_session(ctx.db, session_id, user)
    if len(reason) > 300:
        return _session_cancel_page(
            request, ctx, session, reason=reason[:300], error="A reason has at most 300 characters."
        )
    if confirm != CONFIRMED:
        return _session_cancel_page(request, ctx, session, reason=reason)
    outcome = run_change(
        ctx.db, lambda: changes.coordinator_cancel_session(ctx.db, session, reason)
    )
    if isinstance(outcome, Refusal):
        return _session_cancel_page(request, ctx, session, reason=reason, error=outcome.message)
    ctx.flash(
        f"The session is cancelled; {len(outcome)} "
        f"{'person was' if len(outcome) == 1 else 'people were'} e-mailed (and refunded in "
        "full where they had paid).",
        "success",
    )
    return redirect(f"/coordinator/sessions/{session_id}")


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
