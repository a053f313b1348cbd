"""Client organisations, their members, and the organisation-coordinator role."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import Organisation, OrganisationMember, Role, User
from app.accounts.service import find_user_by_email
from app.bounds import folded_text
from app.errors import Conflict, Forbidden, Invalid, NotFound

# --- membership: the one place that asks who belongs to which organisation -------------


def member_organisation_ids(db: Session, user_id: int) -> set[int]:
    """The organisations the person belongs to (as member or coordinator)."""
    query = select(OrganisationMember.organisation_id).where(OrganisationMember.user_id == user_id)
    return set(db.scalars(query))


def coordinated_organisation_ids(db: Session, user_id: int) -> set[int]:
    """The organisations the person coordinates."""
    query = select(OrganisationMember.organisation_id).where(
        OrganisationMember.user_id == user_id, OrganisationMember.is_coordinator.is_(True)
    )
    return set(db.scalars(query))


def is_member(db: Session, organisation_id: int, user_id: int) -> bool:
    """True when the person belongs to the organisation."""
    return db.get(OrganisationMember, (organisation_id, user_id)) is not None


def members_of(organisation_ids: Iterable[int]) -> Select[int]:
    """SQL: the user ids of the organisations' members (for ``column.in_(...)``)."""
    ids = list(organisation_ids)
    return select(OrganisationMember.user_id).where(OrganisationMember.organisation_id.in_(ids))


def member_users(db: Session, organisation_id: int) -> list[User]:
    """The organisation's members by name."""
    query = (
        select(User)
        .join(OrganisationMember, OrganisationMember.user_id == User.id)
        .where(OrganisationMember.organisation_id == organisation_id)
        .order_by(User.display_name, User.id)
    )
    return list(db.scalars(query))


def first_coordinator_id(db: Session, organisation_id: int) -> int | None:
    """The organisation's coordinator with the lowest user id, if it has one."""
    query = (
        select(OrganisationMember.user_id)
        .where(
            OrganisationMember.organisation_id == organisation_id,
            OrganisationMember.is_coordinator.is_(True),
        )
        .order_by(OrganisationMember.user_id)
        .limit(1)
    )
    return db.scalar(query)


# --- organisations --------------------------------------------------------------------


def slugify(name: str) -> str:
    """A URL-safe slug for an organisation name."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:80] or "organisation"


def create_organisation(db: Session, *, name: str) -> Organisation:
    """Create a client organisation with a unique name."""
    cleaned = folded_text(
        name,
        most=200,
        missing="Enter the organisation's name.",
        too_long="Organisation names are limited to 200 characters.",
    )
    if db.scalar(select(Organisation).where(Organisation.name == cleaned)) is not None:
        raise Conflict(f"An organisation called {cleaned!r} already exists.")
    slug = base = slugify(cleaned)
    counter = 2
    while db.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
        slug = f"{base}-{counter}"
        counter += 1
    organisation = Organisation(name=cleaned, slug=slug)
    db.add(organisation)
    db.flush()
    return organisation


def set_pays_by_invoice(db: Session, organisation: Organisation, value: bool) -> None:
    """Whether members' seats no seat pack covers are invoiced to the organisation."""
    organisation.pays_by_invoice = value
    db.flush()


MAX_ADDRESS = 500


def set_address(db: Session, organisation: Organisation, text: str) -> None:
    """Where invoices and credit notes to the organisation are addressed (lines kept)."""
    lines = [" ".join(line.split()) for line in text.replace("\r", "").split("\n")]
    cleaned = "\n".join(line for line in lines if line)
    if len(cleaned) > MAX_ADDRESS:
        raise Invalid(f"Keep the address under {MAX_ADDRESS} characters.")
    organisation.address = cleaned
    db.flush()


def list_organisations(db: Session) -> list[Organisation]:
    """All organisations by name, with their members loaded."""
    query = (
        select(Organisation)
        .options(selectinload(Organisation.members).selectinload(OrganisationMember.user))
        .order_by(Organisation.name)
    )
    return list(db.scalars(query))


def organisations_managed_by(db: Session, user: User) -> list[Organisation]:
    """Organisations a person may manage: all for the training company's coordinators
    (and admins), who sell seats and packs to them; else the ones they coordinate."""
    if user.has_role(Role.COORDINATOR):
        return list_organisations(db)
    query = (
        select(Organisation)
        .join(OrganisationMember)
        .where(OrganisationMember.user_id == user.id, OrganisationMember.is_coordinator)
        .order_by(Organisation.name)
    )
    return list(db.scalars(query))


def get_managed_organisation(db: Session, organisation_id: int, user: User) -> Organisation:
    """An organisation the person may manage; anyone else gets ``NotFound``."""
    query = (
        select(Organisation)
        .where(Organisation.id == organisation_id)
        .options(selectinload(Organisation.members).selectinload(OrganisationMember.user))
    )
    organisation = db.scalar(query)
    if organisation is None or not can_manage(organisation, user):
        raise NotFound("There is no such organisation.")
    return organisation


def can_manage(organisation: Organisation, user: User) -> bool:
    """Coordinators and admins manage every organisation; an organisation's own
    coordinator manages theirs (the same rule as its seat-pack pages)."""
    if user.has_role(Role.COORDINATOR):
        return True
    return any(m.user_id == user.id and m.is_coordinator for m in organisation.members)


def add_member(
    db: Session, organisation: Organisation, *, email: str, coordinator: bool = False
) -> OrganisationMember:
    """Add an existing account to an organisation."""
    user = find_user_by_email(db, email)
    if user is None:
        raise NotFound(f"No account uses {email.strip()!r}; ask them to sign up first.")
    existing = db.get(OrganisationMember, (organisation.id, user.id))
    if existing is not None:
        raise Conflict(f"{user.display_name} is already a member.")
    member = OrganisationMember(
        organisation_id=organisation.id, user_id=user.id, user=user, is_coordinator=coordinator
    )
    db.add(member)
    db.flush()
    return member


def set_member_coordinator(
    db: Session, organisation: Organisation, user_id: int, *, coordinator: bool, acting: User
) -> None:
    """Grant or remove the organisation-coordinator role for one member."""
    member = _member(organisation, user_id)
    if not coordinator and user_id == acting.id and Role.ADMIN not in acting.roles:
        raise Forbidden("You cannot remove your own coordinator role.")
    member.is_coordinator = coordinator
    db.flush()


def remove_member(db: Session, organisation: Organisation, user_id: int, *, acting: User) -> None:
    """Remove a member from an organisation."""
    member = _member(organisation, user_id)
    if user_id == acting.id and Role.ADMIN not in acting.roles:
        raise Forbidden("You cannot remove yourself; ask another coordinator or an admin.")
    db.delete(member)
    db.flush()


def _member(organisation: Organisation, user_id: int) -> OrganisationMember:
    for member in organisation.members:
        if member.user_id == user_id:
            return member
    raise NotFound("That person is not a member of this organisation.")
