"""Accounts' JSON API (``/api/v1``, bearer tokens): who the token belongs to."""

from __future__ import annotations

from fastapi import APIRouter

from app.accounts.permissions import ApiUser
from app.accounts.schemas import MeOut

api = APIRouter(prefix="/api/v1")


@api.get("/me", response_model=MeOut)
def me(user: ApiUser) -> MeOut:
    """The account that owns the API token."""
    return MeOut(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        roles=sorted(role.value for role in user.roles),
    )


ROUTERS = (api,)
