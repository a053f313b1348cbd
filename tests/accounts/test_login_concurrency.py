"""30 wrong passwords at once for a new account: no server error, and all 30 are counted.

Before the counter was one atomic upsert, the first failure's row was inserted by
whichever request got there first; on PostgreSQL the others then failed on the unique
key (21 of 30 answered 500) and those guesses were never counted.

This needs truly parallel transactions, so it runs the real app under uvicorn on a
scratch database of its own (not the rolled-back ``db`` fixture): a SQLite file, and a
PostgreSQL database when the suite has one. Each guess comes from its own thread and
HTTP client, with its own cookie and CSRF token, released together by a barrier.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.accounts import throttle
from app.accounts.models import LoginThrottle
from app.config import get_settings
from app.db import make_engine
from app.main import create_app
from tests.conftest import production_sessions_on
from tests.factories import make_user
from tests.network import uvicorn_in_thread
from tests.pg import scratch_database

GUESSES = 30


@dataclass
class Served:
    base_url: str
    factory: sessionmaker[Session]


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    """The app under uvicorn on a fresh, migrated database of the given kind."""
    if request.param == "sqlite":
        yield from _serve(f"sqlite:///{tmp_path / 'burst.db'}")
    else:
        with scratch_database("apex_login_burst") as url:
            yield from _serve(url)


def _serve(url: str) -> Iterator[Served]:
    migrate.upgrade(url=url)
    engine = make_engine(url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    # Requests use the app's own get_db, with its session factory on this database.
    try:
        with production_sessions_on(engine), uvicorn_in_thread(create_app()) as base_url:
            yield Served(base_url, factory)
    finally:
        engine.dispose()


def _guess(base_url: str, email: str, start: threading.Barrier) -> int:
    with httpx.Client(base_url=base_url, timeout=60) as http:
        page = http.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, "no CSRF token on /login"
        start.wait(timeout=30)
        form = {"email": email, "password": "a wrong guess", "csrf_token": token[1]}
        return http.post("/login", data=form).status_code


def test_30_parallel_wrong_passwords_are_all_counted(served: Served) -> None:
    with served.factory() as db:
        email = make_user(db).email
        db.commit()
    start = threading.Barrier(GUESSES)
    with ThreadPoolExecutor(max_workers=GUESSES) as pool:
        codes = Counter(pool.map(lambda _: _guess(served.base_url, email, start), range(GUESSES)))
    with served.factory() as db:
        stored = {
            key: failures
            for key, failures in db.execute(select(LoginThrottle.key, LoginThrottle.failures))
        }
    print(f"\nlogin burst: codes={dict(sorted(codes.items()))} counters={stored}")
    assert not [code for code in codes if code >= 500], codes
    # Every guess counted, for the account at this address and for the address.
    assert sorted(stored.values()) == [GUESSES, GUESSES]
    account, address = throttle.limits_for(email, "127.0.0.1")
    assert set(stored) == {account.key, address.key}
    allowed = get_settings().login_max_failures
    assert codes == Counter({401: allowed, 429: GUESSES - allowed})
