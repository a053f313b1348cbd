"""The session roster links each seat to the order that pays for it, for staff only."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.enrollment.models import Enrollment
from app.enrollment.seats import take_seat
from app.payments import orders
from tests.enrollment import helpers as h
from tests.factories import log_in


def test_staff_open_a_seats_order_from_the_roster(db: Session, client: TestClient) -> None:
    employee, manager, walk_in = h.learner(db), h.learner(db), h.learner(db)
    h.organisation(db, members=[employee], coordinators=[manager], pays_by_invoice=True)
    target = h.session(db, capacity=5, price_cents=49500)
    seat = take_seat(db, target, employee)  # an invoice customer: confirmed and invoiced
    order = orders.order_for_enrollment(db, seat.id)
    assert order is not None
    db.add(Enrollment(session_id=target.id, user_id=walk_in.id, status="confirmed"))  # no order
    coordinator = h.coordinator(db)
    db.commit()

    log_in(client, coordinator.email)
    page = client.get(f"/coordinator/sessions/{target.id}")
    assert page.status_code == 200
    assert f'href="/coordinator/orders/{order.id}"' in page.text
    assert f"Order {order.reference} · Awaiting payment" in page.text
    assert page.text.count('href="/coordinator/orders/') == 1  # the walk-in has no order
    assert walk_in.display_name in page.text

    # The organisation's coordinator sees their member on the roster, but no order links.
    client.cookies.clear()
    log_in(client, manager.email)
    theirs = client.get(f"/coordinator/sessions/{target.id}")
    assert theirs.status_code == 200
    assert employee.display_name in theirs.text
    assert "/coordinator/orders/" not in theirs.text
