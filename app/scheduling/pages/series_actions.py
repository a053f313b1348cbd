"""Coordinator pages that change a series' future: end it from a date, remove a date
exception. Each shows a confirmation page first (built from a rolled-back run of the very
change), and acts only when the form carries ``confirm=yes``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts.permissions import Coordinator
from app.accounts.sessions import Ctx
from app.bounds import form_date
from app.errors import Conflict, Invalid
from app.formatting import long_date
from app.pages import Refusal, page_router, run_change
from app.scheduling import series, series_changes
from app.scheduling.models import Series
from app.scheduling.series import SeriesResult
from app.web import redirect, render

router = page_router()
FormStr = Annotated[str, Form()]
CONFIRMED = "yes"  # what a confirmation page's button sends


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _done(ctx: Ctx, item: Series, result: SeriesResult, first: str) -> Response:
    """Flash what happened and show the series, with the sessions kept listed on it."""
    parts = [first]
    if result.cancelled:
        parts.append(f"{_count(len(result.cancelled), 'session')} without enrolments removed.")
    if result.created:
        parts.append(f"{_count(len(result.created), 'session')} created.")
    if result.changed:
        parts.append(f"{_count(len(result.changed), 'session')} moved back to the rule.")
    if result.not_changed:
        parts.append(
            f"{_count(len(result.not_changed), 'session')} with enrolments kept (listed below: "
            "cancel each from its roster, or keep it)."
        )
    ctx.flash(" ".join(parts), "success")
    kept = ",".join(str(s.id) for s in result.not_changed)
    return redirect(f"/coordinator/series/{item.id}" + (f"?kept={kept}" if kept else ""))


def _confirm(
    request: Request, item: Series, plan: series_changes.SeriesPlan, **context: Any
) -> Response:
    return render(
        request,
        "scheduling/confirm_series_change.html",
        {
            "item": item,
            "plan": plan,
            "back": f"/coordinator/series/{item.id}",
            "back_label": "No, back to the series",
            **context,
        },
    )


@router.post("/coordinator/series/{series_id:id}/end", response_class=HTMLResponse)
def end_series(
    request: Request,
    ctx: Ctx,
    _: Coordinator,
    series_id: int,
    from_date: FormStr = "",
    confirm: FormStr = "",
) -> Response:
    """End a series from a date, once confirmed: no sessions from then on; those without
    enrolments removed, those with enrolments kept and listed."""
    item = series.get_series(ctx.db, series_id)
    back = f"/coordinator/series/{series_id}#end"
    try:
        day = form_date(from_date, "End from")
        if confirm != CONFIRMED:
            plan = series_changes.preview(
                ctx.db, lambda: series_changes.end_series(ctx.db, item, day)
            )
    except (Invalid, Conflict) as exc:
        ctx.flash(exc.message, "error")
        return redirect(back)
    if confirm != CONFIRMED:
        item = series.get_series(ctx.db, series_id)  # afresh: the preview was rolled back
        return _confirm(
            request,
            item,
            plan,
            heading=f"End '{item.title}' from {long_date(day)}?",
            lead=f"No session of this series is generated from {long_date(day)} on; "
            f"its last possible date becomes {long_date(day.fromordinal(day.toordinal() - 1))}.",
            action=f"/coordinator/series/{item.id}/end",
            fields={"from_date": day.isoformat()},
            confirm_label="Yes, end the series",
        )
    result = run_change(ctx.db, lambda: series_changes.end_series(ctx.db, item, day))
    if isinstance(result, Refusal):
        ctx.flash(result.message, "error")
        return redirect(back)
    return _done(ctx, item, result, f"'{item.title}' ends before {long_date(day)}.")


@router.post(
    "/coordinator/series/{series_id:id}/exceptions/{exception_id:id}/remove",
    response_class=HTMLResponse,
)
def remove_exception(
    request: Request,
    ctx: Ctx,
    _: Coordinator,
    series_id: int,
    exception_id: int,
    confirm: FormStr = "",
) -> Response:
    """Remove a date exception, once confirmed; the rule applies to that date again at once."""
    item = series.get_series(ctx.db, series_id)
    what = series_changes.describe_exception(series_changes.find_exception(item, exception_id))

    def change() -> SeriesResult:
        return series_changes.remove_exception(ctx.db, item, exception_id)

    if confirm != CONFIRMED:
        try:
            plan = series_changes.preview(ctx.db, change)
        except (Invalid, Conflict) as exc:
            ctx.flash(exc.message, "error")
            return redirect(f"/coordinator/series/{series_id}#exceptions")
        item = series.get_series(ctx.db, series_id)
        return _confirm(
            request,
            item,
            plan,
            heading="Remove this exception?",
            lead=f"“{what}” is removed: the rule and the holiday policy decide that date again, "
            "and its sessions are created, moved back or removed at once.",
            action=f"/coordinator/series/{item.id}/exceptions/{exception_id}/remove",
            fields={},
            confirm_label="Yes, remove the exception",
        )
    result = run_change(ctx.db, change)
    if isinstance(result, Refusal):
        ctx.flash(result.message, "error")
        return redirect(f"/coordinator/series/{series_id}#exceptions")
    return _done(ctx, item, result, f"The exception “{what}” is removed.")
