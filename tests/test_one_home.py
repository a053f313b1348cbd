"""One home per rule: membership and session visibility queries are written once.

Organisation membership is asked only in ``app/accounts/`` (``accounts.organisations``);
who may see or book a session or series is filtered only in
``app/scheduling/visibility.py``. Copies elsewhere drifted apart before (issue 13), so
this test reads every module of ``app/`` with ``ast`` and fails on a new copy.
"""

from __future__ import annotations

import ast

from app.config import PROJECT_ROOT

APP = PROJECT_ROOT / "app"
MEMBERSHIP_HOME = "app/accounts/"
VISIBILITY_HOME = "app/scheduling/visibility.py"
# The column that makes a session or series in-house; filtering on it is visibility.
VISIBILITY_COLUMNS = {("CourseSession", "organisation_id"), ("Series", "organisation_id")}


def violations(path: str, source: str) -> list[str]:
    """Where ``source`` (the module at ``path``, relative to the project) breaks the rule."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not path.startswith(MEMBERSHIP_HOME):
            if isinstance(node, ast.Name) and node.id == "OrganisationMember":
                found.append(
                    f"{path}:{node.lineno}: OrganisationMember (use accounts.organisations)"
                )
            if isinstance(node, ast.ImportFrom) and any(
                alias.name == "OrganisationMember" for alias in node.names
            ):
                found.append(f"{path}:{node.lineno}: imports OrganisationMember")
        if (
            path != VISIBILITY_HOME
            and isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and (node.value.id, node.attr) in VISIBILITY_COLUMNS
        ):
            found.append(
                f"{path}:{node.lineno}: {node.value.id}.{node.attr} "
                "(filter through scheduling.visibility)"
            )
    return found


def _modules() -> list[tuple[str, str]]:
    files = sorted(APP.rglob("*.py"))
    return [(p.relative_to(PROJECT_ROOT).as_posix(), p.read_text(encoding="utf-8")) for p in files]


def test_membership_and_visibility_queries_live_in_their_one_home() -> None:
    found = [line for path, source in _modules() for line in violations(path, source)]
    assert found == []


SAMPLE = """
from sqlalchemy import select
from app.accounts.models import OrganisationMember
from app.scheduling.models import CourseSession, Series


def mine(db, user):
    orgs = select(OrganisationMember.organisation_id).where(OrganisationMember.user_id == user.id)
    return select(CourseSession).where(CourseSession.organisation_id.in_(orgs))


def public_series():
    return select(Series).where(Series.organisation_id.is_(None))


def in_house(session):
    return session.organisation_id is not None  # an instance: not a query, allowed
"""


def test_the_lint_flags_a_copy_written_elsewhere() -> None:
    found = violations("app/enrollment/sample.py", SAMPLE)
    assert any("imports OrganisationMember" in line for line in found)
    assert sum("OrganisationMember (use" in line for line in found) == 2
    assert any("CourseSession.organisation_id" in line for line in found)
    assert any("Series.organisation_id" in line for line in found)
    assert not any(":17:" in line for line in found)


def test_the_homes_themselves_may_write_the_rule() -> None:
    assert (
        violations("app/scheduling/visibility.py", "CourseSession.organisation_id.is_(None)") == []
    )
    assert violations("app/accounts/organisations.py", "select(OrganisationMember.user_id)") == []
    assert violations("app/scheduling/visibility.py", "select(OrganisationMember.user_id)")
