"""Invoice and credit note numbers: gapless per series and year, under the sequence lock.

The race runs on PostgreSQL (a scratch database, committed data, real parallel
transactions): 100 invoice checkouts at once get 100 consecutive numbers. The control
run replaces ``app.db.for_update`` with a no-op, as the seat and promo controls do, and
shows what the lock prevents: a number given twice (a unique violation), or a gap.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

import app.db
from app import migrate
from app.accounts.models import User
from app.db import make_engine, utcnow
from app.enrollment.seats import take_seat
from app.payments import checkout, numbering, orders, refunds
from app.payments.models import DocumentSequence, Order
from tests.enrollment import helpers as h
from tests.pg import scratch_database

YEAR = utcnow().year
CHECKOUTS = 100
# Connections open at once: the test server's max_connections (100) is shared with the
# rest of the suite; the other checkouts wait for a connection, then race as well.
CONNECTIONS = 30
CONTROL_RUNS = 3  # the race without the lock is near-certain; bounded retries anyway


def _open_order(db: Session, *, price: int = 49500) -> Order:
    """An open order for a held seat on a session of its own."""
    person = h.learner(db)
    enrollment = take_seat(db, h.session(db, capacity=5, price_cents=price), person)
    return orders.order_for_held_booking(db, person, enrollment.id, now=utcnow())


def _invoice(db: Session, order: Order) -> str:
    user = db.get(User, order.user_id)
    assert user is not None
    checkout.start_payment(db, user, order, "invoice", if_seat_gone="refund", now=utcnow())
    assert order.invoice_number is not None
    return order.invoice_number


def _number(text: str) -> int:
    return int(text.rsplit("-", 1)[1])


def test_invoices_are_numbered_one_after_another_in_the_year(db: Session) -> None:
    numbers = [_invoice(db, _open_order(db)) for _ in range(3)]
    assert all(
        n.startswith(f"INV-{YEAR}-") and len(n) == len(f"INV-{YEAR}-000001") for n in numbers
    )
    first = _number(numbers[0])
    assert [_number(n) for n in numbers] == [first, first + 1, first + 2]
    # Orders that never get an invoice (card payments) no longer leave holes.
    _open_order(db)
    assert _number(_invoice(db, _open_order(db))) == first + 3


def test_the_count_starts_after_the_highest_number_already_given(db: Session) -> None:
    old = _open_order(db)
    old.invoice_number = f"INV-{YEAR}-000777"  # as numbered by order id before
    other_year = _open_order(db)
    other_year.invoice_number = f"INV-{YEAR - 1}-009999"
    db.flush()
    db.execute(
        DocumentSequence.__table__.delete().where(DocumentSequence.series == numbering.INVOICE)
    )
    assert _invoice(db, _open_order(db)) == f"INV-{YEAR}-000778"
    assert old.invoice_number == f"INV-{YEAR}-000777"  # left as it was


def test_an_invoiced_order_keeps_its_number_when_invoiced_again(db: Session) -> None:
    order = _open_order(db)
    number = _invoice(db, order)
    checkout.issue_invoice(db, order, now=utcnow())
    assert order.invoice_number == number
    assert _number(_invoice(db, _open_order(db))) == _number(number) + 1


def test_credit_notes_have_their_own_series(db: Session) -> None:
    order = _open_order(db)
    invoice = _invoice(db, order)
    first = refunds.refund_order(db, order, amount=1000, reason="Goodwill", key="cn-1")
    second = refunds.refund_order(db, order, amount=500, reason="Goodwill", key="cn-2")
    assert first.credit_note_number is not None and second.credit_note_number is not None
    assert first.credit_note_number.startswith(f"CN-{YEAR}-")
    assert _number(second.credit_note_number) == _number(first.credit_note_number) + 1
    assert order.invoice_number == invoice  # the invoice is not renumbered or edited
    again = refunds.refund_order(db, order, amount=500, reason="Goodwill", key="cn-2")
    assert again.credit_note_number == second.credit_note_number  # one refund, one note


# --- the race, on PostgreSQL ------------------------------------------------------------


@dataclass
class Race:
    """What 100 simultaneous invoice checkouts got."""

    numbers: list[str] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def consecutive(self) -> bool:
        got = sorted(_number(n) for n in self.numbers)
        return got == list(range(got[0], got[0] + CHECKOUTS)) if got else False


@pytest.fixture(scope="module")
def numbering_database() -> object:
    with scratch_database("apex_numbering") as url:
        migrate.upgrade(url=url)
        yield url


def _setup(url: str) -> list[int]:
    engine = make_engine(url)
    with sessionmaker(bind=engine, expire_on_commit=False)() as db:
        ids = [_open_order(db).id for _ in range(CHECKOUTS)]
        db.commit()
    engine.dispose()
    return ids


def _race(url: str, order_ids: list[int]) -> Race:
    """Every order is invoiced at once, each in its own session and transaction."""
    engine = make_engine(url, pool_size=CONNECTIONS, max_overflow=0, pool_timeout=120)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    barrier = threading.Barrier(len(order_ids))
    race = Race()
    record = threading.Lock()

    def attempt(order_id: int) -> None:
        barrier.wait()
        with factory() as db:
            try:
                order = db.get(Order, order_id)
                assert order is not None
                number = _invoice(db, order)
                db.commit()
            except DBAPIError as exc:  # e.g. the unique violation of a number given twice
                db.rollback()
                with record:
                    race.errors[type(exc.orig).__name__] += 1
                return
        with record:
            race.numbers.append(number)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in order_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    engine.dispose()
    return race


def _counter(url: str) -> int:
    engine = make_engine(url)
    with sessionmaker(bind=engine)() as db:
        last = db.scalar(
            select(DocumentSequence.last_number).where(
                DocumentSequence.series == numbering.INVOICE, DocumentSequence.year == YEAR
            )
        )
    engine.dispose()
    return int(last or 0)


def test_100_concurrent_invoice_checkouts_get_100_consecutive_numbers(
    numbering_database: str,
) -> None:
    before = _counter(numbering_database)
    race = _race(numbering_database, _setup(numbering_database))
    print(
        f"\nnumbering with the lock: {len(race.numbers)} invoices, "
        f"{len(set(race.numbers))} distinct, errors={dict(race.errors)}"
    )
    assert race.errors == Counter()
    assert len(set(race.numbers)) == CHECKOUTS and race.consecutive()
    assert min(_number(n) for n in race.numbers) == before + 1
    assert _counter(numbering_database) == before + CHECKOUTS


def test_without_the_lock_numbers_are_given_twice_or_skipped(
    numbering_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.db, "for_update", lambda query: query)
    for run in range(1, CONTROL_RUNS + 1):
        before = _counter(numbering_database)
        race = _race(numbering_database, _setup(numbering_database))
        given = _counter(numbering_database) - before
        duplicates = len(race.numbers) - len(set(race.numbers))
        print(
            f"\nnumbering without the lock (run {run}): {len(race.numbers)} of {CHECKOUTS} "
            f"invoiced, counter moved {given}, duplicates={duplicates}, "
            f"errors={dict(race.errors)}"
        )
        if race.errors or duplicates or not race.consecutive() or given != CHECKOUTS:
            break
    assert race.errors or duplicates or not race.consecutive() or given != CHECKOUTS
