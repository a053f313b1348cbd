"""Holds and offers run out, freed seats go to the first in line, offers pass on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from app.db import utcnow
from app.enrollment.changes import cancel_enrollment, coordinator_cancel
from app.enrollment.models import Enrollment
from app.enrollment.seats import take_seat
from app.enrollment.waitlist import accept_offer, decline_offer, expire_due, waitlist_position
from app.errors import Conflict, NotFound
from app.scheduling.visibility import session_start
from tests.enrollment import helpers as h


def _fresh(db: Session, enrollment: Enrollment) -> Enrollment:
    found = db.get(Enrollment, enrollment.id, populate_existing=True)
    assert found is not None
    return found


def test_expired_holds_free_their_seat_for_the_first_in_line(db: Session) -> None:
    target = h.session(db, capacity=1, price_cents=100)
    holder = take_seat(db, target, h.learner(db))
    first = take_seat(db, target, h.learner(db))
    second = take_seat(db, target, h.learner(db))
    assert (holder.status, first.status, second.status) == ("held", "waitlisted", "waitlisted")

    assert expire_due(db, utcnow())["holds_expired"] == 0  # nothing is due yet
    later = utcnow() + timedelta(minutes=31)
    done = expire_due(db, later)
    assert done == {"holds_expired": 1, "offers_expired": 0, "offers_made": 1}
    assert _fresh(db, holder).status == "expired"
    offered = _fresh(db, first)
    assert offered.status == "offered"
    assert offered.offer_expires_at is not None
    hours = (offered.offer_expires_at - later).total_seconds() / 3600
    assert hours == pytest.approx(48, abs=0.01)
    assert _fresh(db, second).status == "waitlisted"
    # Idempotent: running again at the same moment changes nothing.
    assert expire_due(db, later) == {"holds_expired": 0, "offers_expired": 0, "offers_made": 0}


def test_an_expired_offer_passes_to_the_next_in_line(db: Session) -> None:
    target = h.session(db, capacity=1, price_cents=0)
    seated = h.learner(db)
    seat = take_seat(db, target, seated)
    first = take_seat(db, target, h.learner(db))
    second = take_seat(db, target, h.learner(db))
    cancel_enrollment(db, seat, seated)
    assert _fresh(db, first).status == "offered"

    after_offer = utcnow() + timedelta(hours=49)
    done = expire_due(db, after_offer)
    assert done["offers_expired"] == 1 and done["offers_made"] == 1
    assert _fresh(db, first).status == "expired"
    assert _fresh(db, second).status == "offered"


def test_offer_is_never_valid_beyond_the_session_start(db: Session) -> None:
    target = h.session(db, capacity=1, price_cents=0)
    seat = take_seat(db, target, h.learner(db))
    waiting = take_seat(db, target, h.learner(db))
    almost = session_start(target) - timedelta(hours=5)
    coordinator_cancel(db, seat, h.coordinator(db), now=almost)
    assert _fresh(db, waiting).offer_expires_at == session_start(target)


def test_accepting_an_offer_confirms_a_free_seat(db: Session) -> None:
    target = h.session(db, capacity=1, price_cents=0)
    seated = h.learner(db)
    seat = take_seat(db, target, seated)
    waiting_person = h.learner(db)
    waiting = take_seat(db, target, waiting_person)
    cancel_enrollment(db, seat, seated)
    accepted = accept_offer(db, waiting, waiting_person)
    assert accepted.status == "confirmed" and accepted.offer_expires_at is None


def test_accepting_an_offer_on_a_paid_session_holds_it_for_payment(db: Session) -> None:
    target = h.session(db, capacity=1, price_cents=100)
    seated = h.learner(db)
    seat = take_seat(db, target, seated)
    waiting_person = h.learner(db)
    waiting = take_seat(db, target, waiting_person)
    cancel_enrollment(db, seat, seated)
    accepted = accept_offer(db, waiting, waiting_person)
    assert accepted.status == "held" and accepted.hold_expires_at is not None


def test_an_offer_that_ran_out_cannot_be_accepted(db: Session) -> None:
    target = h.session(db, capacity=1, price_cents=0)
    seated = h.learner(db)
    seat = take_seat(db, target, seated)
    waiting_person = h.learner(db)
    waiting = take_seat(db, target, waiting_person)
    cancel_enrollment(db, seat, seated)
    with pytest.raises(Conflict, match="ran out"):
        accept_offer(db, waiting, waiting_person, now=utcnow() + timedelta(hours=49))
    assert _fresh(db, waiting).status == "expired"


def test_only_the_offered_person_can_accept(db: Session) -> None:
    target = h.session(db, capacity=1, price_cents=0)
    seated = h.learner(db)
    seat = take_seat(db, target, seated)
    waiting = take_seat(db, target, h.learner(db))
    cancel_enrollment(db, seat, seated)
    with pytest.raises(NotFound):
        accept_offer(db, waiting, h.learner(db))


def test_declining_passes_the_seat_on_and_positions_follow_the_line(db: Session) -> None:
    target = h.session(db, capacity=1, price_cents=0)
    seated = h.learner(db)
    seat = take_seat(db, target, seated)
    people = [h.learner(db) for _ in range(3)]
    line = [take_seat(db, target, p) for p in people]
    assert [waitlist_position(db, e) for e in line] == [1, 2, 3]
    cancel_enrollment(db, seat, seated)
    assert _fresh(db, line[0]).status == "offered"
    assert [waitlist_position(db, _fresh(db, e)) for e in line[1:]] == [1, 2]
    decline_offer(db, line[0], people[0])
    assert _fresh(db, line[0]).status == "cancelled"
    assert _fresh(db, line[1]).status == "offered"
    assert _fresh(db, line[2]).status == "waitlisted"


def test_no_offers_on_a_cancelled_session(db: Session) -> None:
    target = h.session(db, capacity=1, price_cents=100)
    take_seat(db, target, h.learner(db))
    waiting = take_seat(db, target, h.learner(db))
    target.status = "cancelled"
    db.flush()
    done = expire_due(db, utcnow() + timedelta(minutes=31))
    assert done["holds_expired"] == 1 and done["offers_made"] == 0
    assert _fresh(db, waiting).status == "waitlisted"


def test_a_raised_capacity_is_offered_to_the_line_by_expire_due(db: Session) -> None:
    target = h.session(db, capacity=1, price_cents=0)
    h.fill(db, target, 1)
    waiting = take_seat(db, target, h.learner(db))
    target.capacity = 2
    db.flush()
    assert expire_due(db, utcnow())["offers_made"] == 1
    assert _fresh(db, waiting).status == "offered"
