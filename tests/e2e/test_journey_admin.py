"""An admin's round in a browser, as a person walks it on the real server.

Sign in → Admin → Content: upload a pack built from a folder of courses/ (then the same
pack with its version bumped), a pack with mistakes (every problem listed as
``file:line: message``) and a file that is no zip at all → Users: a search with odd
characters, then find a person and give them a role → an id that does not exist, refused
with a styled 404 that keeps the admin's navigation.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.config import PROJECT_ROOT
from app.content.models import Course, CourseVersion
from tests.e2e.journey_fixtures import (
    Journey,
    contexts,  # noqa: F401  (fixture used by name)
    expect_refusal,
    flash,
    make_person,
    new_tag,
    open_staff_page,
    sign_in,
)
from tests.e2e.learning_fixtures import learning_db  # noqa: F401  (fixture used by name)

pytestmark = [pytest.mark.e2e]

BASE_COURSE = "trust-and-confidence"
BROKEN_MODULE = "modules/02-keeping-promises.md"
# Quotes, markup, SQL and LIKE-ish punctuation, and letters beyond ASCII.
ODD_SEARCH = "<b>O'Brien\"; DROP TABLE users; --</b> ü&amp;"
MISSING_ID = 987_654_321


@dataclass(frozen=True)
class Seeded:
    """What the admin journey starts from."""

    email: str
    target_id: int
    target_name: str
    tag: str


def _seed(db: Session, tag: str) -> Seeded:
    """An admin, and a learner to find (the tag is in their e-mail address)."""
    admin = make_person(db, name="Ada Administrator", role=Role.ADMIN, tag=tag)
    target = make_person(db, name="Chidi Okonkwo", role=Role.LEARNER, tag=tag)
    db.commit()
    return Seeded(admin.email, target.id, target.display_name, tag)


def build_pack_zip(workdir: Path, slug: str, version: str, *, broken: bool = False) -> Path:
    """A pack .zip made from courses/<BASE_COURSE> as a new course ``slug`` at ``version``.

    A course of its own, so the real courses (and the other tests using them) are left
    alone. ``broken`` plants two mistakes a pack author makes, in two files: the credit
    hours and a module's length written in words.
    """
    folder = workdir / f"{slug}-{version}{'-broken' if broken else ''}" / slug
    shutil.copytree(PROJECT_ROOT / "courses" / BASE_COURSE, folder)
    spec = folder / "course.yaml"
    text = spec.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^id: .*$", f"id: {slug}", text, count=1)
    text = re.sub(r"(?m)^version: .*$", f'version: "{version}"', text, count=1)
    text = re.sub(r"(?m)^title: .*$", f"title: Journey pack {slug[-8:]}", text, count=1)
    if broken:
        # The first credit hours in the file (online study's, in the shipped packs).
        text = re.sub(r"(?m)^(\s*)credit_hours: .*$", r"\1credit_hours: plenty", text, count=1)
        module = folder / BROKEN_MODULE
        body = module.read_text(encoding="utf-8")
        body = re.sub(r"(?m)^minutes: .*$", "minutes: about an hour", body, count=1)
        module.write_text(body, encoding="utf-8")
    spec.write_text(text, encoding="utf-8")
    archive = folder.parent.parent / f"{folder.parent.name}.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out.write(path, path.relative_to(folder.parent).as_posix())
    return archive


def _upload(page: Page, archive: Path) -> None:
    page.get_by_label(re.compile("^Pack archive")).set_input_files(archive)
    page.get_by_role("button", name="Upload and load").click()


def _problems(page: Page) -> list[str]:
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    return alert.get_by_role("listitem").all_inner_texts()


def test_admin_uploads_packs_and_changes_a_role(
    contexts: Callable[[], BrowserContext],  # noqa: F811
    learning_db: Callable[[], Session],  # noqa: F811
    tmp_path: Path,
) -> None:
    tag = new_tag()
    slug = f"journey-{tag}"
    with learning_db() as db:
        seeded = _seed(db, tag)
    page = contexts().new_page()
    journey = Journey(page, "admin")

    sign_in(page, seeded.email, journey)
    journey.step("home")

    # Content: a good pack, then the same pack one version on.
    open_staff_page(page, "Admin", "Content")
    expect(page.get_by_role("heading", level=1)).to_have_text("Content")
    journey.step("content")
    _upload(page, build_pack_zip(tmp_path, slug, "1.0.0"))
    expect(flash(page)).to_contain_text(f"Loaded {slug} 1.0.0.")
    expect(page.get_by_text(f"{slug}: 1 stored version", exact=True)).to_be_visible()
    journey.step("pack-loaded")
    _upload(page, build_pack_zip(tmp_path, slug, "1.0.1"))
    expect(flash(page)).to_contain_text(f"Loaded {slug} 1.0.1.")
    versions = page.get_by_role("table", name=f"{slug}: 2 stored versions")
    expect(versions.get_by_role("row").filter(has_text="1.0.1")).to_contain_text("current")
    journey.step("pack-version-bumped")

    # A pack with mistakes: refused whole, every problem as file:line: message.
    _upload(page, build_pack_zip(tmp_path, slug, "1.0.2", broken=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Content")
    expect(page.get_by_role("heading", name=re.compile("was not loaded$"))).to_be_visible()
    problems = _problems(page)
    located = [line for line in problems if re.match(r"^\S+\.(md|yaml):\d+: \S", line)]
    assert any(line.startswith("course.yaml:") and "credit_hours" in line for line in located)
    assert any(line.startswith(f"{BROKEN_MODULE}:3: minutes") for line in located), problems
    journey.step("pack-refused")

    # A file that is no zip at all: refused with a reason, not an error page.
    not_a_zip = tmp_path / "notes.zip"
    not_a_zip.write_text("These are my notes, not a pack.\n", encoding="utf-8")
    _upload(page, not_a_zip)
    expect(page.get_by_role("heading", level=1)).to_have_text("Content")
    assert _problems(page), "a reason is given"
    journey.step("not-a-zip-refused")
    with learning_db() as db:
        stored = db.scalars(
            select(CourseVersion.version)
            .join(Course, Course.id == CourseVersion.course_id)
            .where(Course.slug == slug)
        ).all()
        current = db.scalars(
            select(CourseVersion.version)
            .join(Course, Course.id == CourseVersion.course_id)
            .where(Course.slug == slug, CourseVersion.is_current.is_(True))
        ).one()
    assert sorted(stored) == ["1.0.0", "1.0.1"] and current == "1.0.1"

    # Users: odd characters in the search are just text that matches nobody.
    open_staff_page(page, "Admin", "Users")
    expect(page.get_by_role("heading", level=1)).to_have_text("Users and roles")
    journey.step("users")
    search = page.get_by_role("search")
    search.get_by_label("Find by name or e-mail").fill(ODD_SEARCH)
    search.get_by_role("button", name="Search").click()
    expect(page.get_by_text(f"No users match “{ODD_SEARCH}”.")).to_be_visible()
    expect(search.get_by_label("Find by name or e-mail")).to_have_value(ODD_SEARCH)
    journey.step("users-odd-search")

    # Find the person by the tag in their address and make them a coordinator.
    search.get_by_label("Find by name or e-mail").fill(seeded.tag)
    search.get_by_role("button", name="Search").click()
    roles = page.get_by_role("group", name=f"Roles of {seeded.target_name}")
    expect(roles.get_by_label("learner")).to_be_checked()
    journey.step("users-found")
    roles.get_by_label("coordinator").check()
    page.get_by_role("button", name=f"Save roles of {seeded.target_name}").click()
    expect(flash(page)).to_contain_text(f"Roles of {seeded.target_name} are updated.")
    journey.step("role-changed")
    page.get_by_role("search").get_by_label("Find by name or e-mail").fill(seeded.tag)
    page.get_by_role("search").get_by_role("button", name="Search").click()
    roles = page.get_by_role("group", name=f"Roles of {seeded.target_name}")
    expect(roles.get_by_label("coordinator")).to_be_checked()
    with learning_db() as db:
        person = db.get(User, seeded.target_id)
        assert person is not None and person.roles == {Role.LEARNER, Role.COORDINATOR}

    # An id that does not exist: a styled 404 that keeps the admin's way around.
    response = page.goto(f"/orgs/{MISSING_ID}")
    # Any "Back to ..." will do: which page suits an admin best is the error page's call.
    expect_refusal(page, response, nav_link="Admin", next_link=re.compile("^Back to "))
    journey.step("missing-organisation")
    response = page.goto(f"/admin/content/versions/{MISSING_ID}.zip")
    expect_refusal(page, response, nav_link="Admin", next_link="Back to the users list")
    journey.step("missing-pack-version")


def test_admin_search_takes_percent_and_underscore_literally(
    contexts: Callable[[], BrowserContext],  # noqa: F811
    learning_db: Callable[[], Session],  # noqa: F811
) -> None:
    tag = new_tag()
    with learning_db() as db:
        seeded = _seed(db, tag)
    page = contexts().new_page()
    sign_in(page, seeded.email)
    open_staff_page(page, "Admin", "Users")
    for odd in ("%", "_"):
        search = page.get_by_role("search")
        search.get_by_label("Find by name or e-mail").fill(odd)
        search.get_by_role("button", name="Search").click()
        # Nobody's name or address holds these characters, so nobody matches.
        expect(page.get_by_text(f"No users match “{odd}”.")).to_be_visible(timeout=2_000)
