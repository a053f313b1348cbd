"""Learner pages: a session with "Book a seat", My bookings, in-house requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import organisations
from app.accounts.models import Organisation, User
from app.accounts.permissions import SignedIn, require_user
from app.accounts.sessions import Ctx, RequestContext
from app.bounds import form_id, form_int
from app.db import utcnow
from app.enrollment import (
    changes,
    confirmations,
    group_bookings,
    hooks,
    inhouse,
    payers,
    programmes,
    public_schedule,
    rules,
    seats,
    views,
    waitlist,
)
from app.enrollment.models import Enrollment, EnrollmentStatus
from app.enrollment.pages.confirm import CONFIRMED, confirm_page, move_confirmation
from app.errors import AppError, Invalid, NotFound
from app.formatting import local_time
from app.pages import (
    PageForm,
    change_or_form_again,
    change_then_redirect,
    page_router,
    render_form_page,
)
from app.scheduling import visibility
from app.scheduling.models import CourseSession, SessionStatus
from app.web import redirect, render

router = page_router()

FormStr = Annotated[str, Form()]


def visible_session(db: Session, ctx: RequestContext, session_id: int) -> CourseSession:
    """A session the visitor may see; ``NotFound`` for in-house sessions of others."""
    session = db.get(CourseSession, session_id)
    if session is None or not visibility.can_see_session(db, ctx.user, session):
        raise NotFound("There is no such session.")
    return session


def own_booking(db: Session, user: User, enrollment_id: int) -> Enrollment:
    """One of the signed-in person's bookings; anyone else's is ``NotFound``."""
    enrollment = db.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.user_id != user.id:
        raise NotFound("There is no such booking.")
    return enrollment


def outcome(db: Session, enrollment: Enrollment, *, for_someone: str | None = None) -> str:
    """What happened, in a sentence for the flash message (about ``for_someone`` if given)."""
    session = db.get(CourseSession, enrollment.session_id)
    assert session is not None
    label = rules.session_label(db, session)
    whose = f"{for_someone}’s" if for_someone else "Your"
    you = for_someone or "you"
    if enrollment.status == EnrollmentStatus.CONFIRMED:
        return f"{whose} seat on {label} is confirmed. {paid_by(db, enrollment)}".strip()
    if enrollment.status == EnrollmentStatus.HELD:
        assert enrollment.hold_expires_at is not None
        until = local_time(enrollment.hold_expires_at, session.timezone)
        return f"A seat on {label} is held for {you} until {until}."
    if enrollment.status == EnrollmentStatus.WAITLISTED:
        position = waitlist.waitlist_position(db, enrollment)
        verb = "is" if for_someone else "are"
        return f"{label} is full: {you} {verb} number {position} on the waitlist."
    return f"{whose} booking on {label} is now {enrollment.status}."


def paid_by(db: Session, enrollment: Enrollment) -> str:
    """How a confirmed seat is paid, in a sentence ("Paid from Northwind's seat pack.")."""
    text = payers.payer_text(db, enrollment)
    if text:
        return f"{text}."
    link = hooks.order_links(db, [enrollment.id]).get(enrollment.id)
    return f"Billed on order {link.label}." if link is not None else ""


@router.get("/sessions/{session_id:id}", response_class=HTMLResponse)
def session_page(request: Request, ctx: Ctx, session_id: int) -> Response:
    """A session: dates, place, price, seats left, and the visitor's booking or a button."""
    db = ctx.db
    session = visible_session(db, ctx, session_id)
    user = ctx.user
    mine = rules.live_enrollment(db, session.id, user.id, utcnow()) if user else None
    view = views.session_view(db, session)
    group_url = None
    if session.series_id is not None and session.status == SessionStatus.SCHEDULED:
        day = group_bookings.group_day(db, user, session.series_id, session.starts_on)
        if len(day.sessions) >= 2:  # tracks side by side: colleagues can share the day
            group_url = public_schedule.group_booking_path(session.series_id, session.starts_on)
    return render(
        request,
        "enrollment/session.html",
        {
            "view": view,
            "mine": views.booking_view(db, mine, view) if mine else None,
            "bookable": user is not None
            and session.status == SessionStatus.SCHEDULED
            and not visibility.has_started(session, utcnow())
            and visibility.can_book(db, user, session),
            "started": visibility.has_started(session, utcnow()),
            "group_url": group_url,
            "programmes": programmes.programmes_with_course(db, session.course_id),
            "can_manage": user is not None and visibility.can_manage_session(db, user, session),
            "can_attend": user is not None and visibility.can_run_session(db, user, session.id),
        },
    )


