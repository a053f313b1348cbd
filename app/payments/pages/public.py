"""Learner pages for paying (checkout, card, return, My orders) and the Stripe webhook."""

from __future__ import annotations

import logging
from typing import Annotated, TypeVar
from urllib.parse import urlsplit

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from app.accounts import organisations
from app.accounts.models import Organisation, User
from app.accounts.permissions import SignedIn
from app.accounts.sessions import Ctx
from app.base_url import absolute_url
from app.config import get_settings
from app.db import utcnow
from app.enrollment import payers, rules
from app.enrollment.models import Enrollment
from app.errors import Conflict, Invalid, NotFound
from app.formatting import money
from app.http_headers import CONTENT_SECURITY_POLICY
from app.pages import change_or_flash, page_router
from app.payments import checkout, fulfilment, gateway, orders, promos, views
from app.payments.models import Order, OrderStatus
from app.scheduling import visibility
from app.scheduling.models import CourseSession
from app.web import redirect, render

log = logging.getLogger(__name__)

router = page_router()

FormStr = Annotated[str, Form()]
T = TypeVar("T")


# Stripe being unreachable is a refusal a person can act on (try again), like a conflict.
PAYMENT_REFUSALS = (Conflict, Invalid, gateway.PaymentServiceError)


@router.get("/bookings/{enrollment_id:id}/pay", response_class=HTMLResponse)
def pay_for_booking_page(
    request: Request, ctx: Ctx, user: SignedIn, enrollment_id: int
) -> Response:
    """A held seat's payment step, read only: its order's checkout, or a button to start one.

    Making the order (or spending credit) is the POST below: a GET may be followed twice
    or fetched ahead by a browser, and must not write.
    """
    enrollment = ctx.db.get(Enrollment, enrollment_id)
    if enrollment is None or payers.paying_user_id(ctx.db, enrollment) != user.id:
        raise NotFound("There is no such booking.")  # a group's seats are its booker's to pay
    existing = orders.order_for_enrollment(ctx.db, enrollment_id)
    if existing is not None and existing.credit_cents == 0:
        settled = existing.status in orders.SETTLED
        return redirect(f"/orders/{existing.id}" if settled else f"/orders/{existing.id}/checkout")
    session = ctx.db.get(CourseSession, enrollment.session_id)
    label = rules.session_label(ctx.db, session) if session is not None else "this session"
    return render(
        request, "payments/start.html", {"enrollment": enrollment, "session_label": label}
    )


@router.post("/bookings/{enrollment_id:id}/pay")
def pay_for_booking(ctx: Ctx, user: SignedIn, enrollment_id: int) -> Response:
    """Start (or resume) paying for a held seat: find or create its order, go to checkout."""
    now = utcnow()
    enrollment = ctx.db.get(Enrollment, enrollment_id)
    existing = orders.order_for_enrollment(ctx.db, enrollment_id) if enrollment else None
    if (
        existing is not None
        and enrollment is not None
        and enrollment.user_id == user.id
        and existing.credit_cents > 0
    ):
        used = change_or_flash(
            ctx,
            lambda: fulfilment.use_credit(ctx.db, existing, enrollment, now=now),
            refusals=PAYMENT_REFUSALS,
        )
        if used:
            ctx.flash("Your seat is confirmed, paid with the credit from your earlier payment.")
            return redirect(f"/orders/{existing.id}")
    order = change_or_flash(
        ctx,
        lambda: orders.order_for_held_booking(ctx.db, user, enrollment_id, now=now),
        refusals=PAYMENT_REFUSALS,
    )
    if order is None:
        return redirect("/bookings")
    if order.status in orders.SETTLED:
        return redirect(f"/orders/{order.id}")
    return redirect(f"/orders/{order.id}/checkout")


@router.get("/orders/{order_id:id}/checkout", response_class=HTMLResponse)
def checkout_page(request: Request, ctx: Ctx, user: SignedIn, order_id: int) -> Response:
    """Order summary, promo code, and the ways to pay that this person may use."""
    order = orders.own_order(ctx.db, user, order_id)
    if order.status in orders.SETTLED:
        return redirect(f"/orders/{order.id}")
    now = utcnow()
    problem = None
    try:
        orders.refuse_unless_payable(ctx.db, order, now)
    except Conflict as exc:
        problem = exc.message
    return render(
        request,
        "payments/checkout.html",
        {
            "order": views.order_view(ctx.db, order),
            "problem": problem,
            "card": gateway.is_configured(),
            "invoice": checkout.invoice_allowed(ctx.db, user),
            "policy": views.policy_text(ctx.db, order),
            "deadline": views.deadline_text(ctx.db, order),
            "invoice_days": get_settings().invoice_due_days,
        },
    )


@router.post("/orders/{order_id:id}/promo")
def apply_promo(ctx: Ctx, user: SignedIn, order_id: int, code: FormStr = "") -> Response:
    """Apply a promo code to an unpaid order."""
    order = orders.own_order(ctx.db, user, order_id)
    back = f"/orders/{order.id}/checkout"

    def apply() -> Order:
        try:
            return promos.apply_promo_code(ctx.db, order, code[:40], now=utcnow())
        except NotFound as exc:
            # An unknown code is a typing mistake in this form, not a missing page: say so
            # on the checkout page instead of leaving it for a 404 error page.
            raise Invalid(exc.message) from exc

    done = change_or_flash(ctx, apply, refusals=PAYMENT_REFUSALS)
    if done is not None:
        ctx.flash(
            f"Promo code applied: the total is now {money(order.total_cents, order.currency)}.",
            "success",
        )
    return redirect(back)


