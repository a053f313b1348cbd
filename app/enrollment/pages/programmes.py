"""Learner pages: programmes (courses on different dates, one order) and group bookings
(seats for several colleagues across one series date's tracks, one order)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from app.accounts import organisations
from app.accounts.models import User
from app.accounts.permissions import SignedIn
from app.accounts.sessions import Ctx, RequestContext
from app.bounds import form_id
from app.enrollment import group_bookings, programmes, views
from app.enrollment.models import BookingGroup, Enrollment, EnrollmentStatus
from app.enrollment.pages.bookings import continue_to_payment
from app.errors import Invalid
from app.formatting import long_date, money, price
from app.pages import change_then_redirect, page_router
from app.scheduling.models import CourseSession
from app.web import render

router = page_router()

FormList = Annotated[list[str] | None, Form()]
GROUP_ROWS = 6  # attendee rows the group form shows


def saving_text(offer: programmes.ProgrammeOffer) -> str | None:
    """'You save USD 290.00 against booking the three courses one by one', when it saves."""
    if offer.saving_cents <= 0:
        return None
    count = {2: "two", 3: "three", 4: "four"}.get(len(offer.courses), str(len(offer.courses)))
    amount = money(offer.saving_cents, offer.programme.currency)
    return f"You save {amount} against booking the {count} courses one by one."


def _booked(group: BookingGroup, enrollments: list[Enrollment], held: list[int]) -> str:
    """The flash message after a programme or group booking; notes the seat to pay for."""
    waiting = [e for e in enrollments if e.status == EnrollmentStatus.HELD]
    if waiting:
        held.append(waiting[0].id)
    state = "held until paid" if waiting else "confirmed"
    total = price(group.price_cents, group.currency)
    return f"Booked: {len(enrollments)} seats {state}, {total} in all."


def _book_then_pay(
    ctx: RequestContext,
    back: str,
    action: Callable[[], tuple[BookingGroup, list[Enrollment]]],
) -> Response:
    """Run the booking; held seats go on to their one order's payment step."""
    held: list[int] = []

    def run() -> str:
        group, enrollments = action()
        return _booked(group, enrollments, held)

    response = change_then_redirect(ctx, run, back=back, done="/bookings")
    return continue_to_payment(held[0]) if held else response


# --- programmes -------------------------------------------------------------------------


@router.get("/programmes", response_class=HTMLResponse)
def programme_list(request: Request, ctx: Ctx) -> Response:
    """The programmes on offer, each with its price and saving."""
    offers = [
        programmes.programme_offer(ctx.db, ctx.user, p) for p in programmes.list_programmes(ctx.db)
    ]
    listed = [(offer, saving_text(offer)) for offer in offers]
    return render(request, "enrollment/programmes.html", {"listed": listed})


@router.get("/programmes/{programme_id:id}", response_class=HTMLResponse)
def programme_page(request: Request, ctx: Ctx, programme_id: int) -> Response:
    """A programme: one upcoming session to pick per course, the price and the saving."""
    programme = programmes.get_programme(ctx.db, programme_id)
    offer = programmes.programme_offer(ctx.db, ctx.user, programme)
    choices = {
        c.course_id: views.session_views(ctx.db, [s.session for s in c.sessions])
        for c in offer.courses
    }
    return render(
        request,
        "enrollment/programme.html",
        {
            "offer": offer,
            "choices": choices,
            "price": money(programme.price_cents, programme.currency),
            "single_total": money(offer.single_total_cents, programme.currency),
            "saving": saving_text(offer),
        },
    )


def _chosen_sessions(db: Session, values: list[str] | None) -> list[CourseSession]:
    """The sessions picked on the programme form (one per course; blanks refused)."""
    ids = [form_id(value) for value in values or []]
    if not ids or any(i is None for i in ids):
        raise Invalid("Choose a date for every course of the programme.")
    sessions = [db.get(CourseSession, i) for i in ids if i is not None]
    return [s for s in sessions if s is not None]


@router.post("/programmes/{programme_id:id}/book")
def book_programme(
    ctx: Ctx, user: SignedIn, programme_id: int, session_id: FormList = None
) -> Response:
    """Book the chosen session of every course, all or nothing; held seats go to pay."""
    programme = programmes.get_programme(ctx.db, programme_id)
    offer = programmes.programme_offer(ctx.db, user, programme)
    offered = {s.session.id for c in offer.courses for s in c.sessions}

    def book() -> tuple[BookingGroup, list[Enrollment]]:
        chosen = _chosen_sessions(ctx.db, session_id)
        if any(s.id not in offered for s in chosen):  # not visible or not upcoming
            raise Invalid("Choose one of the dates offered for every course.")
        return programmes.book_programme(ctx.db, user, programme, chosen)

    return _book_then_pay(ctx, f"/programmes/{programme_id}", book)


# --- group bookings for one series date ----------------------------------------------------


def _pack_pages(db: Session, user: User | None) -> list[str]:
    """The seat-pack pages of the organisations the person coordinates (names later)."""
    if user is None:
        return []
    ids = sorted(organisations.coordinated_organisation_ids(db, user.id))
    return [f"/orgs/{organisation_id}/seat-packs" for organisation_id in ids]


@router.get("/series/{series_id:id}/{on_date}/group", response_class=HTMLResponse)
def group_page(request: Request, ctx: Ctx, series_id: int, on_date: date) -> Response:
    """Book seats for several colleagues on one series date, one course each."""
    day = group_bookings.group_day(ctx.db, ctx.user, series_id, on_date)
    return render(
        request,
        "enrollment/group_booking.html",
        {
            "day": day,
            "views": views.session_views(ctx.db, [s.session for s in day.sessions]),
            "date_text": long_date(on_date),
            "rows": range(GROUP_ROWS),
            "pack_pages": _pack_pages(ctx.db, ctx.user),
        },
    )


@router.post("/series/{series_id:id}/{on_date}/group")
def book_group(
    ctx: Ctx,
    user: SignedIn,
    series_id: int,
    on_date: date,
    email: FormList = None,
    session_id: FormList = None,
) -> Response:
    """Book one seat per named colleague, all or nothing; the booker pays the one order."""
    day = group_bookings.group_day(ctx.db, user, series_id, on_date)
    emails, sessions = email or [], session_id or []
    picks = [
        (form_id(sessions[i]) if i < len(sessions) else None, address)
        for i, address in enumerate(emails)
    ]

    def book() -> tuple[BookingGroup, list[Enrollment]]:
        named = [(sid or 0, address) for sid, address in picks]
        return group_bookings.book_group(ctx.db, user, day, named)

    return _book_then_pay(ctx, f"/series/{series_id}/{on_date.isoformat()}/group", book)
