"""Scheduling use cases in one place to import from; they live in modules by use case.

``series`` (create, edit, extend, exceptions), ``sessions`` (standalone sessions, edits,
cancellation, facilitators), ``visibility`` (who sees, books, manages; when a session
starts), ``venues``; ``recurrence`` is the pure date maths.
"""

from __future__ import annotations

from app.scheduling.facilitators import assign_facilitator, facilitators, remove_facilitator
from app.scheduling.preview import preview
from app.scheduling.schemas import SeriesCreate, SeriesUpdate
from app.scheduling.series import (
    SeriesResult,
    add_exception,
    create_series,
    current_values,
    extend_all,
    extend_series,
    get_series,
    list_series,
    update_series,
)
from app.scheduling.sessions import (
    SessionChanges,
    SessionInput,
    cancel_session,
    create_session,
    get_session,
    move_to_current_version,
    session_versions,
    sessions_between,
    taught_version,
    update_session,
)
from app.scheduling.venues import create_venue, get_venue, list_venues
from app.scheduling.visibility import can_see_session, get_visible_session, visible_sessions

__all__ = [
    "SeriesCreate",
    "SeriesResult",
    "SeriesUpdate",
    "SessionChanges",
    "SessionInput",
    "add_exception",
    "assign_facilitator",
    "can_see_session",
    "cancel_session",
    "create_series",
    "create_session",
    "create_venue",
    "current_values",
    "extend_all",
    "extend_series",
    "facilitators",
    "get_series",
    "get_session",
    "get_venue",
    "get_visible_session",
    "list_series",
    "list_venues",
    "move_to_current_version",
    "preview",
    "remove_facilitator",
    "session_versions",
    "sessions_between",
    "taught_version",
    "update_series",
    "update_session",
    "visible_sessions",
]
