"""The main navigation by role (app/web.py ``navigation``) and the pages it leads to."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import organisations
from app.accounts.models import Role
from app.accounts.sessions import ANONYMOUS, Visitor
from app.web import navigation
from tests.factories import log_in, make_organisation, make_user

EVERYONE = ["Home", "Courses", "Schedule"]
SIGNED_IN = [*EVERYONE, "My learning", "My bookings", "My orders", "Certificates"]


def _labels(visitor: Visitor) -> list[str]:
    return [item.label for item in navigation(visitor)]


def _visitor(*roles: Role, organisations: tuple[tuple[int, str], ...] = ()) -> Visitor:
    return Visitor(user_id=1, display_name="X", roles=frozenset(roles), organisations=organisations)


def test_each_role_gets_one_entry_per_area() -> None:
    assert _labels(ANONYMOUS) == EVERYONE
    assert _labels(_visitor(Role.LEARNER)) == [*SIGNED_IN, "Account"]
    assert _labels(_visitor(Role.FACILITATOR)) == [*SIGNED_IN, "My sessions", "Account"]
    assert _labels(_visitor(Role.COORDINATOR)) == [*SIGNED_IN, "Coordinate", "Account"]
    # Admins hold every staff power, but their menu stays one entry per area: the admin
    # pages (content, users, organisations) share a sub-navigation instead.
    admin = navigation(_visitor(Role.ADMIN))
    assert [item.label for item in admin] == [
        *SIGNED_IN,
        "My sessions",
        "Coordinate",
        "Admin",
        "Account",
    ]
    assert not {"/admin/users", "/admin/organisations"} & {item.href for item in admin}


def test_an_organisation_coordinator_finds_their_organisation() -> None:
    one = navigation(_visitor(Role.LEARNER, organisations=((7, "Northwind"),)))
    assert ("My organisation", "/orgs/7") in [(item.label, item.href) for item in one]
    two = navigation(_visitor(Role.LEARNER, organisations=((7, "Northwind"), (9, "Contoso"))))
    assert ("My organisations", "/admin/organisations") in [(i.label, i.href) for i in two]
    # An admin reaches every organisation under Admin already.
    admin = _labels(_visitor(Role.ADMIN, organisations=((7, "Northwind"),)))
    assert "My organisation" not in admin


def test_the_organisation_link_is_on_every_page_even_error_pages(
    client: TestClient, db: Session
) -> None:
    org = make_organisation(db, name="Northwind Engineering")
    person = make_user(db)
    organisations.add_member(db, org, email=person.email, coordinator=True)
    member = make_user(db)
    organisations.add_member(db, org, email=member.email)
    log_in(client, person.email)
    link = f'href="/orgs/{org.id}"'
    assert link in client.get("/courses").text
    missing = client.get("/no/such/page")  # rendered after the request's session closed
    assert missing.status_code == 404 and link in missing.text
    # A plain member is not a coordinator: no link.
    client.post("/logout", data={"csrf_token": _csrf(client)})
    log_in(client, member.email)
    assert link not in client.get("/courses").text


def test_the_account_page_names_the_organisation_coordinator_role(
    client: TestClient, db: Session
) -> None:
    org = make_organisation(db, name="Northwind Engineering")
    person = make_user(db)
    organisations.add_member(db, org, email=person.email, coordinator=True)
    log_in(client, person.email)
    page = client.get("/account").text
    match = re.search(r"roles: .*?</p>", page, re.S)
    assert match, page
    line = " ".join(re.sub(r"<[^>]+>", "", match.group(0)).split())
    assert line == "roles: learner, organisation coordinator of Northwind Engineering"


def test_admin_and_organisation_pages_carry_their_sub_navigation(
    client: TestClient, db: Session
) -> None:
    admin = make_user(db, roles={Role.ADMIN})
    org = make_organisation(db)
    log_in(client, admin.email)
    for path in ("/admin/content", "/admin/users", "/admin/organisations"):
        page = client.get(path).text
        assert 'aria-label="Admin"' in page, path
        for href in ("/admin/content", "/admin/users", "/admin/organisations"):
            assert f'href="{href}"' in page, (path, href)
    for path in (f"/orgs/{org.id}", f"/orgs/{org.id}/seat-packs"):
        page = client.get(path).text
        assert f'href="/orgs/{org.id}/seat-packs"' in page and f'href="/orgs/{org.id}"' in page


def _csrf(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/account").text)
    assert match
    return match.group(1)
