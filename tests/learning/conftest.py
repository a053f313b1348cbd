"""Fixtures for the learning tests: a synced demo course, a learner, a coordinator."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.content.models import Course
from tests.factories import make_user
from tests.learning.packs import sync_pack


@pytest.fixture
def course(db: Session, tmp_path: Path) -> Course:
    """The demo course, not free: learners need a grant.

    Committed (which in the tests only releases a savepoint) so a request that fails and
    rolls back does not take the test's own data with it.
    """
    synced = sync_pack(db, tmp_path)
    db.commit()
    return synced


@pytest.fixture
def free_course(db: Session, tmp_path: Path) -> Course:
    """The demo course marked free for online study."""
    synced = sync_pack(db, tmp_path, slug="free-demo", free_online=True)
    db.commit()
    return synced


@pytest.fixture
def learner(db: Session) -> User:
    """A learner with no grants."""
    user = make_user(db)
    db.commit()
    return user


@pytest.fixture
def coordinator(db: Session) -> User:
    """A coordinator."""
    user = make_user(db, roles={Role.COORDINATOR})
    db.commit()
    return user
