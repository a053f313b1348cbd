"""Every way a seat becomes confirmed leaves exactly one payer, and the money adds up.

One walk over every seat path (card checkout through the pages, coordinator enrolment
with each payer, an organisation coordinator's pack assignment, a member's own booking
with and without a covering pack, waitlist acceptance, a transfer to a cheaper and a
dearer session, a free session), then the ledger (``app.payments.ledger``) is read:
each confirmed seat has one payer, nothing is billed for a seat nobody has, and the
sum of the lines is the money expected. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.accounts.models import User
from app.cli import cli
from app.enrollment import changes, group_bookings, programmes, seat_packs, waitlist
from app.enrollment.models import Enrollment
from app.enrollment.payers import PayerChoice
from app.enrollment.seats import take_seat
from app.payments import ledger, orders
from app.payments.models import Order, OrderLine
from app.scheduling.models import CourseSession
from tests.enrollment import helpers as h
from tests.factories import log_in
from tests.payments import conftest as stripe_test
from tests.payments.helpers import book_to_checkout, start_card

PRICE, CHEAPER = 49500, 39500


def _payer_of(rows: list[ledger.LedgerRow], enrollment: Enrollment) -> tuple[str, int]:
    (row,) = [r for r in rows if r.enrollment_id == enrollment.id]
    return row.payer, row.amount_cents


def test_every_seat_path_has_exactly_one_payer_and_the_money_adds_up(
    db: Session, client: TestClient, stripe_on: str
) -> None:
    later = date.today() + timedelta(days=40)
    course = h.session(db, capacity=20, price_cents=PRICE, starts_on=later)
    cheaper = h.session(db, capacity=20, price_cents=CHEAPER, starts_on=later + timedelta(days=7))
    one_seat = h.session(db, capacity=1, price_cents=PRICE, starts_on=later + timedelta(days=14))
    free = h.session(db, capacity=5, price_cents=0, starts_on=later + timedelta(days=21))
    coordinator = h.coordinator(db)
    stranger, guest, card_buyer, moved, dearer = (h.learner(db) for _ in range(5))
    packed, pack_member, biller_member, waiter, first_in_line = (h.learner(db) for _ in range(5))
    org_coordinator = h.learner(db)
    packs_org = h.organisation(db, members=[packed, pack_member], coordinators=[org_coordinator])
    pack = h.seat_pack(db, packs_org, seats=2)
    billing_org = h.organisation(db, members=[biller_member, waiter], pays_by_invoice=True)
    db.commit()

    # A learner's card checkout, through the pages, paid at (local) Stripe.
    log_in(client, card_buyer.email)
    order = book_to_checkout(client, db, course.id, card_buyer)
    start_card(client, order)
    db.expire_all()
    stripe_test.pay_with_card(stripe_on, db.get(Order, order.id).payment_intent_id)
    assert "your seat is confirmed" in client.get(f"/orders/{order.id}/return").text
    db.expire_all()
    seats = {"card checkout": _seat(db, card_buyer, course)}

    # Coordinator enrolments, each with the payer chosen on the roster form.
    seats["coordinator, default (invoice to the person)"] = changes.coordinator_enrol(
        db, course, stranger.email, coordinator
    )
    seats["coordinator, invoice to the organisation"] = changes.coordinator_enrol(
        db, course, pack_member.email, coordinator, payer=PayerChoice.INVOICE_ORGANISATION
    )
    seats["coordinator, complimentary"] = changes.coordinator_enrol(
        db, course, guest.email, coordinator, payer=PayerChoice.COMPLIMENTARY, reason="Guest"
    )
    # The organisation coordinator assigns a pack seat; a member's own booking uses the other.
    seats["organisation coordinator, pack"] = seat_packs.assign_seat(
        db, pack, employee_email=packed.email, session=cheaper, acting=org_coordinator
    )
    seats["member books, pack covers it"] = take_seat(db, one_seat, pack_member)
    # A member of an organisation that pays by invoice and holds no pack: invoiced to it.
    seats["member books, organisation invoiced"] = take_seat(db, cheaper, biller_member)
    # Waitlist: the one seat is taken; the waiting member accepts the freed seat.
    in_line = take_seat(db, one_seat, waiter)
    assert in_line.status == "waitlisted"
    changes.coordinator_cancel(db, seats.pop("member books, pack covers it"), coordinator)
    db.refresh(in_line)
    assert in_line.status == "offered"
    seats["waitlist acceptance"] = waitlist.accept_offer(db, in_line, waiter)
    # Moves: an invoiced seat to a cheaper session (credit note), one to a dearer session.
    seats["transfer to a cheaper session"] = changes.coordinator_move(
        db, changes.coordinator_enrol(db, course, moved.email, coordinator), cheaper, coordinator
    )
    seats["move to a dearer session"] = changes.coordinator_move(
        db, changes.coordinator_enrol(db, cheaper, dearer.email, coordinator), course, coordinator
    )
    seats["free session"] = take_seat(db, free, first_in_line)
    # A programme of three courses at its own price, invoiced to the organisation that pays.
    programme, runs = h.programme_run(db, programme_price_cents=119000, first=later)
    _, booked = programmes.book_programme(db, biller_member, programme, runs)
    seats.update({f"programme, course {n}": seat for n, seat in enumerate(booked, 1)})
    # A group booking on a series date: the booker pays both colleagues' seats.
    series, tracks = h.series_day(db, on=later + timedelta(days=90), price_cents=PRICE)
    day = group_bookings.group_day(db, waiter, series.id, tracks[0].starts_on)
    _, group = group_bookings.book_group(
        db, waiter, day, [(tracks[0].id, waiter.email), (tracks[1].id, stranger.email)]
    )
    seats.update({"group, the booker": group[0], "group, a colleague": group[1]})
    db.commit()

    rows, problems = ledger.seat_ledger(db)
    assert problems == []
    table = {path: _payer_of(rows, seat) for path, seat in seats.items()}
    assert {path: (kind.split(" ")[0], amount) for path, (kind, amount) in table.items()} == {
        "card checkout": ("order", PRICE),
        "coordinator, default (invoice to the person)": ("order", PRICE),
        "coordinator, invoice to the organisation": ("order", PRICE),
        "coordinator, complimentary": ("complimentary:", 0),
        "organisation coordinator, pack": ("seat", 0),
        "member books, organisation invoiced": ("order", CHEAPER),
        "waitlist acceptance": ("order", PRICE),
        "transfer to a cheaper session": ("order", CHEAPER),  # 49,500 less a 10,000 credit
        "move to a dearer session": ("order", CHEAPER),  # plus a 10,000 difference invoice
        "free session": ("complimentary:", 0),
        "programme, course 1": ("order", 39667),  # 119,000 over three courses, to the cent
        "programme, course 2": ("order", 39667),
        "programme, course 3": ("order", 39666),
        "group, the booker": ("order", PRICE),
        "group, a colleague": ("order", PRICE),
    }
    assert table["card checkout"][0].endswith("(stripe)")
    assert table["coordinator, complimentary"][0] == "complimentary: Guest"
    # Who is billed: the person, or the organisation chosen or paying by invoice.
    billed_to = {
        path: _order(db, seat).organisation_id
        for path, seat in seats.items()
        if table[path][0].startswith("order")
    }
    assert billed_to["coordinator, default (invoice to the person)"] is None
    assert billed_to["coordinator, invoice to the organisation"] == packs_org.id
    assert billed_to["member books, organisation invoiced"] == billing_org.id
    assert billed_to["waitlist acceptance"] == billing_org.id
    assert billed_to["programme, course 1"] == billing_org.id
    assert _order(db, seats["group, a colleague"]).user_id == waiter.id  # the booker pays
    # The dearer move's difference is its own invoice, to the same payer.
    difference = db.scalars(select(OrderLine).where(OrderLine.kind == "difference")).one()
    assert difference.amount_cents == PRICE - CHEAPER and difference.session_id == course.id
    assert db.get(Order, difference.order_id).invoice_number
    # The money: every line of every live order, less refunds, is what was sold.
    charged = sum(
        line.amount_cents - line.refunded_cents
        for line, order in db.execute(
            select(OrderLine, Order).join(Order, Order.id == OrderLine.order_id)
        )
        if order.status in orders.LIVE
    )
    expected = 4 * PRICE + 3 * CHEAPER + (PRICE - CHEAPER) + 119000 + 2 * PRICE
    assert charged == expected
    # The pack shows both of its seats' history: one in use now, the cancelled one free.
    assert seat_packs.pack_usages(db, [packs_org.id])[0].used == 1


def _seat(db: Session, person: User, session: CourseSession) -> Enrollment:
    return db.scalars(
        select(Enrollment).where(
            Enrollment.user_id == person.id, Enrollment.session_id == session.id
        )
    ).one()


def _order(db: Session, enrollment: Enrollment) -> Order:
    order = orders.order_for_enrollment(db, enrollment.id)
    assert order is not None
    return order


def test_the_ledger_names_a_seat_without_a_payer(db: Session) -> None:
    target = h.session(db, capacity=5, price_cents=PRICE)
    person = h.learner(db)
    seat = Enrollment(session_id=target.id, user_id=person.id, status="confirmed")
    db.add(seat)
    db.flush()
    rows, problems = ledger.seat_ledger(db)
    assert problems == [f"Seat {seat.id} (session {target.id}) has 0 payers: none."]
    assert all(row.enrollment_id != seat.id for row in rows)


def test_apex_payments_ledger_names_the_seat_and_fails(db: Session) -> None:
    target = h.session(db, capacity=5, price_cents=PRICE)
    paid = take_seat(db, target, h.learner(db), created_by=h.coordinator(db))  # invoiced
    db.commit()
    runner = CliRunner()
    fine = runner.invoke(cli, ["payments", "ledger"])
    assert fine.exit_code == 0, fine.output
    assert "Every seat has exactly one payer." in fine.output
    assert "1 confirmed seats: 1 order." in fine.output
    assert orders.order_for_enrollment(db, paid.id) is not None
    lost = Enrollment(session_id=target.id, user_id=h.learner(db).id, status="confirmed")
    db.add(lost)
    db.commit()
    wrong = runner.invoke(cli, ["payments", "ledger"])
    assert wrong.exit_code == 1
    assert f"Seat {lost.id} (session {target.id}) has 0 payers" in wrong.output
