"""200 simultaneous requests through the real HTTP app on PostgreSQL: seats, programmes
and seat packs are never oversold while the lock is on, and are oversold when it is off.

These need committed data and truly parallel transactions, so they run on a scratch
database of their own (not the rolled-back ``db`` fixture), with the app served by
uvicorn in a thread. Each scenario prints one line of figures per run for the report.
The control runs replace ``app.db.for_update`` (where every row lock is added) with a no-op.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import anyio
import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import app.db
from app import migrate
from app.accounts.models import Organisation, OrganisationMember, User
from app.accounts.service import issue_api_token
from app.config import get_settings
from app.db import make_engine, utcnow
from app.enrollment.models import BookingGroup, Enrollment
from app.enrollment.rules import seat_clause
from app.main import create_app
from tests.conftest import production_sessions_on
from tests.enrollment import helpers as h
from tests.network import uvicorn_in_thread
from tests.pg import scratch_database

LEARNERS = 200
SEATS = 20
CONTROL_BURSTS = 3  # the race without the lock is near-certain; bounded retries anyway

pytestmark = pytest.mark.postgres_only


@dataclass
class Stack:
    """The served app, its database, and the people (with API tokens) who hit it."""

    base_url: str
    factory: sessionmaker[Session]
    learner_tokens: list[str]
    learner_ids: list[int]
    employee_emails: list[str]
    coordinator_tokens: list[str]  # one organisation coordinator, one token per request
    organisation_id: int


@dataclass
class Burst:
    """What one burst of simultaneous requests got back."""

    codes: Counter[int] = field(default_factory=Counter)
    failures: int = 0  # 5xx answers and requests that got no answer
    seconds: float = 0.0

    @property
    def rps(self) -> float:
        """Requests answered per second over the whole burst."""
        return sum(self.codes.values()) / self.seconds if self.seconds else 0.0


class EnoughThreads:
    """Give the server one worker thread per in-flight request.

    FastAPI runs each sync dependency and the endpoint in separate threadpool calls, and
    a request holds its database connection in between; with all 200 requests admitted at
    once, threads must not run out while connections wait for them.
    """

    def __init__(self, app: Any, threads: int = LEARNERS + 50) -> None:
        self.app = app
        self.threads = threads
        self.ready = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not self.ready:
            anyio.to_thread.current_default_thread_limiter().total_tokens = self.threads
            self.ready = True
        await self.app(scope, receive, send)


def _build_people(db: Session) -> dict[str, Any]:
    h.fast_courses(db)
    learners = [h.learner(db) for _ in range(LEARNERS)]
    employees = [h.learner(db) for _ in range(LEARNERS)]
    org_coordinator = h.learner(db)
    org = h.organisation(db, members=employees, coordinators=[org_coordinator])
    return {
        "learner_tokens": [issue_api_token(db, u, name="burst") for u in learners],
        "learner_ids": [u.id for u in learners],
        "employee_emails": [u.email for u in employees],
        "coordinator_tokens": [
            issue_api_token(db, org_coordinator, name=f"burst {i}") for i in range(LEARNERS)
        ],
        "organisation_id": org.id,
    }


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """A migrated scratch database with 200 learners, served by the real app."""
    with scratch_database("apex_concurrency") as url:
        migrate.upgrade(url=url)
        # A bigger server than the defaults, as this test was first measured with: every
        # request of the burst in flight at once, with a worker thread each, so many
        # transactions overlap and the lock-off control can show the bug.
        settings = get_settings()
        saved = settings.max_requests_in_flight
        settings.max_requests_in_flight = LEARNERS + 50
        engine = make_engine(url, pool_size=60, max_overflow=20, pool_timeout=60)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        with factory() as db:
            people = _build_people(db)
            db.commit()

        # Requests use the app's own get_db, with its session factory on this database.
        app = EnoughThreads(create_app())
        try:
            with production_sessions_on(engine), uvicorn_in_thread(app, backlog=1024) as url:
                yield Stack(base_url=url, factory=factory, **people)
        finally:
            engine.dispose()
            settings.max_requests_in_flight = saved


async def _fire(base_url: str, calls: list[tuple[str, str, Any]]) -> Burst:
    """POST every (path, token, json body) at once; bounded timeouts, nothing retried."""
    burst = Burst()
    limits = httpx.Limits(max_connections=len(calls), max_keepalive_connections=len(calls))
    timeout = httpx.Timeout(60.0, connect=20.0)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as client:
        start = time.perf_counter()
        answers = await asyncio.gather(
            *(
                client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
                for path, token, body in calls
            ),
            return_exceptions=True,
        )
        burst.seconds = time.perf_counter() - start
    for answer in answers:
        if isinstance(answer, BaseException):
            burst.failures += 1
            continue
        burst.codes[answer.status_code] += 1
        if answer.status_code >= 500:
            burst.failures += 1
    return burst


def fire(stack: Stack, calls: list[tuple[str, str, Any]]) -> Burst:
    """One burst of simultaneous requests from this (test) thread."""
    # A thread of its own: Playwright's session-wide browser keeps an event loop running
    # in the main thread when the browser tests ran first, and asyncio.run refuses that.
    with ThreadPoolExecutor(max_workers=1) as runner:
        return runner.submit(asyncio.run, _fire(stack.base_url, calls)).result()


def _seat_counts(db: Session, session_id: int) -> Counter[str]:
    query = select(Enrollment.status).where(Enrollment.session_id == session_id)
    return Counter(db.scalars(query))


def _seats_taken(db: Session, session_id: int) -> int:
    query = select(func.count(Enrollment.id)).where(
        Enrollment.session_id == session_id, seat_clause(utcnow())
    )
    return int(db.scalar(query) or 0)


def _report(name: str, burst: Burst, **figures: int) -> None:
    shown = " ".join(f"{key}={value}" for key, value in figures.items())
    codes = ",".join(f"{code}:{n}" for code, n in sorted(burst.codes.items()))
    print(
        f"\nconcurrency {name}: {shown} errors={burst.failures} codes={codes} "
        f"requests={sum(burst.codes.values())} seconds={burst.seconds:.2f} rps={burst.rps:.0f}"
    )


@pytest.fixture
def lock_off(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Switch the seat lock off for a control run (the served app shares these settings)."""
    monkeypatch.setattr(app.db, "for_update", lambda query: query)
    yield


