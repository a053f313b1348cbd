"""Demo data for ``make run``: one account per role and a client organisation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.accounts import organisations, service
from app.accounts.models import Role


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    name: str
    password: str
    roles: frozenset[Role]


# Fixed, well-known passwords: demo data is for a developer's laptop only, and the
# start-up banner prints them so anyone can try each role.
DEMO_ACCOUNTS = (
    DemoAccount(
        "learner",
        "learner@apex.example.com",
        "Lena Learner",
        "learn-apex-2026",
        frozenset({Role.LEARNER}),
    ),
    DemoAccount(
        "facilitator",
        "facilitator@apex.example.com",
        "Femi Facilitator",
        "facilitate-apex-2026",
        frozenset({Role.FACILITATOR}),
    ),
    DemoAccount(
        "coordinator",
        "coordinator@apex.example.com",
        "Cora Coordinator",
        "coordinate-apex-2026",
        frozenset({Role.COORDINATOR}),
    ),
    DemoAccount(
        "admin",
        "admin@apex.example.com",
        "Ada Admin",
        "administer-apex-2026",
        frozenset({Role.ADMIN}),
    ),
    DemoAccount(
        "organisation coordinator (Northwind Engineering)",
        "orgcoord@northwind.example.com",
        "Omar Orgcoord",
        "northwind-apex-2026",
        frozenset({Role.LEARNER}),
    ),
)
DEMO_ORGANISATION = "Northwind Engineering"


def load_demo_data(db: Session) -> bool:
    """Create the demo accounts and organisation unless they exist; True when created."""
    if service.find_user_by_email(db, DEMO_ACCOUNTS[0].email) is not None:
        return False
    for account in DEMO_ACCOUNTS:
        service.create_user(
            db,
            email=account.email,
            display_name=account.name,
            password=account.password,
            roles=set(account.roles),
        )
    org = organisations.create_organisation(db, name=DEMO_ORGANISATION)
    organisations.add_member(db, org, email="orgcoord@northwind.example.com", coordinator=True)
    organisations.add_member(db, org, email="learner@apex.example.com")
    return True
