"""Fixtures for the learning browser tests: the real packs loaded into the live server's db."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from functools import cache

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.accounts.service import create_user
from app.config import get_settings
from app.content.loader import load_pack
from app.content.sync import sync_folder
from app.db import make_engine
from app.learning.models import CourseProgress, ModuleVisit
from tests.factories import text_body

PASSWORD = "a long browser passphrase"
COURSE = "status-communication"


@dataclass(frozen=True)
class CheckAnswer:
    """A knowledge check of the real pack and its right choice numbers."""

    id: str
    chosen: list[int]


@dataclass(frozen=True)
class ModuleAnswers:
    """A module of the real pack, with the right answers to its checks."""

    position: int
    title: str
    checks: list[CheckAnswer]


@pytest.fixture(scope="session")
def learning_db(live_database_url: str) -> Iterator[Callable[[], Session]]:
    """Sessions on the live server's database, with courses/ synced into it once."""
    engine = make_engine(live_database_url)

    def new_session() -> Session:
        return Session(bind=engine, expire_on_commit=False)

    with new_session() as db:
        result = sync_folder(db, get_settings().courses_dir)
        assert result.ok, result.failed
        db.commit()
    yield new_session
    engine.dispose()


@cache
def course_answers() -> list[ModuleAnswers]:
    """The modules of status-communication and their right answers, read from the pack."""
    pack = load_pack(get_settings().courses_dir / COURSE)
    modules = []
    for position, module in enumerate(pack.modules, start=1):
        checks = [
            CheckAnswer(c.id, [c.answer] if isinstance(c.answer, int) else list(c.answer))
            for c in module.meta.checks
        ]
        modules.append(ModuleAnswers(position, module.meta.title, checks))
    return modules


@pytest.fixture
def make_account(learning_db: Callable[[], Session]) -> Callable[..., str]:
    """Create an account in the live server's database; returns its e-mail address."""

    def make(role: Role = Role.LEARNER) -> str:
        email = f"e2e-{role.value}-{uuid.uuid4().hex[:8]}@example.com"
        with learning_db() as db:
            create_user(
                db, email=email, display_name=f"E2E {role.value}", password=PASSWORD, roles={role}
            )
            db.commit()
        return email

    return make


def log_in(page: Page, email: str) -> None:
    """Sign in through the login form."""
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def finish_sign_up(page: Page, email: str, password: str = PASSWORD) -> None:
    """After the sign-up form: open the link the server mailed, confirm with the password."""
    expect(page.get_by_role("status")).to_contain_text(f"We sent a message to {email}")
    outbox = get_settings().outbox_dir  # the live server writes mail into this same folder
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns, reverse=True):
        message = message_from_bytes(path.read_bytes())
        if email in str(message["To"]):
            body = text_body(message)
            link = re.search(r"https?://[^/\s]+(/signup/confirm/\S+)", body)
            assert link, body
            page.goto(link[1])
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Confirm and sign in").click()
            return
    raise AssertionError(f"no sign-up mail to {email}")


def no_serious_axe(page: Page) -> None:
    """axe-core finds nothing serious or critical on the page as it is now."""
    violations = Axe().run(page).response["violations"]
    assert [v["id"] for v in violations if v.get("impact") in {"serious", "critical"}] == []


def study_began_hours_ago(db: Session, user_id: int, hours: float = 7) -> None:
    """Record the learner's opened modules as first opened ``hours`` ago.

    The shipped courses ask for hours of study before an online completion counts
    (``completion.min_minutes``); a browser test clicks through in seconds. The live
    server's clock cannot be moved, so the person's study is dated as if it began that
    long ago: the same records a learner who spread the course over a day would leave.
    """
    runs = select(CourseProgress.id).where(CourseProgress.user_id == user_id)
    db.execute(
        update(ModuleVisit)
        .where(ModuleVisit.progress_id.in_(runs))
        .values(first_visited_at=datetime.now(UTC) - timedelta(hours=hours))
    )
    db.commit()
