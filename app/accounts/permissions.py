"""Permission checks used by routes: who is signed in, and with which role."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.accounts.models import Role, User
from app.accounts.service import user_for_api_token
from app.accounts.sessions import Ctx, RequestContext
from app.db import DbSession
from app.errors import Forbidden, LoginRequired


def require_user(ctx: RequestContext) -> User:
    """The signed-in person, or a redirect to sign in."""
    if ctx.user is None:
        raise LoginRequired("Sign in to see this page.")
    return ctx.user


def require_role(ctx: RequestContext, role: Role) -> User:
    """The signed-in person holding ``role`` (admins hold every role)."""
    user = require_user(ctx)
    if not user.has_role(role):
        raise Forbidden(f"This page is for people with the {role.value} role.")
    return user


def _signed_in(ctx: Ctx) -> User:
    return require_user(ctx)


def _coordinator(ctx: Ctx) -> User:
    return require_role(ctx, Role.COORDINATOR)


def _facilitator(ctx: Ctx) -> User:
    return require_role(ctx, Role.FACILITATOR)


def _admin(ctx: Ctx) -> User:
    return require_role(ctx, Role.ADMIN)


# Page dependencies: a handler names who may call it in its signature
# (``user: Coordinator``) instead of checking inside its body, so the rule is visible in
# the route table and cannot be forgotten half-way down a handler. Anonymous visitors
# are sent to sign in; people without the role get a 403 page that says which role.
SignedIn = Annotated[User, Depends(_signed_in)]
Coordinator = Annotated[User, Depends(_coordinator)]
Facilitator = Annotated[User, Depends(_facilitator)]
Admin = Annotated[User, Depends(_admin)]


def api_user(request: Request, db: DbSession) -> User:
    """API dependency: the owner of the ``Authorization: Bearer`` personal token."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise LoginRequired(
            "Send a personal API token as 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    user = user_for_api_token(db, secret.strip())
    if user is None:
        raise LoginRequired(
            "That API token is not valid (unknown or revoked).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


ApiUser = Annotated[User, Depends(api_user)]