# --- single seats ---------------------------------------------------------------------


def _seat_burst(stack: Stack) -> tuple[int, Burst]:
    with stack.factory() as db:
        target = h.session(db, capacity=SEATS, price_cents=49500)
        db.commit()
        session_id = target.id
    path = f"/api/v1/sessions/{session_id}/enrollments"
    return session_id, fire(stack, [(path, token, None) for token in stack.learner_tokens])


def test_200_learners_racing_for_20_seats_take_exactly_20(stack: Stack) -> None:
    session_id, burst = _seat_burst(stack)
    with stack.factory() as db:
        counts = _seat_counts(db, session_id)
        taken = _seats_taken(db, session_id)
    _report("seats (lock on)", burst, seats=taken, waitlisted=counts["waitlisted"])
    assert burst.failures == 0, burst.codes
    assert burst.codes == Counter({201: LEARNERS})
    assert taken == SEATS and counts["held"] + counts["confirmed"] == SEATS
    assert counts["waitlisted"] == LEARNERS - SEATS


def test_without_the_lock_the_same_burst_oversells(stack: Stack, lock_off: None) -> None:
    oversold = 0
    for attempt in range(1, CONTROL_BURSTS + 1):
        session_id, burst = _seat_burst(stack)
        with stack.factory() as db:
            counts = _seat_counts(db, session_id)
            oversold = _seats_taken(db, session_id)
        _report(
            f"seats (lock OFF, burst {attempt})",
            burst,
            seats=oversold,
            waitlisted=counts["waitlisted"],
        )
        if oversold > SEATS:
            break
    assert oversold > SEATS, "no overselling seen without the lock: the control proves nothing"


# --- programmes -----------------------------------------------------------------------


def _programme_burst(stack: Stack) -> tuple[list[int], Burst]:
    """A fresh two-course programme (sessions four weeks apart) and 200 learners booking it."""
    with stack.factory() as db:
        programme, sessions = h.programme_run(
            db,
            courses=("client-expectations", "status-communication"),
            capacity=SEATS,
            programme_price_cents=89000,
            first=date.today() + timedelta(days=40),
        )
        db.commit()
        ids = [s.id for s in sessions]
        path = f"/api/v1/programmes/{programme.id}/bookings"
    body = {"session_ids": ids}
    return ids, fire(stack, [(path, token, body) for token in stack.learner_tokens])


