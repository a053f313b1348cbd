"""The catalogue's hook points: sections higher features add to a course page.

Scheduling and enrolment know a course's upcoming sessions; the catalogue must not import
them. A receiver gets the session, the course slug and the visitor, and returns a
``(template, context)`` pair or None when it has nothing to show.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.hooks import Hook

Section = tuple[str, dict[str, Any]]

COURSE_PAGE_SECTIONS: Hook[[Session, str, User | None], Section | None] = Hook(
    "content.course_page_sections"
)
