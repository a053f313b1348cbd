"""Crawl: every route, as every kind of visitor, never answers 500 or above.

Routes come from the router table (``tests.routes_table``), so a route added tomorrow is
crawled tomorrow. The data is the demo data, so each role has things of its own and
things of someone else's. For each GET route every path parameter is tried with a value
that exists (the visitor's own where rows have an owner), one that belongs to someone
else, one that does not exist and, for ids, two beyond any column's range. Every page
POST is sent without its CSRF token. The visitors are each demo account, an anonymous
visitor with no cookie and an anonymous visitor who holds a session cookie.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.demo import DEMO_ACCOUNTS, load_demo_data
from tests.conftest import PersonClient
from tests.factories import csrf_from, log_in
from tests.routes_table import RouteInfo, app_routes

OUT_OF_RANGE = ("2147483648", "9223372036854775808")
MISSING_ID = "999999"

# What a route may answer when it refuses or sends the visitor elsewhere.
MEANT = {200, 204, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 409, 410, 422, 429}

# Path parameter -> (table, owner column or None): where existing values come from.
ID_TABLES: dict[str, tuple[str, str | None]] = {
    "session_id": ("course_sessions", None),
    "series_id": ("series", None),
    "enrollment_id": ("enrollments", "user_id"),
    "order_id": ("orders", "user_id"),
    "refund_id": ("refunds", None),
    "certificate_id": ("certificates", "user_id"),
    "organisation_id": ("organisations", None),
    "pack_id": ("seat_packs", None),
    "programme_id": ("programmes", None),
    "user_id": ("users", None),
    "version_id": ("course_versions", None),
    "job_id": ("document_jobs", "requested_by_id"),
    "request_id": ("inhouse_requests", "requester_id"),
    "token_id": ("api_tokens", "user_id"),
    "exception_id": ("series_exceptions", None),
}
# Routes that stream or sign in differently and are crawled by their own tests.
SKIPPED = {"/payments/stripe/webhook"}


@dataclass
class Visitor:
    name: str
    client: TestClient
    user_id: int | None = None
    answers: Counter[int] = field(default_factory=Counter)


def _ids(db: Session, table: str, owner: str | None, user_id: int | None) -> list[str]:
    """An id of the visitor's own (when rows have an owner), and one of someone else's."""
    values: list[int] = []
    if owner and user_id is not None:
        own = db.scalar(text(f"SELECT min(id) FROM {table} WHERE {owner} = :u"), {"u": user_id})
        other = db.scalar(
            text(f"SELECT max(id) FROM {table} WHERE {owner} <> :u OR {owner} IS NULL"),
            {"u": user_id},
        )
        values += [v for v in (own, other) if v is not None]
    else:
        low, high = db.execute(text(f"SELECT min(id), max(id) FROM {table}")).one()
        values += [v for v in (low, high) if v is not None]
    return [str(v) for v in dict.fromkeys(values)]


def _text_values(db: Session) -> dict[str, list[str]]:
    """Existing and missing values for the path parameters that are not ids."""
    slug = db.scalar(text("SELECT slug FROM courses ORDER BY id")) or "none"
    module = db.scalar(text("SELECT slug FROM course_modules ORDER BY id")) or "none"
    asset = db.execute(text("SELECT sha256, path FROM course_assets ORDER BY id")).first()
    version = db.execute(
        text("SELECT c.slug, v.version FROM course_versions v JOIN courses c ON c.id = v.course_id")
    ).first()
    token = db.scalar(text("SELECT token FROM certificates ORDER BY id")) or "none"
    return {
        "slug": [slug, "no-such-course"],
        "module_slug": [module, "no-such-module"],
        "check_id": ["no-such-check"],
        "token": [token, "not-a-real-token"],
        "sha256": [asset[0] if asset else "0" * 64, "f" * 64],
        "name": [asset[1].rsplit("/", 1)[-1] if asset else "x.png", "missing.png"],
        "course_id": [version[0] if version else "none", "no-such-course"],
        "version": [version[1] if version else "1", "0.0.0"],
        "digest": ["0" * 16],
        "serial": ["APEX-0000"],
        "on_date": [date.today().isoformat(), "2026-02-30", "9999-12-31"],
        "position": ["1", "999"],
    }


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values[m.group(1)], path)


def _urls(route: RouteInfo, choices: dict[str, list[str]]) -> Iterator[tuple[str, bool]]:
    """(url, out_of_range): each parameter varied in turn, the others held to a real value."""
    base = {name: choices[name][0] for name in route.path_params}
    if not route.path_params:
        yield route.path, False
        return
    for name in route.path_params:
        for value in choices[name]:
            yield _fill(route.path, {**base, name: value}), False
        if name in ID_TABLES or name == "position":
            for value in OUT_OF_RANGE:
                yield _fill(route.path, {**base, name: value}), True


@pytest.fixture
def demo(db: Session) -> Session:
    load_demo_data(db)
    db.commit()
    return db


def _visitors(app: FastAPI, db: Session) -> Iterator[Visitor]:
    for account in DEMO_ACCOUNTS:
        client = PersonClient(app, db, base_url="http://testserver", follow_redirects=False)
        log_in(client, account.email, account.password)
        user_id = db.scalar(text("SELECT id FROM users WHERE email = :e"), {"e": account.email})
        yield Visitor(account.role, client, user_id)
    yield Visitor("anonymous", PersonClient(app, db, base_url="http://testserver"))
    with_cookie = PersonClient(app, db, base_url="http://testserver", follow_redirects=False)
    token = csrf_from(with_cookie)
    with_cookie.post(
        "/login", data={"email": "x@example.com", "password": "x", "csrf_token": token}
    )
    assert with_cookie.cookies, "an anonymous visitor who tried to sign in holds a cookie"
    yield Visitor("anonymous with a session cookie", with_cookie)


def test_every_route_as_every_visitor_answers_below_500(app: FastAPI, demo: Session) -> None:
    db = demo
    routes = [r for r in app_routes(app) if r.path not in SKIPPED]
    text_values = _text_values(db)
    failures: list[str] = []
    total = 0
    for visitor in _visitors(app, db):
        choices = dict(text_values)
        for name, (table, owner) in ID_TABLES.items():
            choices[name] = [*_ids(db, table, owner, visitor.user_id), MISSING_ID]
        for route in routes:
            if "GET" in route.methods:
                for url, out_of_range in _urls(route, choices):
                    status = visitor.client.get(url, follow_redirects=False).status_code
                    total += 1
                    visitor.answers[status] += 1
                    if status not in MEANT or (out_of_range and status != 404):
                        failures.append(f"{visitor.name}: GET {url} -> {status}")
            if "POST" in route.methods and not route.path.startswith("/api/"):
                url = _fill(route.path, {n: choices[n][0] for n in route.path_params})
                status = visitor.client.post(url, data={"x": "1"}).status_code
                total += 1
                visitor.answers[status] += 1
                # Without a token a form post is refused (403) or, for a thing that does
                # not exist, not found; anonymous visitors may be sent to sign in.
                if status not in {403, 404, 303, 401}:
                    failures.append(f"{visitor.name}: POST {url} without CSRF -> {status}")
            for method in sorted(route.methods & {"POST", "PUT", "PATCH", "DELETE"}):
                if not route.path.startswith("/api/"):
                    continue
                url = _fill(route.path, {n: choices[n][0] for n in route.path_params})
                status = visitor.client.request(method, url, json={}).status_code
                total += 1
                visitor.answers[status] += 1
                if status not in MEANT:  # the API uses bearer tokens: 401 without one
                    failures.append(f"{visitor.name}: {method} {url} -> {status}")
        visitor.client.close()
    print(f"crawl: {total} requests")
    assert not failures, f"{len(failures)} of {total} answers were wrong:\n" + "\n".join(
        failures[:60]
    )
    # Guards the crawl itself: a broken route table or login would crawl almost nothing.
    assert total > 1500, f"the crawl made only {total} requests"
