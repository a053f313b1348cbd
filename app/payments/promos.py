"""Promo codes: percent or amount off, within dates, for one course or any, limited uses.

A use is counted when a code is applied to an order, under a row lock taken *before*
the limit is checked (the seat discipline), so concurrent checkouts never exceed it. A
cancelled order gives its use back.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bounds import form_currency
from app.config import get_settings
from app.content.models import Course
from app.db import lock_one, lock_rows
from app.errors import Conflict, Invalid, NotFound
from app.payments import orders
from app.payments.models import Order, OrderStatus, PromoCode
from app.scheduling.models import CourseSession

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,39}$")


def normalise(code: str) -> str:
    """Codes are matched without case or surrounding spaces."""
    return code.strip().upper()


def create_promo_code(
    db: Session,
    *,
    code: str,
    percent_off: int | None,
    amount_off_cents: int | None,
    valid_from: date,
    valid_until: date,
    course_slug: str | None = None,
    usage_limit: int | None = None,
    currency: str | None = None,
    today: date | None = None,
) -> PromoCode:
    """Create a promo code; ``Invalid`` says which field is wrong.

    A code whose last day is already behind ``today`` could never be used: refused.
    """
    code = normalise(code)
    if not CODE_PATTERN.match(code):
        raise Invalid("A code is 3–40 letters, digits, '-' or '_' (for example SPRING-26).")
    if (percent_off is None) == (amount_off_cents is None):
        raise Invalid("Give either a percent off or an amount off, not both.")
    if percent_off is not None and not 1 <= percent_off <= 100:
        raise Invalid("A percent off is between 1 and 100.")
    if amount_off_cents is not None and amount_off_cents <= 0:
        raise Invalid("An amount off is more than zero.")
    if valid_until < valid_from:
        raise Invalid("The code's last day is before its first day.")
    today = today or date.today()
    if valid_until < today:
        raise Invalid(
            f"The code's last day ({valid_until.isoformat()}) has already passed; "
            f"give a last day from today ({today.isoformat()}) on."
        )
    if usage_limit is not None and usage_limit < 1:
        raise Invalid("A usage limit is at least 1 (leave it empty for no limit).")
    promo_currency = form_currency(currency or get_settings().currency)  # app.currencies
    course_id = None
    if course_slug:
        course_id = db.scalar(select(Course.id).where(Course.slug == course_slug))
        if course_id is None:
            raise Invalid(f"There is no course '{course_slug}'.")
    if db.scalar(select(PromoCode.id).where(PromoCode.code == code)) is not None:
        raise Conflict(f"The code {code} exists already.")
    promo = PromoCode(
        code=code,
        percent_off=percent_off,
        amount_off_cents=amount_off_cents,
        currency=promo_currency,
        course_id=course_id,
        valid_from=valid_from,
        valid_until=valid_until,
        usage_limit=usage_limit,
        times_used=0,
    )
    db.add(promo)
    db.flush()
    return promo


def list_promo_codes(db: Session) -> list[PromoCode]:
    """Every promo code, newest first."""
    return list(db.scalars(select(PromoCode).order_by(PromoCode.id.desc())))


def _lock_promo(db: Session, code: str) -> PromoCode | None:
    return lock_one(db, select(PromoCode).where(PromoCode.code == normalise(code)))


def _discounts(db: Session, order: Order, promo: PromoCode) -> dict[int, int]:
    """Cents off per order line id, from the lines' list prices, where the code applies."""
    lines = orders.order_lines(db, order.id)
    base = {line.id: line.list_price_cents for line in lines}
    eligible = []
    for line in lines:
        session = db.get(CourseSession, line.session_id) if line.session_id else None
        if promo.course_id is None or (
            session is not None and session.course_id == promo.course_id
        ):
            eligible.append(line.id)
    if not eligible:
        return {}
    if promo.percent_off is not None:
        return {i: base[i] * promo.percent_off // 100 for i in eligible}
    assert promo.amount_off_cents is not None
    remaining = min(promo.amount_off_cents, sum(base[i] for i in eligible))
    off: dict[int, int] = {}
    for i in eligible:
        take = min(base[i], remaining)
        off[i] = take
        remaining -= take
    return off


def apply_promo_code(db: Session, order: Order, code: str, *, now: datetime) -> Order:
    """Apply a code to an unpaid order (replacing any earlier one) and reprice it."""
    order = orders.lock_order(db, order.id)
    if order.status != OrderStatus.OPEN:
        raise Conflict(
            "A promo code can be added only before payment starts. "
            "Finish or cancel this payment first."
        )
    orders.refuse_unless_payable(db, order, now)
    if not code.strip():
        raise Invalid("Type the promo code first.")
    promo = _lock_promo(db, code)
    today = now.date()
    if promo is None:
        raise NotFound(f"There is no promo code {normalise(code)}.")
    if promo.id == order.promo_code_id:
        return order
    if not promo.valid_from <= today <= promo.valid_until:
        raise Conflict(
            f"The code {promo.code} is valid from {promo.valid_from} to {promo.valid_until}."
        )
    if promo.amount_off_cents is not None and promo.currency != order.currency:
        raise Conflict(f"The code {promo.code} is for prices in {promo.currency}.")
    if promo.usage_limit is not None and promo.times_used >= promo.usage_limit:
        raise Conflict(f"The code {promo.code} has been used as often as it may be.")
    off = _discounts(db, order, promo)
    if not off:
        raise Conflict(f"The code {promo.code} is not for the course in this order.")
    release_promo(db, order)
    promo.times_used += 1
    order.promo_code_id = promo.id
    _reprice(db, order, off)
    db.flush()
    return order


def release_promo(db: Session, order: Order) -> None:
    """Give an order's promo use back (its code is replaced, or the order is cancelled)."""
    if order.promo_code_id is None:
        return
    promo = lock_rows(db, PromoCode, [order.promo_code_id]).get(order.promo_code_id)
    if promo is not None and promo.times_used > 0:
        promo.times_used -= 1
    order.promo_code_id = None
    _reprice(db, order, {})


def _reprice(db: Session, order: Order, off: dict[int, int]) -> None:
    """Each line at its list price less its discount; the order's totals from the lines."""
    lines = orders.order_lines(db, order.id)
    for line in lines:
        line.amount_cents = line.list_price_cents - off.get(line.id, 0)
    order.subtotal_cents = sum(line.list_price_cents for line in lines)
    order.total_cents = sum(line.amount_cents for line in lines)
    order.discount_cents = order.subtotal_cents - order.total_cents
