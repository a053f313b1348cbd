"""The app with the schedule and calendar routers included."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.scheduling.calendars.helpers import with_public_routes


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    """The test app, with this area's routers (a no-op once app.main includes them)."""
    return with_public_routes(app)
