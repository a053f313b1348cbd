"""Coordinator pages for sessions: month calendar, standalone sessions, edits, venues."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from app.accounts import organisations
from app.accounts import service as accounts
from app.accounts.permissions import Coordinator
from app.accounts.sessions import Ctx
from app.bounds import form_id
from app.errors import AppError, Conflict, Invalid
from app.pages import (
    PageForm,
    change_or_form_again,
    page_router,
    render_form_page,
)
from app.scheduling import facilitators, forms, sessions, venues, visibility, workdays
from app.scheduling import month as month_grid
from app.scheduling.courses import course_choices, course_titles, format_choices
from app.scheduling.models import CourseSession
from app.web import redirect, render

router = page_router()
FormStr = Annotated[str, Form()]


@router.get("/coordinator/calendar", response_class=HTMLResponse)
def calendar_page(request: Request, ctx: Ctx, _: Coordinator, month: str = "") -> Response:
    """A month of sessions: courses, seats and a link to each roster."""
    first = month_grid.parse_month(month, date.today())
    view = month_grid.month_view(ctx.db, first)
    return render(request, "scheduling/calendar.html", {"view": view})


@router.get("/coordinator/venues", response_class=HTMLResponse)
def venue_list(request: Request, ctx: Ctx, _: Coordinator) -> Response:
    """Venues, and a form to add one."""
    return _venues_page(request, ctx, form={})


def _venues_page(
    request: Request, ctx: Ctx, *, form: dict[str, str], error: AppError | None = None
) -> Response:
    context = {"venues": venues.list_venues(ctx.db), "form": form}
    return render_form_page(request, "scheduling/venues.html", context, error=error)


class VenueForm(PageForm):
    """The venue form, as typed."""

    name: str = ""
    address: str = ""
    online_url: str = ""


@router.post("/coordinator/venues", response_class=HTMLResponse)
def add_venue(
    request: Request, ctx: Ctx, _: Coordinator, form: Annotated[VenueForm, Form()]
) -> Response:
    """Add a venue."""

    def add() -> str:
        venue = venues.create_venue(ctx.db, **form.model_dump())
        return f"Venue '{venue.name}' is added."

    return change_or_form_again(
        ctx,
        add,
        done="/coordinator/venues",
        form_again=lambda error: _venues_page(request, ctx, form=form.model_dump(), error=error),
    )


def form_choices(db: Session) -> dict[str, Any]:
    """What the session and series forms offer: courses, formats, venues, organisations, zones."""
    courses = course_choices(db)
    return {
        "courses": courses,
        "formats": format_choices(courses),
        "venues": venues.list_venues(db),
        "organisations": organisations.list_organisations(db),
        "zones": forms.COMMON_ZONES,
        "countries": forms.HOLIDAY_COUNTRIES,
    }


@router.get("/coordinator/sessions/new", response_class=HTMLResponse)
def new_session(request: Request, ctx: Ctx, _: Coordinator) -> Response:
    """The standalone session form (e.g. a three-day version of a course)."""
    context = {**form_choices(ctx.db), "form": forms.SessionForm()}
    return render(request, "scheduling/session_new.html", context)


@router.post("/coordinator/sessions/new", response_class=HTMLResponse)
def create_session(
    request: Request, ctx: Ctx, _: Coordinator, form: Annotated[forms.SessionForm, Form()]
) -> Response:
    """Save a standalone session over consecutive business days."""
    try:
        with ctx.db.begin_nested():
            created = sessions.create_session(ctx.db, form.to_input())
    except (Invalid, Conflict) as exc:  # e.g. the venue is booked then: say so on the form
        context = {**form_choices(ctx.db), "form": form, "error": exc.message}
        return render(request, "scheduling/session_new.html", context, status_code=422)
    span = created.starts_on.isoformat()
    if created.ends_on != created.starts_on:
        span += f" to {created.ends_on.isoformat()}"
    ctx.flash(f"Session created: {span}. Assign facilitators next.", "success")
    return redirect(f"/coordinator/sessions/{created.id}/edit")


def _edit_page(
    request: Request,
    ctx: Ctx,
    session: CourseSession,
    *,
    form: forms.SessionEditForm | None = None,
    error: str | None = None,
) -> Response:
    db = ctx.db
    form = form or forms.SessionEditForm(
        starts_on=session.starts_on.isoformat(),
        start_time=session.start_time.strftime("%H:%M"),
        end_time=session.end_time.strftime("%H:%M"),
        capacity=str(session.capacity),
        venue_id=str(session.venue_id or ""),
        online_url=session.online_url or "",
    )
    assigned = facilitators.facilitators(db, session.id)
    assigned_ids = {person.id for person in assigned}
    context = {
        "session": session,
        "title": course_titles(db, [session.course_id]).get(session.course_id, "Session"),
        "form": form,
        "error": error,
        "venues": venues.list_venues(db),
        "facilitators": assigned,
        "candidates": [
            p for p in facilitators.facilitator_candidates(db) if p.id not in assigned_ids
        ],
        "start_utc": workdays.local_to_utc(session.starts_on, session.start_time, session.timezone),
        "versions": sessions.session_versions(db, session),
        "started": visibility.has_started(session),
    }
    return render(
        request, "scheduling/session_edit.html", context, status_code=422 if error else 200
    )


@router.get("/coordinator/sessions/{session_id:id}/edit", response_class=HTMLResponse)
def edit_session(request: Request, ctx: Ctx, _: Coordinator, session_id: int) -> Response:
    """Change a session's date, times, capacity, venue and facilitators."""
    return _edit_page(request, ctx, sessions.get_session(ctx.db, session_id))


