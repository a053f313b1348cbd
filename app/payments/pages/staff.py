"""Coordinator pages: orders with filters, refunds, invoices marked paid, promo codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import or_, select

from app.accounts.models import Organisation, User
from app.accounts.permissions import Coordinator
from app.accounts.sessions import Ctx
from app.bounds import form_id, form_int, form_money
from app.config import get_settings
from app.content.models import Course
from app.db import utcnow
from app.enrollment import rules
from app.enrollment.pages.seat_packs import parse_date
from app.errors import AppError, Conflict, Invalid, NotFound
from app.formatting import money
from app.pages import PageForm, change_or_form_again, page_router, render_form_page
from app.payments import checkout, gateway, promos, refunds, views
from app.payments.models import Order, RefundPolicy
from app.scheduling.models import CourseSession
from app.web import redirect

router = page_router()

FormStr = Annotated[str, Form()]
ORDERS_PAGE = "/coordinator/orders"
PROMOS_PAGE = "/coordinator/promo-codes"
LIST_LIMIT = 200


@dataclass(frozen=True)
class OrderFilters:
    status: str = ""
    provider: str = ""
    q: str = ""


def _filtered_orders(ctx: Ctx, filters: OrderFilters) -> list[Order]:
    query = select(Order).join(User, User.id == Order.user_id)
    if filters.status in views.STATUS_TEXT:
        query = query.where(Order.status == filters.status)
    if filters.provider in ("stripe", "invoice", "free"):
        query = query.where(Order.provider == filters.provider)
    if filters.q:
        like = f"%{filters.q.lower()}%"
        query = query.where(
            or_(
                Order.reference.ilike(like),
                Order.invoice_number.ilike(like),
                User.email.ilike(like),
                Order.payment_intent_id == filters.q,
            )
        )
    return list(ctx.db.scalars(query.order_by(Order.id.desc()).limit(LIST_LIMIT)))


@router.get(ORDERS_PAGE, response_class=HTMLResponse)
def orders_page(
    request: Request, ctx: Ctx, _: Coordinator, status: str = "", provider: str = "", q: str = ""
) -> Response:
    """Every order, newest first, filtered by state, payment method and a search."""
    filters = OrderFilters(status.strip()[:20], provider.strip()[:12], q.strip()[:100])
    return _orders_page(request, ctx, filters)


def _orders_page(
    request: Request,
    ctx: Ctx,
    filters: OrderFilters,
    *,
    form: dict[str, str] | None = None,
    error: AppError | None = None,
) -> Response:
    found = _filtered_orders(ctx, filters)
    organisations = {
        row.id: row.name for row in ctx.db.execute(select(Organisation.id, Organisation.name))
    }
    packs = [
        (pack, organisations.get(pack.organisation_id, ""))
        for pack in checkout.uninvoiced_seat_packs(ctx.db)
    ]
    return render_form_page(
        request,
        "payments/admin_orders.html",
        {
            "orders": [views.order_view(ctx.db, order) for order in found],
            "limited": len(found) == LIST_LIMIT,
            "filters": filters,
            "statuses": list(views.STATUS_TEXT.items()),
            "providers": [(k, v) for k, v in views.PROVIDER_TEXT.items() if k],
            "packs": packs,
            "form": form or {},
            "currency": get_settings().currency,
        },
        error=error,
    )


@router.post(ORDERS_PAGE + "/seat-pack", response_class=HTMLResponse)
def invoice_seat_pack(
    request: Request, ctx: Ctx, user: Coordinator, seat_pack_id: FormStr = "", price: FormStr = ""
) -> Response:
    """Invoice a client organisation for one of its seat packs."""
    form = {"seat_pack_id": seat_pack_id, "price": price}
    try:
        pack_id = form_id(seat_pack_id)
        if pack_id is None:
            raise Invalid("Choose the seat pack to invoice.")
        cents = form_money(price, "Price", get_settings().currency)
        with ctx.db.begin_nested():
            order = checkout.invoice_seat_pack(
                ctx.db, pack_id, price_cents=cents, by=user, now=utcnow()
            )
    except (Invalid, Conflict) as exc:
        return _orders_page(request, ctx, OrderFilters(), form=form, error=exc)
    ctx.flash(f"Invoice {order.invoice_number} sent for the seat pack ({order.reference}).")
    return redirect(f"{ORDERS_PAGE}/{order.id}")


def _order_page(
    request: Request, ctx: Ctx, order: Order, error: AppError | None = None
) -> Response:
    return render_form_page(
        request,
        "payments/order.html",
        {
            "order": views.order_view(ctx.db, order),
            "staff": True,
        },
        error=error,
    )


def _order(ctx: Ctx, order_id: int) -> Order:
    order = ctx.db.get(Order, order_id)
    if order is None:
        raise NotFound("There is no such order.")
    return order


@router.get(ORDERS_PAGE + "/{order_id:id}", response_class=HTMLResponse)
def order_page(request: Request, ctx: Ctx, _: Coordinator, order_id: int) -> Response:
    """One order with its refunds, a refund form and (for invoices) "mark paid"."""
    return _order_page(request, ctx, _order(ctx, order_id))


@router.post(ORDERS_PAGE + "/{order_id:id}/refund", response_class=HTMLResponse)
def refund(
    request: Request,
    ctx: Ctx,
    user: Coordinator,
    order_id: int,
    amount: FormStr = "",
    reason: FormStr = "",
) -> Response:
    """Refund any amount up to what is left; the learner is told by e-mail."""
    order = _order(ctx, order_id)
    try:
        cents = form_money(amount, "Amount", order.currency)
        with ctx.db.begin_nested():
            done = refunds.refund_order(
                ctx.db,
                order,
                amount=cents,
                reason=reason,
                # One key per coordinator action: a double-submitted form refunds once.
                key=f"staff-{order.id}-{order.refunded_cents}-{cents}",
                by=user,
            )
    except (Invalid, Conflict, gateway.PaymentServiceError) as exc:
        ctx.db.refresh(order)
        return _order_page(request, ctx, order, exc)
    ctx.flash(
        f"Refunded {money(done.amount_cents, order.currency)} on {order.reference}.",
        "success",
    )
    return redirect(f"{ORDERS_PAGE}/{order.id}")


@router.post(ORDERS_PAGE + "/{order_id:id}/mark-paid", response_class=HTMLResponse)
def mark_paid(request: Request, ctx: Ctx, _: Coordinator, order_id: int) -> Response:
    """Record that an invoice was paid."""
    order = _order(ctx, order_id)
    try:
        with ctx.db.begin_nested():
            checkout.mark_invoice_paid(ctx.db, order, now=utcnow())
    except Conflict as exc:
        return _order_page(request, ctx, order, exc)
    ctx.flash(f"Invoice {order.invoice_number} is marked paid.", "success")
    return redirect(f"{ORDERS_PAGE}/{order.id}")


def _promos_page(
    request: Request, ctx: Ctx, *, form: dict[str, str], error: AppError | None = None
) -> Response:
    titles = rules.course_titles(ctx.db, ctx.db.scalars(select(Course.id)))
    slugs = {row.id: row.slug for row in ctx.db.execute(select(Course.id, Course.slug))}
    courses = sorted(((slugs[i], t) for i, t in titles.items()), key=lambda item: item[1])
    return render_form_page(
        request,
        "payments/promo_codes.html",
        {
            "codes": promos.list_promo_codes(ctx.db),
            "courses": courses,
            "titles": titles,
            "form": form,
            "today": date.today(),
            "currency": get_settings().currency,
        },
        error=error,
    )


@router.get(PROMOS_PAGE, response_class=HTMLResponse)
def promo_codes(request: Request, ctx: Ctx, _: Coordinator) -> Response:
    """Promo codes with their use, and a form to create one."""
    return _promos_page(request, ctx, form={})


class PromoForm(PageForm):
    """The promo code form, as typed."""

    code: str = ""
    percent_off: str = ""
    amount_off: str = ""
    course: str = ""
    valid_from: str = ""
    valid_until: str = ""
    usage_limit: str = ""


@router.post(PROMOS_PAGE, response_class=HTMLResponse)
def create_promo(
    request: Request, ctx: Ctx, _: Coordinator, form: Annotated[PromoForm, Form()]
) -> Response:
    """Create a promo code."""

    def create() -> str:
        percent = form_int(form.percent_off, "Percent off") if form.percent_off.strip() else None
        limit = form_int(form.usage_limit, "Usage limit") if form.usage_limit.strip() else None
        amount_off = form.amount_off.strip()
        promo = promos.create_promo_code(
            ctx.db,
            code=form.code,
            percent_off=percent,
            amount_off_cents=form_money(amount_off, "Amount off", get_settings().currency)
            if amount_off
            else None,
            valid_from=parse_date(form.valid_from, "first day"),
            valid_until=parse_date(form.valid_until, "last day"),
            course_slug=form.course.strip() or None,
            usage_limit=limit,
        )
        return f"Promo code {promo.code} created."

    return change_or_form_again(
        ctx,
        create,
        done=PROMOS_PAGE,
        form_again=lambda error: _promos_page(request, ctx, form=form.model_dump(), error=error),
    )


POLICIES_PAGE = "/coordinator/refund-policies"


def _policies_page(
    request: Request, ctx: Ctx, *, form: dict[str, str], error: AppError | None = None
) -> Response:
    titles = rules.course_titles(ctx.db, ctx.db.scalars(select(Course.id)))
    own = list(ctx.db.scalars(select(RefundPolicy).order_by(RefundPolicy.id)))
    return render_form_page(
        request,
        "payments/refund_policies.html",
        {
            "default": refunds.describe_policy(refunds.parse_policy(get_settings().refund_policy)),
            "default_rules": get_settings().refund_policy,
            "policies": [
                (
                    p,
                    titles.get(p.course_id, "") if p.course_id else f"Session {p.session_id}",
                    refunds.describe_policy(refunds.parse_policy(p.rules)),
                )
                for p in own
            ],
            "courses": sorted(titles.items(), key=lambda item: item[1]),
            "form": form,
        },
        error=error,
    )


@router.get(POLICIES_PAGE, response_class=HTMLResponse)
def refund_policies(request: Request, ctx: Ctx, _: Coordinator) -> Response:
    """The default cancellation refund policy and the courses' and sessions' own."""
    return _policies_page(request, ctx, form={})


@router.post(POLICIES_PAGE, response_class=HTMLResponse)
def set_refund_policy(
    request: Request,
    ctx: Ctx,
    _: Coordinator,
    rules_text: FormStr = "",
    course_id: FormStr = "",
    session_id: FormStr = "",
) -> Response:
    """Give a course or one session its own policy."""
    form = {"rules_text": rules_text, "course_id": course_id, "session_id": session_id}
    try:
        if course_id.strip() and session_id.strip():
            raise Invalid("Choose a course or a session, not both.")
        chosen_session = form_id(session_id)
        if session_id.strip() and (
            chosen_session is None or ctx.db.get(CourseSession, chosen_session) is None
        ):
            raise Invalid(f"There is no session '{session_id.strip()[:20]}'.")
        chosen_course = form_id(course_id)
        if course_id.strip() and (
            chosen_course is None or ctx.db.get(Course, chosen_course) is None
        ):
            raise Invalid("Choose one of the courses.")
        with ctx.db.begin_nested():
            refunds.set_policy(
                ctx.db,
                rules_text=rules_text.strip(),
                course_id=chosen_course,
                session_id=chosen_session,
            )
    except Invalid as exc:
        return _policies_page(request, ctx, form=form, error=exc)
    ctx.flash("Refund policy saved.", "success")
    return redirect(POLICIES_PAGE)


ROUTERS = (router,)