@router.post("/sessions/{session_id:id}/book")
def book(ctx: Ctx, user: SignedIn, session_id: int) -> Response:
    """Take a seat, or join the waitlist when the session is full; a held seat goes to pay."""
    session = visible_session(ctx.db, ctx, session_id)
    return attempt_then_pay(
        ctx, f"/sessions/{session_id}", lambda: seats.take_seat(ctx.db, session, user)
    )


def continue_to_payment(enrollment_id: int) -> Response:
    """Go on to pay for a seat just held: a 307 repeats this POST (and its CSRF token) at
    the payment step, which makes the order; a GET there would only show a button."""
    return RedirectResponse(hooks.payment_url(enrollment_id), status_code=307)


def attempt_then_pay(
    ctx: RequestContext, back: str, action: Callable[[], Enrollment], *, done: str | None = None
) -> Response:
    """Like ``change_then_redirect``; a seat left held continues to its payment step."""
    held: list[int] = []

    def run() -> str:
        enrollment = action()
        if enrollment.status == EnrollmentStatus.HELD:
            held.append(enrollment.id)
        return outcome(ctx.db, enrollment)

    response = change_then_redirect(ctx, run, back=back, done=done)
    return continue_to_payment(held[0]) if held else response


@router.get("/bookings", response_class=HTMLResponse)
def my_bookings(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    """My bookings: seats, holds, offers and waitlist places, with what can be done."""
    bookings = views.booking_views(ctx.db, user)
    targets = {
        b.enrollment.id: views.transfer_targets(ctx.db, user, b.session.session)
        for b in bookings
        if b.can_transfer
    }
    return render(request, "enrollment/bookings.html", {"bookings": bookings, "targets": targets})


def _cancel_confirmation(
    request: Request, ctx: RequestContext, user: User, enrollment: Enrollment
) -> Response:
    session = visible_session(ctx.db, ctx, enrollment.session_id)
    view = views.booking_view(ctx.db, enrollment, views.session_view(ctx.db, session))
    if not view.can_cancel or enrollment.status == EnrollmentStatus.WAITLISTED:
        ctx.flash(f"This booking ({view.status_text.lower()}) cannot be cancelled here.", "error")
        return redirect("/bookings")
    preview = confirmations.cancel_preview(
        ctx.db, enrollment, hooks.Release.LEARNER, by_learner=True
    )
    return confirm_page(
        request,
        "enrollment/confirm_cancel.html",
        heading="Cancel this booking?",
        lead=f"Your booking on {view.session.course_title}, {view.session.when}, is cancelled "
        "and your seat is given up.",
        action=f"/bookings/{enrollment.id}/cancel",
        back="/bookings",
        confirm_label="Yes, cancel my booking",
        back_label="No, keep it",
        preview=preview,
        status_text=view.status_text,
        refund=preview.refund,
        told=preview.told,
    )


@router.get("/bookings/{enrollment_id:id}/cancel", response_class=HTMLResponse)
def cancel_booking_page(request: Request, ctx: Ctx, user: SignedIn, enrollment_id: int) -> Response:
    """What cancelling my booking would do (the refund by the policy), with a confirm button."""
    return _cancel_confirmation(request, ctx, user, own_booking(ctx.db, user, enrollment_id))


@router.post("/bookings/{enrollment_id:id}/cancel")
def cancel_booking(
    request: Request, ctx: Ctx, user: SignedIn, enrollment_id: int, confirm: FormStr = ""
) -> Response:
    """Cancel my booking (a confirmed seat only until the cut-off), once confirmed: without
    ``confirm=yes`` (a first click, an old one-step form) the confirmation page is shown."""
    enrollment = own_booking(ctx.db, user, enrollment_id)
    if confirm != CONFIRMED:
        return _cancel_confirmation(request, ctx, user, enrollment)

    def run() -> str:
        changes.cancel_enrollment(ctx.db, enrollment, user)
        return "Your booking is cancelled."

    return change_then_redirect(ctx, run, back="/bookings")


@router.post("/bookings/{enrollment_id:id}/transfer")
def transfer_booking(
    request: Request,
    ctx: Ctx,
    user: SignedIn,
    enrollment_id: int,
    session_id: FormStr = "",
    confirm: FormStr = "",
) -> Response:
    """Move my seat to another session of the same course, once confirmed."""
    enrollment = own_booking(ctx.db, user, enrollment_id)
    chosen = form_id(session_id)
    if chosen is None:
        ctx.flash("Choose the session to move to.", "error")
        return redirect("/bookings")
    target = visible_session(ctx.db, ctx, chosen)
    if confirm != CONFIRMED:
        action = f"/bookings/{enrollment.id}/transfer"
        return move_confirmation(
            request, ctx, enrollment, target, by_learner=True, action=action, back="/bookings"
        )

    def run() -> str:
        changes.transfer_enrollment(ctx.db, enrollment, user, target)
        return f"Moved: you now have your seat on {rules.session_label(ctx.db, target)}."

    return change_then_redirect(ctx, run, back="/bookings")


@router.post("/bookings/{enrollment_id:id}/accept")
def accept_offer(ctx: Ctx, user: SignedIn, enrollment_id: int) -> Response:
    """Accept a seat offered from the waitlist."""
    enrollment = own_booking(ctx.db, user, enrollment_id)
    return attempt_then_pay(
        ctx, "/bookings", lambda: waitlist.accept_offer(ctx.db, enrollment, user)
    )


@router.post("/bookings/{enrollment_id:id}/decline")
def decline_offer(ctx: Ctx, user: SignedIn, enrollment_id: int) -> Response:
    """Decline an offer or leave the waitlist; the next in line is offered the seat."""
    enrollment = own_booking(ctx.db, user, enrollment_id)

    def run() -> str:
        waitlist.decline_offer(ctx.db, enrollment, user)
        return "Done: you are no longer in line for that session."

    return change_then_redirect(ctx, run, back="/bookings")


@router.get("/in-house-request", response_class=HTMLResponse)
def inhouse_form(request: Request, ctx: Ctx) -> Response:
    """Ask for a private, in-house session of a course."""
    return _inhouse_page(request, ctx, form={})


def _inhouse_page(
    request: Request, ctx: RequestContext, *, form: dict[str, str], error: AppError | None = None
) -> Response:
    user = require_user(ctx)
    orgs = organisations.member_organisation_ids(ctx.db, user.id)
    mine = list(
        ctx.db.scalars(
            select(Organisation).where(Organisation.id.in_(orgs)).order_by(Organisation.name)
        )
    )
    return render_form_page(
        request,
        "enrollment/request_form.html",
        {
            "courses": inhouse.course_choices(ctx.db),
            "organisations": mine,
            "form": form,
        },
        error=error,
    )


class InHouseForm(PageForm):
    """The in-house request form, as typed."""

    course_format: str = ""
    participants: str = ""
    preferred_dates: str = ""
    message: str = ""
    organisation_id: str = ""


@router.post("/in-house-request", response_class=HTMLResponse)
def inhouse_submit(
    request: Request, ctx: Ctx, user: SignedIn, form: Annotated[InHouseForm, Form()]
) -> Response:
    """Send an in-house request to the coordinators' inbox."""
    slug, _, format_id = form.course_format.partition(":")

    def send() -> str:
        # Empty: 0, which the service refuses with the allowed range.
        participants = form.participants.strip()
        count = form_int(participants, "Number of participants") if participants else 0
        organisation = form_id(form.organisation_id)
        if form.organisation_id.strip() and organisation is None:
            raise Invalid("Choose one of your organisations, or none.")
        inhouse.create_request(
            ctx.db,
            user,
            course_slug=slug,
            format_id=format_id,
            participants=count,
            preferred_dates=form.preferred_dates,
            message=form.message,
            organisation_id=organisation,
        )
        return "Thank you: your request went to our coordinators, who will reply by e-mail."

    return change_or_form_again(
        ctx,
        send,
        done="/in-house-request",
        form_again=lambda error: _inhouse_page(request, ctx, form=form.model_dump(), error=error),
    )
