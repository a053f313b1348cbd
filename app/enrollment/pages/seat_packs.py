"""Seat-pack pages: coordinators sell packs; organisation coordinators assign and release."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from app.accounts import organisations
from app.accounts.models import Organisation
from app.accounts.permissions import Coordinator, SignedIn
from app.accounts.sessions import Ctx
from app.bounds import form_date, form_id, form_int
from app.content.models import Course
from app.enrollment import changes, rules, seat_packs, views
from app.enrollment.pages.bookings import FormStr
from app.errors import AppError, Invalid, NotFound
from app.pages import (
    PageForm,
    change_or_form_again,
    change_then_redirect,
    page_router,
    render_form_page,
)
from app.scheduling import visibility
from app.scheduling.models import CourseSession
from app.scheduling.workdays import check_date
from app.web import redirect, render

router = page_router()

PACKS_PAGE = "/coordinator/seat-packs"


def parse_date(value: str, what: str) -> date:
    """A form's YYYY-MM-DD date; ``Invalid`` names the field otherwise."""
    label = what.capitalize()
    return check_date(form_date(value, label), label)


def _packs_page(
    request: Request, ctx: Ctx, *, form: dict[str, str], error: AppError | None = None
) -> Response:
    organisations = list(ctx.db.scalars(select(Organisation).order_by(Organisation.name)))
    courses = sorted(
        rules.course_titles(ctx.db, ctx.db.scalars(select(Course.id))).items(),
        key=lambda item: item[1],
    )
    return render_form_page(
        request,
        "enrollment/seat_packs.html",
        {
            "usages": seat_packs.pack_usages(ctx.db),
            "organisations": organisations,
            "courses": courses,
            "form": form,
            "today": date.today(),
        },
        error=error,
    )


@router.get(PACKS_PAGE, response_class=HTMLResponse)
def packs(request: Request, ctx: Ctx, _: Coordinator) -> Response:
    """All seat packs with used and unused seats, and a form to create one."""
    return _packs_page(request, ctx, form={})


class PackForm(PageForm):
    """The seat pack form, as typed."""

    organisation_id: str = ""
    seats: str = ""
    course_id: str = ""
    valid_from: str = ""
    valid_until: str = ""


@router.post(PACKS_PAGE, response_class=HTMLResponse)
def create_pack(
    request: Request, ctx: Ctx, user: Coordinator, form: Annotated[PackForm, Form()]
) -> Response:
    """Create a seat pack for a client organisation."""

    def create() -> str:
        chosen = form_id(form.organisation_id)
        if chosen is None:
            raise Invalid("Choose the client organisation.")
        course = form_id(form.course_id)
        if form.course_id.strip() and course is None:
            raise Invalid("Choose an existing course, or any course.")
        pack = seat_packs.create_seat_pack(
            ctx.db,
            user,
            organisation_id=chosen,
            seats=form_int(form.seats, "Seats"),
            course_id=course,
            valid_from=parse_date(form.valid_from, "first valid day"),
            valid_until=parse_date(form.valid_until, "last valid day"),
        )
        return f"Seat pack created: {pack.seats} seats."

    return change_or_form_again(
        ctx,
        create,
        done=PACKS_PAGE,
        form_again=lambda error: _packs_page(request, ctx, form=form.model_dump(), error=error),
    )


@router.get("/orgs/{organisation_id:id}/seat-packs", response_class=HTMLResponse)
def org_packs(request: Request, ctx: Ctx, user: SignedIn, organisation_id: int) -> Response:
    """An organisation's seat packs: who uses them, and a form to assign a seat."""
    organisation = ctx.db.get(Organisation, organisation_id)
    if organisation is None or not (
        visibility.is_staff(user)
        or organisation.id in organisations.coordinated_organisation_ids(ctx.db, user.id)
    ):
        raise NotFound("There is no such organisation.")
    usages = seat_packs.pack_usages(ctx.db, [organisation.id])
    sessions = {
        usage.pack.id: views.session_views(ctx.db, seat_packs.eligible_sessions(ctx.db, usage.pack))
        for usage in usages
        if usage.unused and usage.pack.valid_until >= date.today()
    }
    return render(
        request,
        "enrollment/org_seat_packs.html",
        {
            "organisation": organisation,
            "usages": usages,
            "sessions": sessions,
            "members": seat_packs.organisation_members(ctx.db, organisation.id),
        },
    )


@router.post("/orgs/{organisation_id:id}/seat-packs/{pack_id:id}/assign")
def assign(
    ctx: Ctx,
    user: SignedIn,
    organisation_id: int,
    pack_id: int,
    email: FormStr = "",
    session_id: FormStr = "",
) -> Response:
    """Give one pack seat to a member on a session."""
    pack = seat_packs.get_pack(ctx.db, pack_id, user)
    if pack.organisation_id != organisation_id:
        raise NotFound("There is no such seat pack.")
    back = f"/orgs/{organisation_id}/seat-packs"
    chosen = form_id(session_id)
    session = ctx.db.get(CourseSession, chosen) if chosen is not None else None
    if session is None:
        ctx.flash("Choose the session.", "error")
        return redirect(back)

    def run() -> str:
        seat_packs.assign_seat(ctx.db, pack, employee_email=email, session=session, acting=user)
        return f"Seat assigned to {email.strip()} on {rules.session_label(ctx.db, session)}."

    return change_then_redirect(ctx, run, back=back)


@router.post("/orgs/{organisation_id:id}/seat-packs/assignments/{enrollment_id:id}/release")
def release(ctx: Ctx, user: SignedIn, organisation_id: int, enrollment_id: int) -> Response:
    """Release a pack seat: the employee's enrolment is cancelled, the seat is free again."""
    enrollment = changes.get_enrollment(ctx.db, enrollment_id)
    pack = seat_packs.get_pack(ctx.db, enrollment.seat_pack_id or 0, user)
    if pack.organisation_id != organisation_id:
        raise NotFound("There is no such assignment.")

    def run() -> str:
        seat_packs.release_assignment(ctx.db, enrollment, user)
        return "The seat is released and free in the pack again."

    return change_then_redirect(ctx, run, back=f"/orgs/{organisation_id}/seat-packs")
