"""Fixtures for the documents tests: the app with the documents routes, isolated storage."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import time
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.documents import routes
from app.documents.files import storage
from app.documents.session_docs import jobs
from app.documents.session_docs.facts import SessionFacts, load_session_facts
from app.documents.session_docs.guide import guide_pdf
from app.documents.session_docs.roster_docs import name_tents_pdf, sign_in_pdf
from app.documents.session_docs.workbook import workbook_pdf, workbooks_pdf
from tests.documents.helpers import (
    SIX_NAMES,
    Canary,
    make_documents_session,
    make_facilitator,
    real_course,
)


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    """The application, with the documents pages and API included if main does not yet."""
    paths = {getattr(route, "path", "") for route in app.routes}
    if "/sessions/{session_id}/documents" not in paths:
        app.include_router(routes.router)
        app.include_router(routes.api)
    return app


@pytest.fixture(autouse=True)
def documents_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test stores its PDFs in a folder of its own, so caches never leak across tests."""
    folder = tmp_path / "documents"
    monkeypatch.setattr(storage, "documents_dir", lambda: folder)
    return folder


@pytest.fixture(autouse=True)
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Job ids handed to the workers; nothing runs in the background (tests run jobs themselves)."""
    sent: list[int] = []
    monkeypatch.setattr(
        jobs, "enqueue", lambda job_id, *, bind=None, base_url=None: sent.append(job_id)
    )
    return sent


@pytest.fixture(scope="session")
def rm_facts(engine: Engine) -> SessionFacts:
    """Facts of a one-day Relationship Management session with the six names, read once.

    Facts are plain data, so the rows they came from are rolled back straight away and
    slow renders can be shared by the tests of a module.
    """
    return _facts(engine, days=1, format_id="one-day")


@pytest.fixture(scope="session")
def rm_three_day_facts(engine: Engine) -> SessionFacts:
    """Facts of a three-day Relationship Management session starting at 08:30."""
    return _facts(engine, days=3, format_id="three-day", start_time=time(8, 30))


def _facts(engine: Engine, **options: object) -> SessionFacts:
    with engine.connect() as connection:
        transaction = connection.begin()
        db = Session(bind=connection, join_transaction_mode="create_savepoint")
        try:
            facilitator = make_facilitator(db)
            session = make_documents_session(
                db,
                real_course(db),
                facilitators=[facilitator],
                **options,  # type: ignore[arg-type]
            )
            return load_session_facts(db, session.id)
        finally:
            db.close()
            transaction.rollback()


class RenderedOnce:
    """The Relationship Management documents, each rendered on first use and kept."""

    def __init__(self, facts: SessionFacts) -> None:
        self.facts = facts
        self._cache: dict[str, bytes] = {}

    def _get(self, key: str, make: Callable[[], bytes]) -> bytes:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @property
    def workbook(self) -> bytes:
        """Zoë Ødegård's workbook, rendered alone."""
        return self._get("workbook", lambda: workbook_pdf(self.facts, SIX_NAMES[0]))

    @property
    def workbooks(self) -> bytes:
        """The first three participants' workbooks through the batch path."""
        return self._get("workbooks", lambda: workbooks_pdf(self.facts, SIX_NAMES[:3]))

    @property
    def guide(self) -> bytes:
        """The facilitator guide."""
        return self._get("guide", lambda: guide_pdf(self.facts))

    @property
    def sign_in(self) -> bytes:
        """The sign-in sheet."""
        return self._get("sign_in", lambda: sign_in_pdf(self.facts))

    @property
    def name_tents(self) -> bytes:
        """Name tents for the six names."""
        return self._get("name_tents", lambda: name_tents_pdf(self.facts))


@pytest.fixture(scope="session")
def rm_pdfs(rm_facts: SessionFacts) -> RenderedOnce:
    """The one-day Relationship Management documents, rendered once per test run."""
    return RenderedOnce(rm_facts)


@pytest.fixture
def canary() -> Iterator[Canary]:
    """A canary HTTP server on a free port."""
    server = Canary()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()
