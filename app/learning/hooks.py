"""Learning's hook points: what higher features add to My learning, and completions.

Documents issues certificates; learning must not import it. A section receiver gets the
session and the learner and returns a ``(template, context)`` pair or None; a completion
receiver is told, inside the same transaction, that a learner completed a course online.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.hooks import Hook
from app.learning.models import Completion

Section = tuple[str, dict[str, Any]]

MY_LEARNING_SECTIONS: Hook[[Session, User | None], Section | None] = Hook(
    "learning.my_learning_sections"
)

# A learner completed a course version online (recorded once): documents issues the
# certificate now, rather than when someone next opens a page.
COURSE_COMPLETED: Hook[[Session, Completion], None] = Hook("learning.course_completed")
