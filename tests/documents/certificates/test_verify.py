"""Public verification: valid, revoked (and replaced), unknown; page and API; lookup limit."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import get_settings
from app.documents.certificates import service as certificates
from app.documents.certificates import verify
from app.documents.models import Certificate
from app.errors import TooManyRequests
from tests.documents.cert_helpers import current_version
from tests.factories import make_user


def _cert(db: Session, name: str = "Grace Hopper") -> Certificate:
    return certificates.issue_or_find(
        db,
        user=make_user(db, name=name),
        course_version=current_version(db),
        first_date=date(2026, 3, 9),
        last_date=date(2026, 3, 11),
        facilitator_names=["Ada Lovelace"],
    )[0]


def test_valid_certificate_page_and_api(db: Session, client: TestClient) -> None:
    cert = _cert(db, name="Σωκράτης")
    page = client.get(f"/verify/{cert.token}")
    assert page.status_code == 200
    for text in (
        "Valid",
        "Σωκράτης",
        cert.course_title,
        cert.course_version,
        "9–11 March 2026",
        "5.5 credit hours",  # online study of the course (no session)
        cert.serial,
        "Ada Lovelace",
    ):
        assert text in page.text, text
    api = client.get(f"/api/v1/certificates/verify/{cert.token}")
    assert api.status_code == 200
    body = api.json()
    assert body["status"] == "valid"
    assert body["serial"] == cert.serial
    assert body["holder_name"] == "Σωκράτης"
    assert (body["first_date"], body["last_date"]) == ("2026-03-09", "2026-03-11")
    assert body["revoked_on"] is None and body["replaced_by"] is None


def test_revoked_certificate_shows_date_and_reason(db: Session, client: TestClient) -> None:
    cert = _cert(db)
    certificates.revoke(db, cert, "Attendance was recorded in error", acting=make_user(db))
    day = cert.revoked_at.date()
    page = client.get(f"/verify/{cert.token}")
    assert page.status_code == 200
    assert "Revoked" in page.text
    assert f"Revoked on {day.day} {day:%B %Y}: Attendance was recorded in error" in page.text
    body = client.get(f"/api/v1/certificates/verify/{cert.token}").json()
    assert body["status"] == "revoked"
    assert body["revoked_on"] == day.isoformat()
    assert body["revoke_reason"] == "Attendance was recorded in error"


def test_replaced_certificate_links_to_its_replacement(db: Session, client: TestClient) -> None:
    old = _cert(db, name="Lukasz Zolc")
    new = certificates.correct_name_and_reissue(db, old, "Łukasz Żółć", acting=make_user(db))
    page = client.get(f"/verify/{old.token}")
    assert f"Replaced by {new.serial}" in page.text
    assert f'href="/verify/{new.token}"' in page.text
    body = client.get(f"/api/v1/certificates/verify/{old.token}").json()
    assert body["status"] == "revoked"
    assert body["replaced_by"] == {"serial": new.serial, "verify_url": f"/verify/{new.token}"}
    fresh = client.get(f"/api/v1/certificates/verify/{new.token}").json()
    assert fresh["status"] == "valid" and fresh["holder_name"] == "Łukasz Żółć"


def test_unknown_token_is_unknown(db: Session, client: TestClient) -> None:
    cert = _cert(db)
    for token in ("nope", cert.token[:-1] + ("A" if cert.token[-1] != "A" else "B")):
        page = client.get(f"/verify/{token}")
        assert page.status_code == 404
        assert "Unknown" in page.text
        assert cert.holder_name not in page.text and cert.serial not in page.text
        api = client.get(f"/api/v1/certificates/verify/{token}")
        assert api.status_code == 200
        assert api.json() == {"status": "unknown"}


def test_lookups_are_limited_per_address(
    db: Session, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "verify_lookups_per_window", 5)
    cert = _cert(db)
    answers = [client.get(f"/api/v1/certificates/verify/guess-{n}").status_code for n in range(3)]
    answers.append(client.get(f"/verify/{cert.token}").status_code)
    answers.append(client.get("/verify/guess-x").status_code)
    assert answers == [200, 200, 200, 200, 404]
    page = client.get(f"/verify/{cert.token}")  # even a real token, once over the limit
    assert page.status_code == 429
    assert 1 <= int(page.headers["retry-after"]) <= settings.verify_window_seconds + 1
    assert cert.holder_name not in page.text
    api = client.get(f"/api/v1/certificates/verify/{cert.token}")
    assert api.status_code == 429
    assert api.headers["content-type"].startswith("application/problem+json")
    assert "retry-after" in api.headers


def test_the_limit_window_resets(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta

    from app.db import utcnow

    settings = get_settings()
    monkeypatch.setattr(settings, "verify_lookups_per_window", 2)
    start = utcnow()
    verify.count_lookup(db, "203.0.113.9", now=start)
    verify.count_lookup(db, "203.0.113.9", now=start)
    with pytest.raises(TooManyRequests):
        verify.count_lookup(db, "203.0.113.9", now=start + timedelta(seconds=10))
    verify.count_lookup(db, "198.51.100.1", now=start)  # another address has its own count
    later = start + timedelta(seconds=settings.verify_window_seconds + 1)
    verify.count_lookup(db, "203.0.113.9", now=later)
