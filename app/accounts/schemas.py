"""API shapes for accounts."""

from __future__ import annotations

from pydantic import BaseModel


class MeOut(BaseModel):
    """The signed-in account, as the API shows it."""

    id: int
    email: str
    display_name: str
    roles: list[str]