@router.post("/coordinator/sessions/{session_id:id}/edit", response_class=HTMLResponse)
def save_session(
    request: Request,
    ctx: Ctx,
    _: Coordinator,
    session_id: int,
    form: Annotated[forms.SessionEditForm, Form()],
) -> Response:
    """Save the changes (SEQUENCE goes up so calendars update)."""
    session = sessions.get_session(ctx.db, session_id)
    try:
        with ctx.db.begin_nested():
            changed = sessions.update_session(ctx.db, session, form.to_changes())
    except AppError as exc:
        ctx.db.expire_all()
        session = sessions.get_session(ctx.db, session_id)
        return _edit_page(request, ctx, session, form=form, error=exc.message)
    ctx.flash("The session is updated." if changed else "Nothing was changed.", "success")
    return redirect(f"/coordinator/sessions/{session_id}/edit")


@router.post("/coordinator/sessions/{session_id:id}/course-version")
def move_course_version(ctx: Ctx, _: Coordinator, session_id: int) -> Response:
    """Move a session that has not started to the course's current version."""
    session = sessions.get_session(ctx.db, session_id)
    try:
        version = sessions.move_to_current_version(ctx.db, session)
    except AppError as exc:
        ctx.flash(exc.message, "error")
    else:
        ctx.flash(
            f"The session now teaches version {version.version}: its workbooks, facilitator "
            "guide and certificates follow that version.",
            "success",
        )
    return redirect(f"/coordinator/sessions/{session_id}/edit")


@router.post("/coordinator/sessions/{session_id:id}/facilitators")
def add_facilitator(ctx: Ctx, _: Coordinator, session_id: int, user_id: FormStr = "") -> Response:
    """Book a facilitator on the session; refused when they are booked on overlapping days."""
    session = sessions.get_session(ctx.db, session_id)
    try:
        chosen = form_id(user_id)
        if chosen is None:
            raise Invalid("Choose a facilitator.")
        person = accounts.get_user(ctx.db, chosen)
        facilitators.assign_facilitator(ctx.db, session, person)
    except AppError as exc:
        ctx.flash(exc.message, "error")
    else:
        ctx.flash(f"{person.display_name} is facilitating this session.", "success")
    return redirect(f"/coordinator/sessions/{session_id}/edit")


@router.post("/coordinator/sessions/{session_id:id}/facilitators/{user_id:id}/remove")
def drop_facilitator(ctx: Ctx, _: Coordinator, session_id: int, user_id: int) -> Response:
    """Take a facilitator off the session."""
    session = sessions.get_session(ctx.db, session_id)
    try:
        facilitators.remove_facilitator(ctx.db, session, user_id)
    except AppError as exc:
        ctx.flash(exc.message, "error")
    else:
        ctx.flash("The facilitator is removed.", "success")
    return redirect(f"/coordinator/sessions/{session_id}/edit")