def _programme_figures(stack: Stack, ids: list[int]) -> tuple[list[int], Counter[int], int]:
    with stack.factory() as db:
        taken = [_seats_taken(db, sid) for sid in ids]
        per_user = Counter(
            db.scalars(
                select(Enrollment.user_id).where(
                    Enrollment.session_id.in_(ids), seat_clause(utcnow())
                )
            )
        )
        groups = db.scalar(
            select(func.count(BookingGroup.id)).where(
                BookingGroup.id.in_(
                    select(Enrollment.booking_group_id).where(Enrollment.session_id.in_(ids))
                )
            )
        )
    return taken, per_user, int(groups or 0)


def test_200_learners_racing_for_20_programmes_get_exactly_20_whole_ones(stack: Stack) -> None:
    ids, burst = _programme_burst(stack)
    taken, per_user, booked = _programme_figures(stack, ids)
    _report("programmes (lock on)", burst, programmes=booked, seats_a=taken[0], seats_b=taken[1])
    assert burst.failures == 0, burst.codes
    assert burst.codes == Counter({201: SEATS, 409: LEARNERS - SEATS})
    assert taken == [SEATS, SEATS] and booked == SEATS
    assert set(per_user.values()) == {2}, "a half-booked programme"  # 0 (absent) or 2 seats
    assert len(per_user) == SEATS


def test_without_the_lock_programmes_oversell(stack: Stack, lock_off: None) -> None:
    worst = 0
    for attempt in range(1, CONTROL_BURSTS + 1):
        ids, burst = _programme_burst(stack)
        taken, _, booked = _programme_figures(stack, ids)
        worst = max(taken)
        _report(
            f"programmes (lock OFF, burst {attempt})",
            burst,
            programmes=booked,
            seats_a=taken[0],
            seats_b=taken[1],
        )
        if worst > SEATS:
            break
    assert worst > SEATS, "no overselling seen without the lock: the control proves nothing"


# --- seat packs -----------------------------------------------------------------------


def _pack_burst(stack: Stack) -> tuple[int, int, Burst]:
    with stack.factory() as db:
        org = db.get(Organisation, stack.organisation_id)
        assert org is not None
        pack = h.seat_pack(db, org, seats=SEATS)
        target = h.session(db, capacity=100, price_cents=49500)
        db.commit()
        pack_id, session_id = pack.id, target.id
    path = f"/api/v1/seat-packs/{pack_id}/assignments"
    calls = [
        (path, token, {"user_email": email, "session_id": session_id})
        for token, email in zip(stack.coordinator_tokens, stack.employee_emails, strict=True)
    ]
    return pack_id, session_id, fire(stack, calls)


def _pack_used(stack: Stack, pack_id: int) -> int:
    with stack.factory() as db:
        query = select(func.count(Enrollment.id)).where(
            Enrollment.seat_pack_id == pack_id, Enrollment.status.in_(("held", "confirmed"))
        )
        return int(db.scalar(query) or 0)


def test_200_assignments_racing_for_a_20_seat_pack_use_exactly_20(stack: Stack) -> None:
    pack_id, session_id, burst = _pack_burst(stack)
    used = _pack_used(stack, pack_id)
    with stack.factory() as db:
        taken = _seats_taken(db, session_id)
    _report("seat pack (lock on)", burst, used=used, session_seats=taken)
    assert burst.failures == 0, burst.codes
    assert burst.codes == Counter({201: SEATS, 409: LEARNERS - SEATS})
    assert used == SEATS and taken == SEATS


def test_without_the_lock_seat_packs_are_overused(stack: Stack, lock_off: None) -> None:
    used = 0
    for attempt in range(1, CONTROL_BURSTS + 1):
        pack_id, _, burst = _pack_burst(stack)
        used = _pack_used(stack, pack_id)
        _report(f"seat pack (lock OFF, burst {attempt})", burst, used=used)
        if used > SEATS:
            break
    assert used > SEATS, "no overuse seen without the lock: the control proves nothing"


def test_the_learners_and_employees_are_distinct_people(stack: Stack) -> None:
    # Guards the set-up: the seat scenarios must not run as invoice customers by accident.
    with stack.factory() as db:
        members = set(
            db.scalars(
                select(OrganisationMember.user_id).where(
                    OrganisationMember.organisation_id == stack.organisation_id
                )
            )
        )
        learners = set(db.scalars(select(User.id).where(User.id.in_(stack.learner_ids))))
    assert learners and not (learners & members)
