"""Retiring a course version from the Content page: a confirmation page first; then no
new sessions teach it (the previous version becomes current), existing ones keep it."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.content.loader import load_pack
from app.content.models import CourseVersion
from app.content.sync import install_pack, reproducible_zip
from app.errors import Invalid
from app.scheduling import sessions as session_service
from app.scheduling.courses import course_choices, resolve_courses
from tests.content.admin.helpers import log_in_as
from tests.factories import post_form
from tests.scheduling.factories import current_version_id, make_session, publish_new_version

PAGE = "/admin/content"


def _version(db: Session, version_id: int) -> CourseVersion:
    db.expire_all()
    found = db.get(CourseVersion, version_id)
    assert found is not None
    return found


def test_retiring_the_current_version_asks_first_then_makes_the_previous_one_current(
    client: TestClient, db: Session, tmp_path: Path
) -> None:
    first = current_version_id(db, "relationship-management")
    revised = publish_new_version(db, tmp_path)
    taught = make_session(db)  # pinned on the revised version, current now
    assert taught.course_version_id == revised.id
    db.commit()
    log_in_as(client, db, Role.ADMIN)
    retire = f"{PAGE}/versions/{revised.id}/retire"
    assert retire in client.get(PAGE).text

    page = post_form(client, retire, {}, token_from=PAGE)
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Retire relationship-management 9.0.0?" in text
    assert "becomes current" in text and "Yes, retire this version" in text
    assert _version(db, revised.id).retired_at is None and _version(db, revised.id).is_current

    done = post_form(client, retire, {"confirm": "yes"}, token_from=PAGE)
    assert done.status_code == 303
    gone = _version(db, revised.id)
    assert gone.retired_at is not None and not gone.is_current and gone.retired_by_id
    assert _version(db, first).is_current
    assert "is current now" in html.unescape(client.get(PAGE).text)
    # No new session teaches it: the choices and a new session take the previous version.
    choices = {c.slug: c.version_id for c in course_choices(db)}
    assert choices["relationship-management"] == first
    assert make_session(db).course_version_id == first
    # The session that teaches it keeps it.
    kept = session_service.taught_version(db, session_service.get_session(db, taught.id))
    assert kept is not None and kept.id == revised.id
    # Syncing the same files again does not bring it back.
    pack = load_pack(tmp_path / "relationship-management-9.0.0")
    install_pack(db, pack, archive=reproducible_zip(pack.files), source="again")
    db.commit()
    assert not _version(db, revised.id).is_current and _version(db, first).is_current

    # The only version left in use cannot be retired: the course would leave the catalogue.
    last = post_form(client, f"{PAGE}/versions/{first}/retire", {}, token_from=PAGE)
    assert last.status_code == 303
    assert "is the only version of relationship-management in use" in html.unescape(
        client.get(PAGE).text
    )
    again = post_form(client, retire, {"confirm": "yes"}, token_from=PAGE)
    assert again.status_code == 303 and "is already retired" in client.get(PAGE).text
    assert _version(db, first).retired_at is None
    # Should every version be retired by hand, scheduling the course says why it cannot.
    _version(db, first).retired_at = gone.retired_at
    db.flush()
    with pytest.raises(Invalid, match="'relationship-management' has no version in use"):
        resolve_courses(db, ["relationship-management"], "one-day")


def test_retiring_is_for_admins_and_bad_ids_are_404(client: TestClient, db: Session) -> None:
    version = current_version_id(db, "relationship-management")
    db.commit()
    log_in_as(client, db, Role.COORDINATOR)
    refused = post_form(
        client, f"{PAGE}/versions/{version}/retire", {"confirm": "yes"}, token_from="/account"
    )
    assert refused.status_code == 403
    client.cookies.clear()
    log_in_as(client, db, Role.ADMIN)
    missing = post_form(client, f"{PAGE}/versions/99999999/retire", {}, token_from=PAGE)
    assert missing.status_code == 404
    huge = post_form(client, f"{PAGE}/versions/99999999999999999999/retire", {}, token_from=PAGE)
    assert huge.status_code == 404
    assert _version(db, version).retired_at is None
