"""POST /api/v1/packs and GET /api/v1/packs/{id}/{version}.zip: tokens, roles, limits, bytes."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.config import PROJECT_ROOT
from app.content.models import Course, CourseVersion, PackReport
from app.content.packs_service import max_upload_bytes
from app.content.sync import sync_folder
from tests.content.admin.helpers import pack_zip, row_counts, user_with_token, zip_bytes
from tests.content.admin.test_upload_service import BROKEN_LINES, broken_zip
from tests.content.packbuilder import minimal_pack

ZIP = {"Content-Type": "application/zip"}


@pytest.fixture
def admin(db: Session) -> dict[str, str]:
    """Authorization header of an admin's API token."""
    return user_with_token(db, Role.ADMIN)[1]


def upload(client: TestClient, headers: dict[str, str], data: bytes, **params: str) -> Response:
    """POST a raw .zip body to the packs API."""
    return client.post("/api/v1/packs", content=data, headers={**headers, **ZIP}, params=params)


def test_upload_needs_a_token(client: TestClient, db: Session) -> None:
    response = upload(client, {}, pack_zip(minimal_pack()))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert row_counts(db)["Course"] == 0


@pytest.mark.parametrize("role", [Role.LEARNER, Role.FACILITATOR, Role.COORDINATOR])
def test_upload_is_for_admins_only(client: TestClient, db: Session, role: Role) -> None:
    _, headers = user_with_token(db, role)
    response = upload(client, headers, pack_zip(minimal_pack()))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "Uploading content packs is for admins."
    assert row_counts(db)["Course"] == 0


def test_raw_upload_then_download_is_byte_for_byte(
    client: TestClient, db: Session, admin: dict[str, str]
) -> None:
    data = pack_zip(minimal_pack(), top="demo-course")
    response = upload(client, admin, data, filename="demo.zip")
    assert response.status_code == 201, response.text
    stored = db.scalar(select(CourseVersion))
    assert stored is not None
    assert response.json() == {
        "course": "demo-course",
        "version": "1.0.0",
        "content_hash": stored.content_hash,
        "created": True,
    }
    assert response.headers["location"] == "/api/v1/packs/demo-course/1.0.0.zip"
    assert stored.source == "upload:demo.zip"
    download = client.get(response.headers["location"], headers=admin)
    assert download.status_code == 200
    assert download.content == data
    assert download.headers["content-type"] == "application/zip"
    assert download.headers["content-disposition"] == 'attachment; filename="demo-course-1.0.0.zip"'


def test_multipart_upload_and_unchanged_reupload(
    client: TestClient, db: Session, admin: dict[str, str]
) -> None:
    data = pack_zip(minimal_pack())
    files = {"file": ("my-pack.zip", data, "application/zip")}
    first = client.post("/api/v1/packs", files=files, headers=admin)
    assert first.status_code == 201, first.text
    assert db.scalar(select(CourseVersion.source)) == "upload:my-pack.zip"
    again = client.post("/api/v1/packs", files=files, headers=admin)
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["content_hash"] == first.json()["content_hash"]
    assert row_counts(db)["CourseVersion"] == 1


def test_invalid_pack_gets_422_with_every_error_and_stores_only_the_report(
    client: TestClient, db: Session, admin: dict[str, str]
) -> None:
    response = upload(client, admin, broken_zip(), filename="broken.zip")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == "Invalid content pack" and body["status"] == 422
    assert body["errors"] == BROKEN_LINES
    counts = row_counts(db)
    assert counts["Course"] == 0 and counts["CourseVersion"] == 0
    # The report survived the request (it was committed, not rolled back with an error).
    report = db.scalar(select(PackReport).where(PackReport.source == "upload:broken.zip"))
    assert report is not None and report.problems == BROKEN_LINES


def test_refused_archive_gets_422_and_writes_nothing(
    client: TestClient, db: Session, admin: dict[str, str]
) -> None:
    before = row_counts(db)
    response = upload(client, admin, zip_bytes({"../evil.md": "x"}))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        "'../evil.md' contains '..' and would point outside the pack"
    ]
    assert row_counts(db) == before


