"""Learning's hook points: sections higher features add to My learning.

Documents issues certificates; learning must not import it. A receiver gets the session
and the learner and returns a ``(template, context)`` pair or None.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.hooks import Hook

Section = tuple[str, dict[str, Any]]

MY_LEARNING_SECTIONS: Hook[[Session, User | None], Section | None] = Hook(
    "learning.my_learning_sections"
)
