"""Programmes (courses on different dates, one order, never above the sum) and group
bookings (colleagues across one series date's tracks): the services and their pages."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.enrollment import group_bookings, programmes
from app.enrollment.booking_groups import group_enrollments
from app.enrollment.models import BookingGroup, Enrollment, Programme
from app.enrollment.schemas import ProgrammeIn
from app.enrollment.seats import take_seat
from app.errors import Conflict, Invalid, NotFound
from app.payments.models import Order
from tests.enrollment import helpers as h
from tests.factories import csrf_from, log_in, post_form


def _mine(db: Session, user_id: int) -> list[Enrollment]:
    db.expire_all()
    query = select(Enrollment).where(Enrollment.user_id == user_id).order_by(Enrollment.id)
    return list(db.scalars(query))


def _groups(db: Session, user_id: int) -> int:
    query = select(func.count(BookingGroup.id)).where(BookingGroup.user_id == user_id)
    return int(db.scalar(query) or 0)


# --- the service ---------------------------------------------------------------------------


def test_a_programme_books_one_session_per_course_at_the_programme_price(db: Session) -> None:
    programme, sessions = h.programme_run(db, programme_price_cents=119000)
    person = h.learner(db)
    group, enrollments = programmes.book_programme(db, person, programme, sessions)
    assert (group.kind, group.programme_id, group.price_cents) == (
        "programme",
        programme.id,
        119000,
    )
    assert [e.session_id for e in enrollments] == [s.id for s in sessions]  # by date
    assert {e.status for e in enrollments} == {"held"}  # priced: held until the order is paid
    assert [e.id for e in group_enrollments(db, group.id)] == [e.id for e in enrollments]


def test_the_charge_is_never_above_the_sum_of_the_single_prices(db: Session) -> None:
    programme, sessions = h.programme_run(db, price_cents=30000, programme_price_cents=119000)
    group, _ = programmes.book_programme(db, h.learner(db), programme, sessions)
    assert group.price_cents == 90000  # 3 x 300.00 < 1,190.00
    assert programmes.charge_cents(programme, sessions) == 90000


def test_two_sessions_on_the_same_date_are_refused_and_nothing_is_booked(db: Session) -> None:
    _, same_day = h.series_day(db)  # three tracks side by side on one date
    course_ids = [s.course_id for s in same_day[:2]]
    programme = programmes.create_programme(
        db, ProgrammeIn(title="Side by side", course_ids=course_ids, price_cents=90000)
    )
    person = h.learner(db)
    with pytest.raises(Invalid, match=r"on .* choose different dates"):
        programmes.book_programme(db, person, programme, same_day[:2])
    assert _mine(db, person.id) == [] and _groups(db, person.id) == 0


def test_a_programme_is_all_or_nothing_when_one_session_is_full(db: Session) -> None:
    programme, sessions = h.programme_run(db, capacity=1, price_cents=0, programme_price_cents=1)
    take_seat(db, sessions[1], h.learner(db))
    person = h.learner(db)
    with pytest.raises(Conflict, match="no seats left, so nothing was booked") as refused:
        programmes.book_programme(db, person, programme, sessions)
    assert "Client expectations" in refused.value.message  # names the full session
    assert _mine(db, person.id) == [] and _groups(db, person.id) == 0


def test_a_programme_is_refused_when_the_learner_already_has_one_of_the_seats(
    db: Session,
) -> None:
    programme, sessions = h.programme_run(db, price_cents=0)
    person = h.learner(db)
    take_seat(db, sessions[2], person)
    with pytest.raises(Conflict, match="already"):
        programmes.book_programme(db, person, programme, sessions)
    assert len(_mine(db, person.id)) == 1


def test_a_programme_needs_one_session_of_each_of_its_courses(db: Session) -> None:
    programme, sessions = h.programme_run(db)
    other = h.session(db, course_slug="trust-and-confidence")
    person = h.learner(db)
    with pytest.raises(Invalid, match="one session for each course"):
        programmes.book_programme(db, person, programme, sessions[:2])
    with pytest.raises(Invalid, match="one session for each course"):
        programmes.book_programme(db, person, programme, [*sessions[:2], other])
    programmes.set_active(db, programme, False)
    with pytest.raises(Conflict, match="no longer offered"):
        programmes.book_programme(db, person, programme, sessions)
    assert _mine(db, person.id) == []


def test_a_free_programme_confirms_at_once(db: Session) -> None:
    programme, sessions = h.programme_run(db, price_cents=0)
    group, enrollments = programmes.book_programme(db, h.learner(db), programme, sessions)
    assert group.price_cents == 0 and {e.status for e in enrollments} == {"confirmed"}


def test_an_invoice_customers_programme_is_confirmed_and_billed_as_one_order(
    db: Session,
) -> None:
    employee = h.learner(db)
    org = h.organisation(db, members=[employee], pays_by_invoice=True)
    h.seat_pack(db, org, seats=5)  # a programme has its own price: the pack is not drawn on
    programme, sessions = h.programme_run(db, programme_price_cents=119000)
    _, enrollments = programmes.book_programme(db, employee, programme, sessions)
    assert {e.status for e in enrollments} == {"confirmed"}
    assert {e.seat_pack_id for e in enrollments} == {None}
    orders = list(db.scalars(select(Order).where(Order.user_id == employee.id)))
    assert [(o.provider, o.total_cents, o.organisation_id) for o in orders] == [
        ("invoice", 119000, org.id)
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"course_ids": "one"}, "2 to 4 courses"),
        ({"course_ids": "five"}, "2 to 4 courses"),
        ({"course_ids": "twice"}, "a course is listed twice"),
        ({"course_ids": "missing"}, "There is no course"),
        ({"price_cents": 0}, "more than 0"),
        ({"price_cents": 10_000_000}, "less than 100,000"),
        ({"currency": "U$"}, "three-letter code"),
        ({"currency": "ZZZ"}, "ZZZ is not an ISO 4217 currency code"),
        ({"title": "  "}, "title"),
    ],
)
def test_the_catalogue_refuses_a_programme_that_makes_no_sense(
    db: Session, change: dict[str, object], message: str
) -> None:
    ids = list(h.fast_courses(db).values())
    courses = {
        "one": [ids[0].id],
        "five": [c.id for c in ids] + [ids[0].id],
        "twice": [ids[0].id, ids[0].id],
        "missing": [ids[0].id, 987654],
    }
    data = {"title": "P", "course_ids": [ids[0].id, ids[1].id], "price_cents": 1, **change}
    if isinstance(data["course_ids"], str):
        data["course_ids"] = courses[data["course_ids"]]
    # Bypass the schema's own length bounds: the service checks on its own too.
    with pytest.raises(Invalid, match=message):
        programmes.create_programme(db, ProgrammeIn.model_construct(**data))  # type: ignore[arg-type]
    assert db.scalar(select(func.count(Programme.id))) == 0


# --- group bookings -------------------------------------------------------------------------


def test_a_group_booking_seats_colleagues_one_track_each_in_one_step(db: Session) -> None:
    series, sessions = h.series_day(db, price_cents=49500)
    booker, colleague = h.learner(db), h.learner(db)
    day = group_bookings.group_day(db, booker, series.id, sessions[0].starts_on)
    picks = [(sessions[0].id, booker.email), (sessions[2].id, colleague.email.upper())]
    group, enrollments = group_bookings.book_group(db, booker, day, picks)
    assert (group.kind, group.user_id, group.price_cents) == ("group", booker.id, 99000)
    assert [(e.session_id, e.user_id) for e in enrollments] == [
        (sessions[0].id, booker.id),
        (sessions[2].id, colleague.id),
    ]
    assert enrollments[1].created_by_id == booker.id


def test_a_group_booking_refuses_unknown_emails_and_one_person_on_two_tracks(
    db: Session,
) -> None:
    series, sessions = h.series_day(db)
    booker = h.learner(db)
    day = group_bookings.group_day(db, booker, series.id, sessions[0].starts_on)
    with pytest.raises(Invalid, match=re.escape("There is no account for “nobody@example.com”")):
        group_bookings.book_group(
            db,
            booker,
            day,
            [(sessions[0].id, booker.email), (sessions[1].id, "nobody@example.com")],
        )
    with pytest.raises(Invalid, match="named twice"):
        group_bookings.book_group(
            db, booker, day, [(sessions[0].id, booker.email), (sessions[1].id, booker.email)]
        )
    with pytest.raises(Invalid, match="at least one attendee"):
        group_bookings.book_group(db, booker, day, [(sessions[0].id, " ")])
    assert _mine(db, booker.id) == [] and _groups(db, booker.id) == 0


def test_a_group_booking_is_all_or_nothing_when_a_track_has_too_few_seats(db: Session) -> None:
    series, sessions = h.series_day(db, capacity=1, price_cents=0)
    booker, colleague, third = h.learner(db), h.learner(db), h.learner(db)
    day = group_bookings.group_day(db, booker, series.id, sessions[0].starts_on)
    picks = [
        (sessions[0].id, booker.email),
        (sessions[1].id, colleague.email),
        (sessions[1].id, third.email),
    ]
    with pytest.raises(Conflict, match="only 1 seat left, so nothing was booked"):
        group_bookings.book_group(db, booker, day, picks)
    assert _mine(db, booker.id) == [] and _mine(db, colleague.id) == []


def test_a_series_date_without_sessions_is_not_found(db: Session) -> None:
    series, sessions = h.series_day(db)
    with pytest.raises(NotFound):
        group_bookings.group_day(db, None, series.id, sessions[0].starts_on.replace(year=2099))


# --- pages -----------------------------------------------------------------------------------


def test_the_programme_page_states_the_saving_and_books_in_one_step(
    db: Session, client: TestClient
) -> None:
    programme, sessions = h.programme_run(db, programme_price_cents=119000)
    person = h.learner(db)
    db.commit()
    path = f"/programmes/{programme.id}"
    anonymous = client.get(path)
    assert anonymous.status_code == 200 and "Log in to book" in anonymous.text
    saving = "You save USD 295.00 against booking the three courses one by one."
    assert saving in anonymous.text and "USD 1,190.00" in anonymous.text
    assert saving in client.get("/programmes").text
    log_in(client, person.email)
    data = {"session_id": [str(s.id) for s in sessions]}
    response = client.post(f"{path}/book", data={**data, "csrf_token": csrf_from(client, path)})
    first = _mine(db, person.id)[0]
    assert response.status_code == 307  # held: on to pay for the one order (POST repeated)
    assert response.headers["location"] == f"/bookings/{first.id}/pay"
    assert "Booked: 3 seats held until paid, USD 1,190.00 in all." in client.get("/bookings").text
    paid = client.post(response.headers["location"], data={"csrf_token": csrf_from(client, path)})
    assert paid.status_code == 303  # the one order for the three seats, at checkout
    order = db.scalars(select(Order).where(Order.user_id == person.id)).one()
    assert order.total_cents == 119000
    checkout = client.get(paid.headers["location"]).text
    assert "Programme saving" in checkout and "Promo code None" not in checkout
    session_page = client.get(f"/sessions/{sessions[0].id}").text
    assert f'href="/programmes/{programme.id}"' in session_page


def test_the_programme_page_refuses_two_dates_alike_with_a_message(
    db: Session, client: TestClient
) -> None:
    _, same_day = h.series_day(db)
    programme = programmes.create_programme(
        db,
        ProgrammeIn(
            title="Side by side", course_ids=[s.course_id for s in same_day[:2]], price_cents=9000
        ),
    )
    person = h.learner(db)
    db.commit()
    log_in(client, person.email)
    path = f"/programmes/{programme.id}"
    data = {"session_id": [str(s.id) for s in same_day[:2]]}
    response = client.post(f"{path}/book", data={**data, "csrf_token": csrf_from(client, path)})
    assert response.status_code == 303 and response.headers["location"] == path
    assert "choose different dates" in client.get(path).text
    blank = client.post(
        f"{path}/book", data={"session_id": ["", ""], "csrf_token": csrf_from(client, path)}
    )
    assert blank.status_code == 303
    assert "Choose a date for every course" in client.get(path).text
    assert _mine(db, person.id) == []


def test_coordinators_create_edit_and_retire_programmes(db: Session, client: TestClient) -> None:
    courses = h.fast_courses(db)
    staff, learner = h.coordinator(db), h.learner(db)
    db.commit()
    log_in(client, learner.email)
    assert client.get("/coordinator/programmes").status_code in (403, 404)
    client.cookies.clear()
    log_in(client, staff.email)
    new = "/coordinator/programmes/new"
    form = {
        "title": "Client Excellence",
        "course_1": str(courses["client-expectations"].id),
        "course_2": str(courses["client-expectations"].id),
        "price": "1190.00",
        "currency": "usd",
    }
    twice = post_form(client, new, form, token_from=new)
    assert twice.status_code == 422 and "a course is listed twice" in twice.text
    assert 'value="Client Excellence"' in twice.text  # shown again as typed
    form["course_2"] = str(courses["status-communication"].id)
    assert post_form(client, new, {**form, "price": "0"}, token_from=new).status_code == 422
    created = post_form(client, new, form, token_from=new)
    assert created.status_code == 303
    programme = db.scalars(select(Programme)).one()
    assert (programme.price_cents, programme.currency) == (119000, "USD")
    assert programmes.course_ids(db, programme.id) == [
        courses["client-expectations"].id,
        courses["status-communication"].id,
    ]
    edit = f"/coordinator/programmes/{programme.id}/edit"
    assert 'value="1190.00"' in client.get(edit).text
    form["course_3"] = str(courses["trust-and-confidence"].id)
    assert post_form(client, edit, form, token_from=edit).status_code == 303
    assert len(programmes.course_ids(db, programme.id)) == 3
    retire = f"/coordinator/programmes/{programme.id}/active"
    retired = post_form(client, retire, {"active": ""}, token_from="/coordinator/programmes")
    assert retired.status_code == 303
    assert client.get(f"/programmes/{programme.id}").status_code == 404
    assert "Retired" in client.get("/coordinator/programmes").text


def test_the_group_page_books_colleagues_and_the_booker_pays_one_order(
    db: Session, client: TestClient
) -> None:
    series, sessions = h.series_day(db, price_cents=49500)
    booker, colleague = h.learner(db), h.learner(db)
    h.organisation(db, members=[colleague], coordinators=[booker])
    db.commit()
    log_in(client, booker.email)
    path = f"/series/{series.id}/{sessions[0].starts_on.isoformat()}/group"
    page = client.get(path)
    assert page.status_code == 200 and "seat-packs" in page.text  # names later: seat packs
    unknown = {
        "email": [booker.email, "ghost@example.com", ""],
        "session_id": [str(sessions[0].id), str(sessions[1].id), str(sessions[2].id)],
    }
    refused = client.post(path, data={**unknown, "csrf_token": csrf_from(client, path)})
    assert refused.status_code == 303
    assert "There is no account for “ghost@example.com”" in client.get(path).text
    named = {**unknown, "email": [booker.email, colleague.email, ""]}
    response = client.post(path, data={**named, "csrf_token": csrf_from(client, path)})
    assert response.status_code == 307
    paid = client.post(response.headers["location"], data={"csrf_token": csrf_from(client, path)})
    assert paid.status_code == 303
    order = db.scalars(select(Order).where(Order.user_id == booker.id)).one()
    assert order.total_cents == 99000  # both seats, each at its own price, in one order
    assert [e.session_id for e in _mine(db, colleague.id)] == [sessions[1].id]


def test_a_colleague_booked_in_a_group_is_not_asked_to_pay(db: Session, client: TestClient) -> None:
    series, sessions = h.series_day(db, price_cents=49500)
    booker, colleague = h.learner(db), h.learner(db)
    day = group_bookings.group_day(db, booker, series.id, sessions[0].starts_on)
    _, (seat,) = group_bookings.book_group(db, booker, day, [(sessions[1].id, colleague.email)])
    assert seat.status == "held" and seat.payer == "order"
    db.commit()
    log_in(client, colleague.email)
    mine = client.get("/bookings").text
    assert "Booked for you by a colleague, who pays for it." in mine and "Pay now" not in mine
    assert client.get(f"/bookings/{seat.id}/pay").status_code == 404
    client.cookies.clear()
    log_in(client, booker.email)
    assert client.get(f"/bookings/{seat.id}/pay").status_code == 200


def test_a_group_booked_by_an_invoice_customer_is_one_invoice_to_the_organisation(
    db: Session,
) -> None:
    series, sessions = h.series_day(db, price_cents=49500)
    booker, colleague = h.learner(db), h.learner(db)
    org = h.organisation(db, members=[colleague], coordinators=[booker], pays_by_invoice=True)
    day = group_bookings.group_day(db, booker, series.id, sessions[0].starts_on)
    picks = [(sessions[0].id, booker.email), (sessions[1].id, colleague.email)]
    _, enrollments = group_bookings.book_group(db, booker, day, picks)
    assert {e.status for e in enrollments} == {"confirmed"}
    (order,) = db.scalars(select(Order).where(Order.user_id == booker.id))
    assert (order.provider, order.organisation_id, order.total_cents) == ("invoice", org.id, 99000)
    assert not list(db.scalars(select(Order).where(Order.user_id == colleague.id)))
