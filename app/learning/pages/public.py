"""Pages of the online player, "My learning", access grants, and ``/api/v1/learning``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts.permissions import Coordinator, SignedIn
from app.accounts.sessions import Ctx
from app.errors import AppError, Invalid
from app.learning import grading, player, service
from app.learning.hooks import MY_LEARNING_SECTIONS
from app.learning.player import ModuleView, NotReachable
from app.learning.service import NoAccess
from app.pages import change_or_form_again, page_router, render_form_page
from app.web import redirect, render

router = page_router()

FormStr = Annotated[str, Form()]


def _no_access(request: Request, exc: NoAccess) -> Response:
    return render(
        request,
        "learning/no_access.html",
        {"course_slug": exc.course_slug, "course_title": exc.course_title},
        status_code=exc.status,
    )


def _not_reachable(ctx: Ctx, slug: str, exc: NotReachable) -> Response:
    ctx.flash(exc.message, "info")
    return redirect(f"/learn/{slug}/{exc.position}")


def _module_page(
    request: Request, view: ModuleView, *, retry: str = "", errors: dict[str, str] | None = None
) -> Response:
    errors = errors or {}
    known = {check.id for check in view.checks}
    return render(
        request,
        "learning/module.html",
        {
            "view": view,
            "retry": retry,
            "errors": errors,
            "page_error": next((m for c, m in errors.items() if c not in known), None),
        },
        status_code=422 if errors else 200,
    )


@router.get("/learning", response_class=HTMLResponse)
def my_learning(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    """My learning: the learner's courses with their progress, and their certificates."""
    # Higher features (documents: certificates) add sections through a hook.
    found = MY_LEARNING_SECTIONS.send(ctx.db, user)
    sections = [section for section in found if section is not None]
    return render(
        request,
        "learning/my_learning.html",
        {"rows": service.my_learning(ctx.db, user), "sections": sections},
    )


@router.get("/learning/grants", response_class=HTMLResponse)
def grants(request: Request, ctx: Ctx, _: Coordinator) -> Response:
    """Coordinators: give learners access to courses; the grants so far."""
    return _grants_page(request, ctx)


def _grants_page(
    request: Request, ctx: Ctx, *, form: dict[str, str] | None = None, error: AppError | None = None
) -> Response:
    return render_form_page(
        request,
        "learning/grants.html",
        {
            "courses": service.course_choices(ctx.db),
            "grants": service.list_grants(ctx.db),
            "form": form or {},
        },
        error=error,
    )


@router.post("/learning/grants", response_class=HTMLResponse)
def create_grant(
    request: Request, ctx: Ctx, coordinator: Coordinator, course: FormStr = "", email: FormStr = ""
) -> Response:
    """Give one learner access to one course."""
    # Every refusal (an unknown course or address included) is shown on the form.

    def grant() -> str:
        service.grant_access(ctx.db, course, email, coordinator)
        title = dict(service.course_choices(ctx.db)).get(course, course)
        return f"Access granted: {email.strip()} can now study “{title}” online."

    form = {"course": course, "email": email}
    return change_or_form_again(
        ctx,
        grant,
        done="/learning/grants",
        form_again=lambda error: _grants_page(request, ctx, form=form, error=error),
        refusals=(AppError,),
    )


@router.get("/learn/{slug}", response_class=HTMLResponse)
def resume(request: Request, ctx: Ctx, user: SignedIn, slug: str) -> Response:
    """Start or resume the course and go to the module to continue with."""
    try:
        progress = service.start_or_resume(ctx.db, user, slug)
    except NoAccess as exc:
        return _no_access(request, exc)
    return redirect(f"/learn/{slug}/{progress.current_position}")


@router.get("/learn/{slug}/{position:id}", response_class=HTMLResponse)
def module_page(
    request: Request, ctx: Ctx, user: SignedIn, slug: str, position: int, retry: str = ""
) -> Response:
    """One module: lesson, knowledge checks, progress, navigation."""
    try:
        view = player.study_module(ctx.db, user, slug, position)
    except NoAccess as exc:
        return _no_access(request, exc)
    except NotReachable as exc:
        return _not_reachable(ctx, slug, exc)
    return _module_page(request, view, retry=retry)


@router.post("/learn/{slug}/{position:id}/checks/{check_id}", response_class=HTMLResponse)
def answer(
    request: Request,
    ctx: Ctx,
    user: SignedIn,
    slug: str,
    position: int,
    check_id: str,
    choice: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Grade a knowledge-check answer and show the result on the module page."""
    try:
        chosen = _choice_numbers(choice or [])
        result = grading.answer_at(ctx.db, user, slug, position, check_id, chosen)
    except NoAccess as exc:
        return _no_access(request, exc)
    except Invalid as exc:
        # Shown next to the question, with status 422; nothing was recorded.
        try:
            view = player.view_module(ctx.db, user, slug, position)
        except NotReachable as not_yet:
            return _not_reachable(ctx, slug, not_yet)
        return _module_page(request, view, retry=check_id, errors={check_id: exc.message})
    if result.correct:
        ctx.flash("Correct. The explanation is below the question.", "success")
    else:
        ctx.flash(f"Not quite: {result.score} %. Read the explanation and try again.", "info")
    return redirect(f"/learn/{slug}/{position}#check-{check_id}")


def _choice_numbers(values: list[str]) -> list[int]:
    try:
        return [int(value) for value in values]
    except ValueError as exc:
        raise Invalid("Choose among the offered answers.") from exc


# What app/main.py includes, in this order.
ROUTERS = (router,)
