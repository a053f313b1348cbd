"""Admin pages (users and roles, organisations) and organisation pages for coordinators."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.accounts import organisations, service
from app.accounts.models import Role
from app.accounts.permissions import Admin, SignedIn, require_role
from app.accounts.sessions import Ctx
from app.errors import AppError
from app.pages import page_router
from app.web import redirect, render

router = page_router()

FormStr = Annotated[str, Form()]


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request, ctx: Ctx, _: Admin, q: str = "") -> Response:
    """List users with their roles; filter by name or e-mail."""
    found = service.list_users(ctx.db, search=q)
    return render(request, "admin/users.html", {"users": found, "q": q, "roles": list(Role)})


@router.post("/admin/users/{user_id:id}/roles")
def set_roles(
    ctx: Ctx, acting: Admin, user_id: int, roles: Annotated[list[str] | None, Form()] = None
) -> RedirectResponse:
    """Replace one person's roles."""
    target = service.get_user(ctx.db, user_id)
    try:
        service.set_roles(ctx.db, target, service.parse_roles(roles or []), acting=acting)
    except AppError as exc:
        ctx.flash(exc.message, "error")
    else:
        ctx.flash(f"Roles of {target.display_name} are updated.", "success")
    return redirect("/admin/users")


@router.get("/admin/organisations", response_class=HTMLResponse)
def organisation_list(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    """Client organisations (admins see all; organisation coordinators see theirs)."""
    managed = organisations.organisations_managed_by(ctx.db, user)
    if not managed and Role.ADMIN not in user.roles:
        require_role(ctx, Role.ADMIN)
    return render(request, "orgs/list.html", {"organisations": managed})


@router.post("/admin/organisations")
def create_organisation(ctx: Ctx, _: Admin, name: FormStr = "") -> RedirectResponse:
    """Create a client organisation."""
    try:
        created = organisations.create_organisation(ctx.db, name=name)
    except AppError as exc:
        ctx.flash(exc.message, "error")
        return redirect("/admin/organisations")
    ctx.flash(f"{created.name} is created. Add its members next.", "success")
    return redirect(f"/orgs/{created.id}")


@router.get("/orgs/{organisation_id:id}", response_class=HTMLResponse)
def organisation_page(request: Request, ctx: Ctx, user: SignedIn, organisation_id: int) -> Response:
    """One organisation's members, for admins and that organisation's coordinators."""
    organisation = organisations.get_managed_organisation(ctx.db, organisation_id, user)
    return render(request, "orgs/detail.html", {"organisation": organisation})


@router.post("/orgs/{organisation_id:id}/members")
def add_member(
    ctx: Ctx,
    user: SignedIn,
    organisation_id: int,
    email: FormStr = "",
    coordinator: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    """Add an existing account to the organisation."""
    organisation = organisations.get_managed_organisation(ctx.db, organisation_id, user)
    try:
        member = organisations.add_member(
            ctx.db, organisation, email=email, coordinator=coordinator
        )
    except AppError as exc:
        ctx.flash(exc.message, "error")
    else:
        ctx.flash(f"{member.user.display_name} is now a member.", "success")
    return redirect(f"/orgs/{organisation_id}")


@router.post("/orgs/{organisation_id:id}/members/{user_id:id}/coordinator")
def set_coordinator(
    ctx: Ctx,
    user: SignedIn,
    organisation_id: int,
    user_id: int,
    coordinator: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    """Grant or remove the organisation-coordinator role."""
    organisation = organisations.get_managed_organisation(ctx.db, organisation_id, user)
    try:
        organisations.set_member_coordinator(
            ctx.db, organisation, user_id, coordinator=coordinator, acting=user
        )
    except AppError as exc:
        ctx.flash(exc.message, "error")
    else:
        ctx.flash("The coordinator role is updated.", "success")
    return redirect(f"/orgs/{organisation_id}")


@router.post("/orgs/{organisation_id:id}/members/{user_id:id}/remove")
def remove_member(ctx: Ctx, user: SignedIn, organisation_id: int, user_id: int) -> RedirectResponse:
    """Remove a member from the organisation."""
    organisation = organisations.get_managed_organisation(ctx.db, organisation_id, user)
    try:
        organisations.remove_member(ctx.db, organisation, user_id, acting=user)
    except AppError as exc:
        ctx.flash(exc.message, "error")
    else:
        ctx.flash("The member is removed.", "success")
    return redirect(f"/orgs/{organisation_id}")


ROUTERS = (router,)
