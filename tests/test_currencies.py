"""Currencies: one ISO 4217 list (app/currencies.py) for every form, API body and promo code,
and money read and written in each currency's own decimals (JPY none, BHD three)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import Role
from app.bounds import form_money
from app.currencies import clean_currency, codes, decimals
from app.errors import Invalid
from app.formatting import money, money_field, parse_money
from app.payments import promos
from app.scheduling.models import CourseSession, Series
from tests.enrollment.helpers import fast_courses
from tests.factories import log_in, make_user, post_form

ZZZ = "ZZZ is not an ISO 4217 currency code"
SESSION_PAGE = "/coordinator/sessions/new"
SESSION_FORM = {
    "course_slug": "relationship-management",
    "format_id": "one-day",
    "starts_on": "2027-03-01",
    "start_time": "09:00",
    "end_time": "17:00",
    "timezone": "Asia/Tokyo",
    "capacity": "16",
    "price": "49500",
    "currency": "JPY",
    "min_participants": "0",
    "online_url": "https://meet.example.com/apex",
}
SERIES_BODY = {
    "title": "APEX Last Friday",
    "rrule": "last-friday",
    "timezone": "America/New_York",
    "starts_on": "2026-12-01",
    "start_time": "09:00",
    "end_time": "17:00",
    "courses": ["client-expectations"],
    "capacity": 20,
}


def test_the_list_is_iso_4217_codes_in_use_with_their_decimals() -> None:
    assert {"USD", "EUR", "GBP", "JPY", "BHD", "CHF"} <= codes()
    assert not {"ZZZ", "XXX", "XAU", "DEM"} & codes()  # not a currency, metal, historic
    assert (decimals("JPY"), decimals("USD"), decimals("BHD"), decimals("jpy")) == (0, 2, 3, 0)
    assert clean_currency(" jpy ") == "JPY"
    with pytest.raises(ValueError, match=ZZZ):
        clean_currency("zzz")


def test_money_is_written_and_read_in_the_currencys_decimals() -> None:
    assert money(49500, "JPY") == "JPY 49,500"  # yen: no decimals
    assert money(49500, "USD") == "USD 495.00"
    assert money(1250, "BHD") == "BHD 1.250"
    assert money_field(49500, "JPY") == "49500"
    assert parse_money("49,500", currency="JPY") == 49500
    assert parse_money("1.250", currency="BHD") == 1250
    assert form_money("495.50", "Price", "USD") == 49550
    with pytest.raises(Invalid, match=r"Price: give an amount with no decimals, e\.g\. 495"):
        form_money("495.50", "Price", "jpy")  # lower case typed: still yen
    with pytest.raises(Invalid, match="at most three decimals"):
        form_money("1.2505", "Price", "BHD")


def test_a_session_form_refuses_zzz_and_keeps_yen_whole(db: Session, client: TestClient) -> None:
    fast_courses(db)
    log_in(client, make_user(db, roles={Role.COORDINATOR}).email)
    refused = post_form(
        client, SESSION_PAGE, {**SESSION_FORM, "currency": "ZZZ"}, token_from=SESSION_PAGE
    )
    assert refused.status_code == 422 and f"Currency: {ZZZ}" in refused.text
    assert db.scalar(select(func.count()).select_from(CourseSession)) == 0

    made = post_form(
        client, SESSION_PAGE, {**SESSION_FORM, "currency": "jpy"}, token_from=SESSION_PAGE
    )
    assert made.status_code == 303, made.text
    session = db.scalars(select(CourseSession)).one()
    assert (session.currency, session.price_cents) == ("JPY", 49500)
    assert "JPY 49,500" in client.get(f"/sessions/{session.id}").text


def test_the_series_api_refuses_zzz_with_a_message(db: Session, client: TestClient) -> None:
    fast_courses(db)
    token = accounts.issue_api_token(db, make_user(db, roles={Role.COORDINATOR}), name="test")
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post(
        "/api/v1/series", json={**SERIES_BODY, "currency": "ZZZ"}, headers=headers
    )
    assert response.status_code == 422, response.text
    assert f"Currency: {ZZZ}" in response.json()["detail"]
    assert db.scalar(select(func.count()).select_from(Series)) == 0


def test_a_promo_code_in_an_unknown_currency_is_refused(db: Session) -> None:
    with pytest.raises(Invalid, match=ZZZ):
        promos.create_promo_code(
            db,
            code="YEN-OFF",
            percent_off=None,
            amount_off_cents=1000,
            valid_from=date.today(),
            valid_until=date.today() + timedelta(days=30),
            currency="ZZZ",
        )
    promo = promos.create_promo_code(
        db,
        code="YEN-OFF",
        percent_off=None,
        amount_off_cents=1000,
        valid_from=date.today(),
        valid_until=date.today() + timedelta(days=30),
        currency="jpy",
    )
    assert promo.currency == "JPY"
