"""The admins' Content page: courses and versions, broken packs, upload and sync forms."""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.config import get_settings
from app.content.models import CourseVersion
from tests.content.admin.helpers import log_in_as, pack_zip, row_counts, zip_bytes
from tests.content.admin.test_upload_service import BROKEN_LINES, broken_zip
from tests.content.packbuilder import minimal_pack
from tests.factories import csrf_from

PAGE = "/admin/content"


def upload_form(client: TestClient, data: bytes, filename: str = "pack.zip") -> Response:
    """Submit the page's upload form: multipart, with the CSRF token as a form field."""
    token = csrf_from(client, PAGE)
    return client.post(
        PAGE + "/upload",
        data={"csrf_token": token},
        files={"file": (filename, data, "application/zip")},
    )


def page_text(client: TestClient) -> str:
    """The Content page with HTML entities decoded, for plain-text assertions."""
    response = client.get(PAGE)
    assert response.status_code == 200
    return html.unescape(response.text)


@pytest.mark.parametrize("role", [Role.LEARNER, Role.FACILITATOR, Role.COORDINATOR])
def test_content_page_is_for_admins(client: TestClient, db: Session, role: Role) -> None:
    log_in_as(client, db, role)
    assert client.get(PAGE).status_code == 403
    token = csrf_from(client, "/account")
    assert client.post(PAGE + "/sync", data={"csrf_token": token}).status_code == 403
    refused = client.post(
        PAGE + "/upload",
        data={"csrf_token": token},
        files={"file": ("p.zip", pack_zip(minimal_pack()), "application/zip")},
    )
    assert refused.status_code == 403
    assert row_counts(db)["Course"] == 0


def test_anonymous_visitors_are_sent_to_sign_in(client: TestClient) -> None:
    response = client.get(PAGE)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/admin/content"


def test_empty_states(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    text = page_text(client)
    assert "No courses loaded yet — upload a pack below, or sync the courses folder." in text
    assert "No packs checked yet" in text
    assert 'enctype="multipart/form-data"' in text and '<label for="pack-file">' in text


def test_upload_through_the_page_then_download_the_same_bytes(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)
    data = pack_zip(minimal_pack(), top="demo-course")
    response = upload_form(client, data, "demo.zip")
    assert response.status_code == 303 and response.headers["location"] == PAGE
    text = page_text(client)
    assert "Loaded demo-course 1.0.0." in text
    version = db.scalar(select(CourseVersion))
    assert version is not None and version.source == "upload:demo.zip"
    assert version.content_hash[:12] in text and "upload:demo.zip" in text
    link = re.search(r'href="(/admin/content/versions/\d+\.zip)"', text)
    assert link is not None
    download = client.get(link.group(1))
    assert download.status_code == 200 and download.content == data
    assert download.headers["content-disposition"] == (
        'attachment; filename="demo-course-1.0.0.zip"'
    )

    again = upload_form(client, data, "demo.zip")
    assert again.status_code == 303
    assert "demo-course 1.0.0 is already loaded with exactly this content" in page_text(client)
    assert row_counts(db)["CourseVersion"] == 1


def test_invalid_upload_shows_every_error_with_422(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    response = upload_form(client, broken_zip(), "broken.zip")
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "broken.zip was not loaded" in text
    for line in BROKEN_LINES:
        assert f"<code>{line}</code>" in text
    counts = row_counts(db)
    assert counts["Course"] == 0 and counts["CourseVersion"] == 0


def test_hostile_upload_is_refused_on_the_page(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    response = upload_form(client, zip_bytes({"/etc/cron.d/x": "boom"}), "evil.zip")
    assert response.status_code == 422
    assert "'/etc/cron.d/x' is an absolute path" in html.unescape(response.text)
    assert row_counts(db)["PackReport"] == 0


def test_upload_without_a_file_or_csrf_token(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    token = csrf_from(client, PAGE)
    empty = client.post(PAGE + "/upload", data={"csrf_token": token}, files={"file": ("", b"", "")})
    assert empty.status_code == 422 and "Choose the pack" in empty.text
    forged = client.post(
        PAGE + "/upload", files={"file": ("p.zip", pack_zip(minimal_pack()), "application/zip")}
    )
    assert forged.status_code == 403
    assert row_counts(db)["Course"] == 0


def test_sync_loads_the_good_pack_and_shows_the_broken_ones_errors(
    client: TestClient,
    db: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    courses = tmp_path / "courses"
    minimal_pack().write(courses, "demo-course")
    broken = (
        minimal_pack()
        .edit("course.yaml", "id: demo-course", "id: other-course")
        .edit("course.yaml", "credit_hours: 1.5", "credit_hours: -1")
        .edit("modules/02-listening.md", "title: Listening\n", "")
        .write(courses, "other-course")
    )
    monkeypatch.setattr(get_settings(), "courses_dir", courses)
    log_in_as(client, db, Role.ADMIN)
    with caplog.at_level(logging.ERROR, logger="app.content.sync"):
        response = client.post(PAGE + "/sync", data={"csrf_token": csrf_from(client, PAGE)})
    assert response.status_code == 303
    assert f"content pack {broken.as_posix()} was not loaded" in caplog.text

    text = page_text(client)
    assert "Courses folder synced: 1 loaded, 0 unchanged, 1 failed." in text
    assert "Packs that did not load (1)" in text
    for line in BROKEN_LINES:
        assert f"<code>{broken.as_posix()}/{line}</code>" in text
    assert "demo-course: 1 stored version" in text and "other-course:" not in text
    assert row_counts(db)["Course"] == 1

    # Fixing the pack and syncing again clears the alarm.
    minimal_pack().edit("course.yaml", "id: demo-course", "id: other-course").write(
        courses, "other-course"
    )
    client.post(PAGE + "/sync", data={"csrf_token": csrf_from(client, PAGE)})
    text = page_text(client)
    assert "1 loaded, 1 unchanged, 0 failed" in text
    assert "Packs that did not load" not in text
