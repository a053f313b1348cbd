"""Admin pages (users and roles, organisations) and organisation pages for coordinators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts import organisations, service
from app.accounts.models import Role
from app.accounts.permissions import Admin, Coordinator, SignedIn, require_role
from app.accounts.sessions import Ctx
from app.errors import AppError
from app.pages import change_or_flash, change_then_redirect, page_router
from app.web import redirect, render

router = page_router()

FormStr = Annotated[str, Form()]
# These pages have always shown every refusal as a message (an unknown member included).
ANY_REFUSAL = (AppError,)


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request, ctx: Ctx, _: Admin, q: str = "") -> Response:
    """List users with their roles; filter by name or e-mail."""
    found = service.list_users(ctx.db, search=q)
    return render(
        request, "accounts/admin/users.html", {"users": found, "q": q, "roles": list(Role)}
    )


@router.post("/admin/users/{user_id:id}/roles")
def set_roles(
    ctx: Ctx, acting: Admin, user_id: int, roles: Annotated[list[str] | None, Form()] = None
) -> Response:
    """Replace one person's roles."""
    target = service.get_user(ctx.db, user_id)

    def change() -> str:
        service.set_roles(ctx.db, target, service.parse_roles(roles or []), acting=acting)
        return f"Roles of {target.display_name} are updated."

    return change_then_redirect(ctx, change, back="/admin/users", refusals=ANY_REFUSAL)


@router.get("/admin/organisations", response_class=HTMLResponse)
def organisation_list(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    """Client organisations (admins see all; organisation coordinators see theirs)."""
    managed = organisations.organisations_managed_by(ctx.db, user)
    if not managed and Role.ADMIN not in user.roles:
        require_role(ctx, Role.ADMIN)
    return render(request, "accounts/organisations/list.html", {"organisations": managed})


@router.post("/admin/organisations")
def create_organisation(ctx: Ctx, _: Admin, name: FormStr = "") -> Response:
    """Create a client organisation."""
    created = change_or_flash(
        ctx, lambda: organisations.create_organisation(ctx.db, name=name), refusals=ANY_REFUSAL
    )
    if created is None:
        return redirect("/admin/organisations")
    ctx.flash(f"{created.name} is created. Add its members next.", "success")
    return redirect(f"/orgs/{created.id}")


@router.get("/orgs/{organisation_id:id}", response_class=HTMLResponse)
def organisation_page(request: Request, ctx: Ctx, user: SignedIn, organisation_id: int) -> Response:
    """One organisation's members, for admins and that organisation's coordinators."""
    organisation = organisations.get_managed_organisation(ctx.db, organisation_id, user)
    return render(request, "accounts/organisations/detail.html", {"organisation": organisation})


@router.post("/orgs/{organisation_id:id}/members")
def add_member(
    ctx: Ctx,
    user: SignedIn,
    organisation_id: int,
    email: FormStr = "",
    coordinator: Annotated[bool, Form()] = False,
) -> Response:
    """Add an existing account to the organisation."""
    organisation = organisations.get_managed_organisation(ctx.db, organisation_id, user)

    def change() -> str:
        member = organisations.add_member(
            ctx.db, organisation, email=email, coordinator=coordinator
        )
        return f"{member.user.display_name} is now a member."

    return _member_change(ctx, organisation_id, change)


@router.post("/orgs/{organisation_id:id}/members/{user_id:id}/coordinator")
def set_coordinator(
    ctx: Ctx,
    user: SignedIn,
    organisation_id: int,
    user_id: int,
    coordinator: Annotated[bool, Form()] = False,
) -> Response:
    """Grant or remove the organisation-coordinator role."""
    organisation = organisations.get_managed_organisation(ctx.db, organisation_id, user)

    def change() -> str:
        organisations.set_member_coordinator(
            ctx.db, organisation, user_id, coordinator=coordinator, acting=user
        )
        return "The coordinator role is updated."

    return _member_change(ctx, organisation_id, change)


@router.post("/orgs/{organisation_id:id}/members/{user_id:id}/remove")
def remove_member(ctx: Ctx, user: SignedIn, organisation_id: int, user_id: int) -> Response:
    """Remove a member from the organisation."""
    organisation = organisations.get_managed_organisation(ctx.db, organisation_id, user)

    def change() -> str:
        organisations.remove_member(ctx.db, organisation, user_id, acting=user)
        return "The member is removed."

    return _member_change(ctx, organisation_id, change)


@router.post("/orgs/{organisation_id:id}/billing")
def set_billing(
    ctx: Ctx,
    user: Coordinator,
    organisation_id: int,
    pays_by_invoice: Annotated[bool, Form()] = False,
) -> Response:
    """Say whether members' seats that no seat pack covers are invoiced to the organisation."""
    organisation = organisations.get_managed_organisation(ctx.db, organisation_id, user)

    def change() -> str:
        organisations.set_pays_by_invoice(ctx.db, organisation, pays_by_invoice)
        if pays_by_invoice:
            return (
                f"Members' seats are now invoiced to {organisation.name} when no pack covers them."
            )
        return f"Members of {organisation.name} now pay for seats no pack covers themselves."

    return _member_change(ctx, organisation_id, change)


@router.post("/orgs/{organisation_id:id}/address")
def set_address(
    ctx: Ctx, user: Coordinator, organisation_id: int, address: FormStr = ""
) -> Response:
    """The address printed on the organisation's invoices and credit notes."""
    organisation = organisations.get_managed_organisation(ctx.db, organisation_id, user)

    def change() -> str:
        organisations.set_address(ctx.db, organisation, address)
        return f"The invoice address of {organisation.name} is saved."

    return _member_change(ctx, organisation_id, change)


def _member_change(ctx: Ctx, organisation_id: int, change: Callable[[], str]) -> Response:
    """Run a change to the members; flash its message or refusal; back to the organisation."""
    return change_then_redirect(ctx, change, back=f"/orgs/{organisation_id}", refusals=ANY_REFUSAL)


ROUTERS = (router,)
