"""Coordinator pages: the programme catalogue (create, edit, retire, offer again)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.accounts.permissions import Coordinator
from app.accounts.sessions import Ctx
from app.bounds import form_id, form_money
from app.enrollment import programmes
from app.enrollment.models import Programme
from app.enrollment.schemas import ProgrammeIn
from app.errors import AppError, Invalid
from app.formatting import money_field
from app.pages import (
    PageForm,
    change_or_form_again,
    change_then_redirect,
    page_router,
    render_form_page,
)
from app.scheduling.courses import course_choices
from app.web import render

router = page_router()

CATALOGUE = "/coordinator/programmes"


class ProgrammeForm(PageForm):
    """The programme form, as typed."""

    title: str = ""
    description: str = ""
    course_1: str = ""
    course_2: str = ""
    course_3: str = ""
    course_4: str = ""
    price: str = ""
    currency: str = "USD"

    def to_input(self) -> ProgrammeIn:
        """The service's input; ``Invalid`` names the field that is wrong."""
        picked = [self.course_1, self.course_2, self.course_3, self.course_4]
        ids = [form_id(value) for value in picked if value.strip()]
        if any(i is None for i in ids):
            raise Invalid("Choose each course from the list.")
        currency = self.currency.strip().upper()[:3]
        try:
            return ProgrammeIn(
                title=self.title[:200],
                description=self.description[:5000],
                course_ids=[i for i in ids if i is not None][:4],
                price_cents=form_money(self.price, "Price", currency or "USD"),
                currency=currency,
            )
        except ValidationError:  # fewer than two courses: the service's words say so
            raise Invalid(
                f"A programme has {programmes.MIN_COURSES} to {programmes.MAX_COURSES} "
                "different courses."
            ) from None

    @classmethod
    def of(cls, db: Session, programme: Programme) -> ProgrammeForm:
        """The form filled in from a stored programme."""
        ids = [str(i) for i in programmes.course_ids(db, programme.id)] + [""] * 4
        return cls(
            title=programme.title,
            description=programme.description,
            course_1=ids[0],
            course_2=ids[1],
            course_3=ids[2],
            course_4=ids[3],
            price=money_field(programme.price_cents, programme.currency),
            currency=programme.currency,
        )


def _form_page(
    request: Request,
    ctx: Ctx,
    form: ProgrammeForm,
    *,
    programme: Programme | None = None,
    error: AppError | None = None,
) -> Response:
    return render_form_page(
        request,
        "enrollment/programme_form.html",
        {
            "form": form,
            "programme": programme,
            "courses": course_choices(ctx.db),
        },
        error=error,
    )


@router.get(CATALOGUE, response_class=HTMLResponse)
def catalogue(request: Request, ctx: Ctx, _: Coordinator) -> Response:
    """Every programme, offered and retired, with its courses."""
    rows = [
        (p, programmes.programme_offer(ctx.db, None, p).courses)
        for p in programmes.list_programmes(ctx.db, active_only=False)
    ]
    return render(request, "enrollment/programme_catalogue.html", {"rows": rows})


@router.get(f"{CATALOGUE}/new", response_class=HTMLResponse)
def new_programme(request: Request, ctx: Ctx, _: Coordinator) -> Response:
    """An empty programme form."""
    return _form_page(request, ctx, ProgrammeForm())


@router.post(f"{CATALOGUE}/new", response_class=HTMLResponse)
def create_programme(
    request: Request, ctx: Ctx, _: Coordinator, form: Annotated[ProgrammeForm, Form()]
) -> Response:
    """Save a new programme; a refused form is shown again as typed."""

    def create() -> str:
        made = programmes.create_programme(ctx.db, form.to_input())
        return f"Programme “{made.title}” created."

    return change_or_form_again(
        ctx,
        create,
        done=CATALOGUE,
        form_again=lambda error: _form_page(request, ctx, form, error=error),
    )


@router.get(f"{CATALOGUE}/{{programme_id:id}}/edit", response_class=HTMLResponse)
def edit_programme(request: Request, ctx: Ctx, _: Coordinator, programme_id: int) -> Response:
    """A programme's form, filled in."""
    programme = programmes.get_programme(ctx.db, programme_id, active_only=False)
    return _form_page(request, ctx, ProgrammeForm.of(ctx.db, programme), programme=programme)


@router.post(f"{CATALOGUE}/{{programme_id:id}}/edit", response_class=HTMLResponse)
def update_programme(
    request: Request,
    ctx: Ctx,
    _: Coordinator,
    programme_id: int,
    form: Annotated[ProgrammeForm, Form()],
) -> Response:
    """Save a programme's changes; seats already booked keep their price."""
    programme = programmes.get_programme(ctx.db, programme_id, active_only=False)

    def save() -> str:
        saved = programmes.update_programme(ctx.db, programme, form.to_input())
        return f"Programme “{saved.title}” saved."

    return change_or_form_again(
        ctx,
        save,
        done=CATALOGUE,
        form_again=lambda error: _form_page(request, ctx, form, programme=programme, error=error),
    )


@router.post(f"{CATALOGUE}/{{programme_id:id}}/active")
def set_active(ctx: Ctx, _: Coordinator, programme_id: int, active: str = Form("")) -> Response:
    """Retire a programme (no new bookings; booked seats stay) or offer it again."""
    programme = programmes.get_programme(ctx.db, programme_id, active_only=False)
    offer = active == "1"

    def run() -> str:
        programmes.set_active(ctx.db, programme, offer)
        return f"Programme “{programme.title}” {'offered again' if offer else 'retired'}."

    return change_then_redirect(ctx, run, back=CATALOGUE)