@router.post("/orders/{order_id:id}/pay")
def pay(
    ctx: Ctx, user: SignedIn, order_id: int, method: FormStr = "", if_seat_gone: FormStr = "refund"
) -> Response:
    """Pay by invoice (seat confirmed now) or go on to the card page."""
    order = orders.own_order(ctx.db, user, order_id)
    back = f"/orders/{order.id}/checkout"
    started = change_or_flash(
        ctx,
        lambda: checkout.start_payment(
            ctx.db, user, order, method, if_seat_gone=if_seat_gone, now=utcnow()
        ),
        refusals=PAYMENT_REFUSALS,
    )
    if started is None:
        return redirect(back)
    if order.provider == orders.STRIPE:
        return redirect(f"/orders/{order.id}/card")
    if order.provider == orders.INVOICE:
        ctx.flash(
            f"Your seat is confirmed. Invoice {order.invoice_number} is on its way by e-mail.",
            "success",
        )
    else:
        ctx.flash("Your seat is confirmed: the promo code covered the whole price.", "success")
    return redirect(f"/orders/{order.id}")


def _card_csp() -> str:
    """The site's policy, plus Stripe.js's origin for its script, frames and API calls."""
    parts = urlsplit(get_settings().stripe_js_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    api = urlsplit(get_settings().stripe_api_base)
    api_origin = f"{api.scheme}://{api.netloc}"
    return (
        CONTENT_SECURITY_POLICY.replace("script-src 'self'", f"script-src 'self' {origin}")
        .replace("connect-src 'self'", f"connect-src 'self' {origin} {api_origin}")
        .replace("object-src 'none'", f"object-src 'none'; frame-src {origin}")
    )


@router.get("/orders/{order_id:id}/card", response_class=HTMLResponse)
def card_page(request: Request, ctx: Ctx, user: SignedIn, order_id: int) -> Response:
    """Stripe's Payment Element confirms the PaymentIntent (cards, wallets, 3-D Secure)."""
    order = orders.own_order(ctx.db, user, order_id)
    if order.status in orders.SETTLED:
        return redirect(f"/orders/{order.id}")
    if order.provider != orders.STRIPE or order.status != OrderStatus.AWAITING_PAYMENT:
        return redirect(f"/orders/{order.id}/checkout")
    try:
        orders.refuse_unless_payable(ctx.db, order, utcnow())
        started = checkout.StripeProvider().start(ctx.db, order, now=utcnow())
    except (Conflict, gateway.PaymentServiceError) as exc:
        ctx.flash(exc.message, "error")
        return redirect(f"/orders/{order.id}/checkout")
    settings = get_settings()
    response = render(
        request,
        "payments/card.html",
        {
            "order": views.order_view(ctx.db, order),
            "client_secret": started.client_secret,
            "publishable_key": settings.stripe_publishable_key,
            "stripe_js_url": settings.stripe_js_url,
            "return_url": absolute_url(f"/orders/{order.id}/return", request),
            "deadline": views.deadline_text(ctx.db, order),
        },
    )
    response.headers["content-security-policy"] = _card_csp()
    return response


@router.get("/orders/{order_id:id}/return", response_class=HTMLResponse)
def return_page(request: Request, ctx: Ctx, user: SignedIn, order_id: int) -> Response:
    """Where Stripe sends the learner back: shows the real state, read from Stripe now."""
    order = orders.own_order(ctx.db, user, order_id)
    error = None
    try:
        with ctx.db.begin_nested():
            fulfilment.settle_order(ctx.db, order.id)
    except gateway.PaymentServiceError as exc:
        error = exc.message
    ctx.db.refresh(order)
    return render(
        request,
        "payments/return.html",
        {"order": views.order_view(ctx.db, order), "error": error},
    )


@router.get("/orders", response_class=HTMLResponse)
def my_orders(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    """My orders: what I bought, paid, and got back."""
    mine = ctx.db.scalars(select(Order).where(Order.user_id == user.id).order_by(Order.id.desc()))
    return render(
        request,
        "payments/orders.html",
        {"orders": [views.order_view(ctx.db, order) for order in mine]},
    )


@router.get("/orgs/{organisation_id:id}/orders", response_class=HTMLResponse)
def organisation_orders(
    request: Request, ctx: Ctx, user: SignedIn, organisation_id: int
) -> Response:
    """An organisation's orders (seat packs and members' seats billed to it), for its
    coordinators and staff; the invoices open from here."""
    organisation = ctx.db.get(Organisation, organisation_id)
    if organisation is None or not (
        visibility.is_staff(user)
        or organisation.id in organisations.coordinated_organisation_ids(ctx.db, user.id)
    ):
        raise NotFound("There is no such organisation.")
    billed = list(
        ctx.db.scalars(
            select(Order).where(Order.organisation_id == organisation.id).order_by(Order.id.desc())
        )
    )
    buyer_ids = {order.user_id for order in billed}
    names = select(User.id, User.display_name).where(User.id.in_(buyer_ids))
    buyers: dict[int, str] = {row.id: row.display_name for row in ctx.db.execute(names)}
    return render(
        request,
        "payments/org_orders.html",
        {
            "organisation": organisation,
            "orders": [(views.order_view(ctx.db, o), buyers.get(o.user_id, "")) for o in billed],
        },
    )


@router.get("/orders/{order_id:id}", response_class=HTMLResponse)
def order_page(request: Request, ctx: Ctx, user: SignedIn, order_id: int) -> Response:
    """One order as a receipt (or invoice), with its refunds."""
    order = orders.own_order(ctx.db, user, order_id)
    return render(
        request,
        "payments/order.html",
        {"order": views.order_view(ctx.db, order), "staff": False},
    )


ROUTERS = (router,)
