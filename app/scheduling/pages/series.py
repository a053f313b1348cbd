"""Coordinator pages for series: list, form with live preview, edits, date exceptions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts import organisations
from app.accounts.permissions import Coordinator
from app.accounts.sessions import Ctx
from app.bounds import form_id
from app.errors import AppError, Conflict, Invalid
from app.pages import page_router
from app.scheduling import forms, recurrence, series
from app.scheduling import preview as rule_preview
from app.scheduling.courses import course_titles
from app.scheduling.materialise import load_series_sessions
from app.scheduling.models import CourseSession, Series, SessionStatus
from app.scheduling.pages.sessions import form_choices
from app.web import redirect, render

router = page_router()

PREVIEW_COUNT = 12


def _sessions(count: int) -> str:
    return f"{count} session" + ("" if count == 1 else "s")


def _choices(db: Session) -> dict[str, Any]:
    return {
        **form_choices(db),
        "presets": recurrence.PRESETS,
        "weekdays": list(recurrence.WEEKDAYS),
    }


def _preview(form: forms.SeriesForm) -> tuple[list[recurrence.Occurrence], str | None]:
    """The next dates for the form as typed, or the reason there are none."""
    try:
        _, found = rule_preview.preview(
            form.rule(),
            date.fromisoformat(form.starts_on.strip()) if form.starts_on.strip() else date.today(),
            form.timezone,
            count=PREVIEW_COUNT,
            holiday_country=form.holiday_country or None,
            policy=form.holiday_policy,
        )
    except ValueError:
        return [], "Start date: give a date as YYYY-MM-DD."
    except AppError as exc:
        return [], exc.message
    return found, None


def _form_page(
    request: Request,
    ctx: Ctx,
    form: forms.SeriesForm,
    *,
    item: Series | None = None,
    error: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    occurrences, preview_error = _preview(form)
    context = {
        **_choices(ctx.db),
        "form": form,
        "item": item,
        "error": error,
        "occurrences": occurrences,
        "preview_error": preview_error,
        "preview_count": PREVIEW_COUNT,
        **(extra or {}),
    }
    return render(
        request, "scheduling/series_form.html", context, status_code=422 if error else 200
    )


@router.get("/coordinator/series", response_class=HTMLResponse)
def series_list(request: Request, ctx: Ctx, _: Coordinator) -> Response:
    """Every series with its courses, horizon and number of sessions."""
    found = series.list_series(ctx.db)
    titles = course_titles(ctx.db, {t.course_id for s in found for t in s.tracks})
    counts = dict(
        ctx.db.execute(
            select(CourseSession.series_id, func.count())
            .where(CourseSession.status == SessionStatus.SCHEDULED)
            .group_by(CourseSession.series_id)
        ).all()
    )
    names = {o.id: o.name for o in organisations.list_organisations(ctx.db)}
    rows = [
        {
            "series": item,
            "rule": recurrence.describe_rule(item.rrule),
            "courses": [titles.get(t.course_id, "?") for t in item.tracks],
            "sessions": counts.get(item.id, 0),
            "organisation": names.get(item.organisation_id) if item.organisation_id else None,
        }
        for item in found
    ]
    return render(request, "scheduling/series_list.html", {"rows": rows})


@router.get("/coordinator/series/new", response_class=HTMLResponse)
def new_series(request: Request, ctx: Ctx, _: Coordinator) -> Response:
    """The empty series form, starting next month."""
    today = date.today()
    first_of_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return _form_page(request, ctx, forms.SeriesForm(starts_on=first_of_next.isoformat()))


@router.post("/coordinator/series/new", response_class=HTMLResponse)
def create_series(
    request: Request, ctx: Ctx, _: Coordinator, form: Annotated[forms.SeriesForm, Form()]
) -> Response:
    """Preview the dates (the no-JavaScript path), or save the series and its sessions."""
    if form.action == "preview":
        return _form_page(request, ctx, form)
    try:
        with ctx.db.begin_nested():  # a refusal leaves nothing behind
            result = series.create_series(ctx.db, form.to_create())
    except (Invalid, Conflict) as exc:
        return _form_page(request, ctx, form, error=exc.message)
    created = result.created
    last = created[-1].starts_on if created else result.series.materialised_until
    ctx.flash(
        f"Created '{result.series.title}' with {_sessions(len(created))} up to {last}.", "success"
    )
    return redirect(f"/coordinator/series/{result.series.id}")


def _series_page_extra(db: Session, item: Series, kept: str) -> dict[str, Any]:
    sessions = load_series_sessions(db, item.id)
    kept_ids = {found for part in kept.split(",") if (found := form_id(part)) is not None}
    return {
        "sessions": sessions,
        "session_titles": course_titles(db, {s.course_id for s in sessions}),
        "kept": [s for s in sessions if s.id in kept_ids],
        "exceptions": sorted(
            item.exceptions, key=lambda e: e.original_date or e.new_date or date.min
        ),
        "exception_form": forms.ExceptionForm(),
        "rule_text": recurrence.describe_rule(item.rrule),
    }


@router.get("/coordinator/series/{series_id:id}", response_class=HTMLResponse)
def series_page(
    request: Request, ctx: Ctx, _: Coordinator, series_id: int, kept: str = ""
) -> Response:
    """A series: its form (to edit), its sessions and its date exceptions."""
    item = series.get_series(ctx.db, series_id)
    form = forms.SeriesForm.from_series(series.current_values(item, ctx.db))
    extra = _series_page_extra(ctx.db, item, kept)
    return _form_page(request, ctx, form, item=item, extra=extra)


@router.post("/coordinator/series/{series_id:id}", response_class=HTMLResponse)
def update_series(
    request: Request,
    ctx: Ctx,
    _: Coordinator,
    series_id: int,
    form: Annotated[forms.SeriesForm, Form()],
) -> Response:
    """Preview, or save the changes and re-apply them to future sessions not in use."""
    item = series.get_series(ctx.db, series_id)
    if form.action == "preview":
        return _form_page(request, ctx, form, item=item, extra=_series_page_extra(ctx.db, item, ""))
    try:
        with ctx.db.begin_nested():
            result = series.update_series(ctx.db, item, form.to_update())
    except (Invalid, Conflict) as exc:
        ctx.db.expire_all()
        item = series.get_series(ctx.db, series_id)
        extra = _series_page_extra(ctx.db, item, "")
        return _form_page(request, ctx, form, item=item, error=exc.message, extra=extra)
    parts = [f"Saved '{item.title}'."]
    counts = [
        (len(result.created), "created"),
        (len(result.changed), "updated"),
        (len(result.cancelled), "cancelled"),
    ]
    parts += [f"{_sessions(n)} {verb}." for n, verb in counts if n]
    if result.not_changed:
        parts.append(
            f"{_sessions(len(result.not_changed))} with enrolments not changed (listed below)."
        )
    ctx.flash(" ".join(parts), "success")
    kept = ",".join(str(s.id) for s in result.not_changed)
    return redirect(f"/coordinator/series/{series_id}" + (f"?kept={kept}" if kept else ""))


@router.post("/coordinator/series/{series_id:id}/exceptions")
def add_exception(
    ctx: Ctx, _: Coordinator, series_id: int, form: Annotated[forms.ExceptionForm, Form()]
) -> Response:
    """Cancel, move or add one date, applied at once to its sessions (unless in use)."""
    item = series.get_series(ctx.db, series_id)
    try:
        original, new = form.dates()
        with ctx.db.begin_nested():
            result = series.add_exception(ctx.db, item, form.kind, original, new, form.note)
    except (Invalid, Conflict) as exc:
        ctx.flash(exc.message, "error")
        return redirect(f"/coordinator/series/{series_id}#exceptions")
    message = "The exception is saved and applied."
    if result.not_changed:
        message += (
            f" {_sessions(len(result.not_changed))} with enrolments not changed (listed below)."
        )
    ctx.flash(message, "success")
    kept = ",".join(str(s.id) for s in result.not_changed)
    return redirect(f"/coordinator/series/{series_id}" + (f"?kept={kept}" if kept else ""))
