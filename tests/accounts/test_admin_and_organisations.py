"""Admins manage roles; organisation coordinators manage only their own organisation."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import organisations
from app.accounts.models import OrganisationMember, Role
from tests.factories import log_in, make_organisation, make_user, post_form


def test_admin_pages_refuse_non_admins(client: TestClient, db: Session) -> None:
    user = make_user(db, roles={Role.COORDINATOR})
    log_in(client, user.email)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "admin role" in response.text


def test_admin_lists_users_and_changes_roles(client: TestClient, db: Session) -> None:
    admin = make_user(db, roles={Role.ADMIN})
    person = make_user(db, name="Findable Person")
    log_in(client, admin.email)
    page = client.get("/admin/users", params={"q": "findable"})
    assert "Findable Person" in page.text and admin.email not in page.text
    token_page = "/admin/users"
    response = post_form(
        client,
        f"/admin/users/{person.id}/roles",
        {"roles": ["learner", "facilitator"]},
        token_from=token_page,
    )
    assert response.status_code == 303
    db.refresh(person)
    assert person.roles == {Role.LEARNER, Role.FACILITATOR}


def test_admin_cannot_drop_own_admin_role(client: TestClient, db: Session) -> None:
    admin = make_user(db, roles={Role.ADMIN})
    log_in(client, admin.email)
    post_form(
        client, f"/admin/users/{admin.id}/roles", {"roles": ["learner"]}, token_from="/admin/users"
    )
    db.refresh(admin)
    assert Role.ADMIN in admin.roles
    assert "cannot remove your own admin role" in client.get("/admin/users").text


def test_unknown_role_is_refused(client: TestClient, db: Session) -> None:
    admin = make_user(db, roles={Role.ADMIN})
    person = make_user(db)
    log_in(client, admin.email)
    post_form(
        client, f"/admin/users/{person.id}/roles", {"roles": ["wizard"]}, token_from="/admin/users"
    )
    db.refresh(person)
    assert person.roles == {Role.LEARNER}
    assert "Unknown role" in client.get("/admin/users").text


def test_admin_creates_organisation_and_adds_members(client: TestClient, db: Session) -> None:
    admin = make_user(db, roles={Role.ADMIN})
    employee = make_user(db)
    log_in(client, admin.email)
    created = post_form(
        client, "/admin/organisations", {"name": "Acme Systems"}, token_from="/admin/organisations"
    )
    assert created.status_code == 303
    org_path = created.headers["location"]
    post_form(
        client,
        f"{org_path}/members",
        {"email": employee.email, "coordinator": "true"},
        token_from=org_path,
    )
    page = client.get(org_path)
    assert employee.display_name in page.text
    org_id = int(org_path.rsplit("/", 1)[1])
    member = db.get(OrganisationMember, (org_id, employee.id))
    assert member is not None and member.is_coordinator
    duplicate = post_form(
        client, "/admin/organisations", {"name": "Acme Systems"}, token_from="/admin/organisations"
    )
    assert duplicate.status_code == 303
    assert "already exists" in client.get("/admin/organisations").text


def test_organisation_coordinator_is_scoped_to_their_organisation(
    client: TestClient, db: Session
) -> None:
    own = make_organisation(db, name="Own Co")
    other = make_organisation(db, name="Other Co")
    coordinator = make_user(db)
    colleague = make_user(db)
    organisations.add_member(db, own, email=coordinator.email, coordinator=True)
    log_in(client, coordinator.email)
    assert client.get(f"/orgs/{own.id}").status_code == 200
    assert client.get(f"/orgs/{other.id}").status_code == 404  # not 403: no hint it exists
    listing = client.get("/admin/organisations")
    assert "Own Co" in listing.text and "Other Co" not in listing.text
    added = post_form(
        client, f"/orgs/{own.id}/members", {"email": colleague.email}, token_from=f"/orgs/{own.id}"
    )
    assert added.status_code == 303
    assert db.get(OrganisationMember, (own.id, colleague.id)) is not None
    refused = post_form(
        client,
        f"/orgs/{other.id}/members",
        {"email": colleague.email},
        token_from=f"/orgs/{own.id}",
    )
    assert refused.status_code == 404
    assert db.get(OrganisationMember, (other.id, colleague.id)) is None


def test_plain_member_cannot_manage(client: TestClient, db: Session) -> None:
    org = make_organisation(db)
    member = make_user(db)
    organisations.add_member(db, org, email=member.email)
    log_in(client, member.email)
    assert client.get(f"/orgs/{org.id}").status_code == 404
    assert client.get("/admin/organisations").status_code == 403


def test_a_training_coordinator_reaches_every_organisation_from_its_seat_packs(
    client: TestClient, db: Session
) -> None:
    # The seat-pack pages link to the members page; both follow one rule for staff.
    org = make_organisation(db, name="Client Co")
    coordinator = make_user(db, roles={Role.COORDINATOR})
    log_in(client, coordinator.email)
    packs = client.get(f"/orgs/{org.id}/seat-packs")
    assert packs.status_code == 200 and f'href="/orgs/{org.id}"' in packs.text
    assert client.get(f"/orgs/{org.id}").status_code == 200
