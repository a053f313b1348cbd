"""The page toolkit: what every HTML page handler is built from.

- ``page_router()``: a router whose unsafe requests (POST, PUT, PATCH, DELETE) must carry
  the session's CSRF token. Every page router is made with it, so no sub-router is safe
  only because its parent happens to check.
- ``SignedIn``, ``Coordinator``, ``Facilitator``, ``Admin`` (``app.accounts.permissions``):
  who may call a handler is part of its signature.
- ``run_change(db, action)``: run one change in a savepoint and return its value, or a
  ``Refusal`` carrying the error a person can act on, with the change rolled back.
- ``change_or_flash(ctx, action)``: ``run_change`` with a refusal flashed; value or None.
- ``change_then_redirect(ctx, action, back=...)``: the usual shape of a form POST:
  run the change, flash its message (or the refusal), redirect.
- ``change_or_form_again(ctx, action, done=..., form_again=...)``: a form POST whose
  refusal is shown on the form again, as typed (``change_then_redirect`` goes back instead).
- ``render_form_page(request, template, context, error=...)``: a page whose form may be
  shown again with a refusal: its message as ``error`` and its status (else 200).
- ``PageForm``: the base of every typed page form: fields arrive as text, so a form with
  a mistake is shown again exactly as typed.

GET handlers never write: a link followed twice, or fetched ahead by a browser, must not
create an order or issue a certificate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session
from starlette.responses import Response

from app.accounts.sessions import RequestContext
from app.errors import AppError, Conflict, Invalid
from app.web import redirect, render, verify_csrf

T = TypeVar("T")

# The errors that are a person's to fix (a full session, a date in the past): shown on
# the page. NotFound, Forbidden and anything unexpected propagate to the error handlers.
REFUSALS: tuple[type[AppError], ...] = (Conflict, Invalid)


def page_router(**options: Any) -> APIRouter:
    """An ``APIRouter`` for HTML pages with the CSRF check always on."""
    dependencies = [Depends(verify_csrf), *options.pop("dependencies", [])]
    return APIRouter(dependencies=dependencies, **options)


@dataclass(frozen=True)
class Refusal:
    """A change that was refused; nothing it did is left in the database."""

    error: AppError

    @property
    def message(self) -> str:
        """What to tell the person."""
        return self.error.message


def run_change(
    db: Session, action: Callable[[], T], *, refusals: tuple[type[AppError], ...] = REFUSALS
) -> T | Refusal:
    """Run ``action`` in a savepoint; its value, or a ``Refusal`` with the change undone."""
    try:
        with db.begin_nested():
            return action()
    except refusals as exc:
        return Refusal(exc)


def change_or_flash(
    ctx: RequestContext, action: Callable[[], T], *, refusals: tuple[type[AppError], ...] = REFUSALS
) -> T | None:
    """``run_change``, with a refusal flashed as an error: the action's value, or None."""
    outcome = run_change(ctx.db, action, refusals=refusals)
    if isinstance(outcome, Refusal):
        ctx.flash(outcome.message, "error")
        return None
    return outcome


def change_then_redirect(
    ctx: RequestContext,
    action: Callable[[], str],
    *,
    back: str,
    done: str | None = None,
    refusals: tuple[type[AppError], ...] = REFUSALS,
) -> Response:
    """Run a change that returns its success message; flash it and go to ``done``.

    A refusal is flashed as an error and the person goes ``back`` to the form.
    """
    outcome = run_change(ctx.db, action, refusals=refusals)
    if isinstance(outcome, Refusal):
        ctx.flash(outcome.message, "error")
        return redirect(back)
    ctx.flash(outcome, "success")
    return redirect(done or back)


def change_or_form_again(
    ctx: RequestContext,
    action: Callable[[], str],
    *,
    done: str,
    form_again: Callable[[AppError], Response],
    refusals: tuple[type[AppError], ...] = REFUSALS,
) -> Response:
    """Run a change that returns its success message; flash it and go to ``done``.

    A refusal is answered by ``form_again(error)``: the form shown again as it was typed,
    with nothing of the change written.
    """
    outcome = run_change(ctx.db, action, refusals=refusals)
    if isinstance(outcome, Refusal):
        return form_again(outcome.error)
    ctx.flash(outcome, "success")
    return redirect(done)


def render_form_page(
    request: Request, template: str, context: dict[str, Any], *, error: AppError | None = None
) -> Response:
    """Render a page whose form may come back refused: the refusal's message is the
    template's ``error`` (None when there is none) and its status the page's (else 200)."""
    shown = {**context, "error": error.message if error else None}
    return render(request, template, shown, status_code=error.status if error else 200)


class PageForm(BaseModel):
    """Base of the typed page forms (``form: Annotated[SomeForm, Form()]``).

    Every field is text, kept as typed so a form with a mistake is shown again exactly as
    it was sent; fields the form does not know (the CSRF token) are ignored. Conversion
    into a service's input is the form's own method, raising ``Invalid`` that names the
    field in words a person can act on.
    """

    model_config = ConfigDict(extra="ignore")
