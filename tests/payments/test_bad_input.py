"""Bad money and numbers on the coordinators' payment pages: the form again with the reason.

Refunds of NaN, infinity, a negative or a huge sum, or more than was paid; prices that
are not numbers; integers beyond a column; ids that can name no row. Each answer is the
page with a message (422), never a 500, and nothing is stored. Each test signs in once
and walks through its table of cases (a sign-in costs a password hash).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.db import utcnow
from app.payments import checkout
from app.payments.models import Order, PromoCode, Refund, RefundPolicy
from tests.enrollment import helpers as h
from tests.factories import log_in, make_user, post_form

HUGE = str(10**20)
ORDERS = "/coordinator/orders"
PROMOS = "/coordinator/promo-codes"
POLICIES = "/coordinator/refund-policies"


@pytest.fixture
def coordinator(client: TestClient, db: Session) -> TestClient:
    """The client, signed in as a coordinator."""
    log_in(client, make_user(db, roles={Role.COORDINATOR}).email)
    return client


def _paid_order(db: Session) -> Order:
    """A paid invoice of USD 100.00 for a client's seat pack."""
    staff = h.coordinator(db)  # never signs in: the cached password hash is enough
    pack = h.seat_pack(db, h.organisation(db), seats=4)
    order = checkout.invoice_seat_pack(db, pack.id, price_cents=10000, by=staff, now=utcnow())
    return checkout.mark_invoice_paid(db, order, now=utcnow())


def _count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def _refused(response: Response, message: str) -> bool:
    return response.status_code == 422 and message in response.text


REFUNDS = [
    ("NaN", "Amount: give an amount such as 495.00."),
    ("sNaN", "Amount: give an amount such as 495.00."),
    ("inf", "Amount: give an amount such as 495.00."),
    ("-Infinity", "Amount: give an amount such as 495.00."),
    ("-5", "Amount: give an amount of zero or more, such as 495.00."),
    ("0", "give an amount between USD 0.01 and USD 100.00"),
    ("1e30", "Amount: give an amount of at most 21474836.47."),
    ("1e999999999", "Amount: give an amount of at most 21474836.47."),
    ("100.01", "At most USD 100.00 can be refunded on order"),
    ("1.005", "Amount: give an amount with at most two decimals, e.g. 495.00."),
    # A comma only groups thousands (as in every other money field): "100,00" is no sum.
    ("100,00", "Amount: use a point for decimals and a comma only between thousands"),
]


def test_a_refund_that_is_no_sum_or_more_than_was_paid_is_refused(
    coordinator: TestClient, db: Session
) -> None:
    order = _paid_order(db)
    page = f"{ORDERS}/{order.id}"
    for amount, message in REFUNDS:
        form = {"amount": amount, "reason": "goodwill"}
        response = post_form(coordinator, f"{page}/refund", form, token_from=page)
        assert _refused(response, message), (amount, response.status_code)
    db.refresh(order)
    assert (order.refunded_cents, order.status) == (0, "paid")
    assert _count(db, Refund) == 0
    # A proper sum still goes through: the refusals left nothing in its way.
    form = {"amount": "100.00", "reason": "goodwill"}
    assert post_form(coordinator, f"{page}/refund", form, token_from=page).status_code == 303
    db.refresh(order)
    assert order.refunded_cents == 10000


INVOICES = [
    ({"price": "NaN"}, "Price: give an amount such as 495.00."),
    ({"price": "Infinity"}, "Price: give an amount such as 495.00."),
    ({"price": "1e30"}, "Price: give an amount of at most 21474836.47."),
    ({"seat_pack_id": HUGE, "price": "500"}, "Choose the seat pack to invoice."),
    ({"seat_pack_id": "²", "price": "500"}, "Choose the seat pack to invoice."),
]


def test_a_seat_pack_invoice_with_a_bad_price_or_pack_is_refused(
    coordinator: TestClient, db: Session
) -> None:
    pack = h.seat_pack(db, h.organisation(db), seats=4)
    for fields, message in INVOICES:
        form = {"seat_pack_id": str(pack.id), **fields}
        response = post_form(coordinator, f"{ORDERS}/seat-pack", form, token_from=ORDERS)
        assert _refused(response, message), (fields, response.status_code)
    assert _count(db, Order) == 0


PROMO = {"code": "SPRING-27", "valid_from": "2027-01-01", "valid_until": "2027-12-31"}
PROMOS_REFUSED = [
    ({"percent_off": "10", "usage_limit": HUGE}, "Usage limit: the number is too large"),
    ({"percent_off": "²"}, "Percent off: give a whole number."),
    ({"percent_off": HUGE}, "Percent off: the number is too large"),
    ({"amount_off": "NaN"}, "Amount off: give an amount such as 495.00."),
    ({"amount_off": "1e30"}, "Amount off: give an amount of at most 21474836.47."),
    ({"percent_off": "10", "valid_until": "9999-12-31"}, "Last day: give a date between"),
    # Valid only in the past, so it could never be used.
    (
        {"percent_off": "10", "valid_from": "2020-01-01", "valid_until": "2020-12-31"},
        "The code&#39;s last day (2020-12-31) has already passed",
    ),
]


def test_a_promo_code_with_impossible_numbers_is_refused(
    coordinator: TestClient, db: Session
) -> None:
    for fields, message in PROMOS_REFUSED:
        response = post_form(coordinator, PROMOS, {**PROMO, **fields}, token_from=PROMOS)
        assert _refused(response, message), (fields, response.status_code)
    assert _count(db, PromoCode) == 0


POLICIES_REFUSED = [
    ({"session_id": HUGE}, "There is no session"),
    ({"session_id": "²"}, "There is no session"),
    ({"course_id": HUGE}, "Choose one of the courses."),
    ({"course_id": "999999"}, "Choose one of the courses."),
    ({"course_id": "*", "rules_text": "99999999999999:100"}, "a step is at most 365 days"),
    ({"course_id": "*", "rules_text": "4000:100"}, "a step is at most 365 days"),
    ({"course_id": "*", "rules_text": "7:1000"}, "a refund is at most 100 percent"),
    ({"course_id": "*", "rules_text": "²:100"}, "is not &#39;days:percent&#39;"),
]


def test_a_refund_policy_with_impossible_numbers_is_refused(
    coordinator: TestClient, db: Session
) -> None:
    course_id = str(h.fast_courses(db)["trust-and-confidence"].id)
    for fields, message in POLICIES_REFUSED:
        form = {"rules_text": "14:100", **fields}
        if form.get("course_id") == "*":
            form["course_id"] = course_id
        response = post_form(coordinator, POLICIES, form, token_from=POLICIES)
        assert _refused(response, message), (fields, response.status_code)
    assert _count(db, RefundPolicy) == 0