def test_body_over_the_limit_gets_413(client: TestClient, admin: dict[str, str]) -> None:
    response = upload(client, admin, b"\0" * (max_upload_bytes() + 1))
    assert response.status_code == 413
    assert "larger than 10 MiB" in response.json()["detail"]


def test_chunked_body_over_the_limit_gets_413_without_content_length(
    client: TestClient, admin: dict[str, str]
) -> None:
    chunk = b"\0" * (1024 * 1024)
    chunks = iter([chunk] * 11)
    response = client.post("/api/v1/packs", content=chunks, headers={**admin, **ZIP})
    assert response.status_code == 413


def test_multipart_file_over_the_limit_gets_413(client: TestClient, admin: dict[str, str]) -> None:
    files = {"file": ("big.zip", b"\0" * (max_upload_bytes() + 1), "application/zip")}
    response = client.post("/api/v1/packs", files=files, headers=admin)
    assert response.status_code == 413


def test_other_content_types_get_415(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/packs", content=b"x", headers={**admin, "Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    no_file = client.post("/api/v1/packs", files={"other": ("a.zip", b"")}, headers=admin)
    assert no_file.status_code == 415


def test_download_needs_a_token_and_coordinator_or_admin(
    client: TestClient, db: Session, admin: dict[str, str]
) -> None:
    data = pack_zip(minimal_pack())
    assert upload(client, admin, data).status_code == 201
    url = "/api/v1/packs/demo-course/1.0.0.zip"
    assert client.get(url).status_code == 401
    _, learner = user_with_token(db, Role.LEARNER)
    refused = client.get(url, headers=learner)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    _, coordinator = user_with_token(db, Role.COORDINATOR)
    allowed = client.get(url, headers=coordinator)
    assert allowed.status_code == 200 and allowed.content == data


def test_unknown_course_or_version_is_a_404_problem(
    client: TestClient, admin: dict[str, str]
) -> None:
    assert upload(client, admin, pack_zip(minimal_pack())).status_code == 201
    unknown = client.get("/api/v1/packs/no-such-course/1.0.0.zip", headers=admin)
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "There is no course 'no-such-course'. Check the pack id."
    missing = client.get("/api/v1/packs/demo-course/9.9.9.zip", headers=admin)
    assert missing.status_code == 404
    assert missing.json()["detail"] == "Course 'demo-course' has no version '9.9.9'."


def test_the_newest_of_versions_sharing_a_version_string_is_served(
    client: TestClient, admin: dict[str, str]
) -> None:
    older = pack_zip(minimal_pack())
    newer = pack_zip(minimal_pack().edit("course.yaml", "A short course", "A changed course"))
    assert upload(client, admin, older).status_code == 201
    assert upload(client, admin, newer).status_code == 201
    served = client.get("/api/v1/packs/demo-course/1.0.0.zip", headers=admin)
    assert served.content == newer


def test_round_trip_of_a_real_pack_between_installations(
    client: TestClient, db: Session, admin: dict[str, str]
) -> None:
    """Download a synced course, forget it, upload the zip: the same content comes back."""
    folder = PROJECT_ROOT / "courses" / "relationship-management"
    assert sync_folder(db, folder).loaded == ["relationship-management 1.1.0"]
    original = db.scalar(select(CourseVersion))
    assert original is not None
    hash_before, modules_before = original.content_hash, row_counts(db)["CourseModule"]
    downloaded = client.get("/api/v1/packs/relationship-management/1.1.0.zip", headers=admin)
    assert downloaded.status_code == 200 and downloaded.content == original.archive
    with zipfile.ZipFile(io.BytesIO(downloaded.content)) as archive:
        assert "course.yaml" in archive.namelist()

    # A fresh installation: no trace of the course.
    db.execute(delete(Course))
    db.expire_all()
    assert row_counts(db)["CourseVersion"] == 0

    response = upload(client, admin, downloaded.content, filename="rm.zip")
    assert response.status_code == 201, response.text
    assert response.json()["content_hash"] == hash_before
    assert row_counts(db)["CourseModule"] == modules_before
    again = client.get("/api/v1/packs/relationship-management/1.1.0.zip", headers=admin)
    assert again.content == downloaded.content
