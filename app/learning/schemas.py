"""API shapes for online learning."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt


class AnswerIn(BaseModel):
    """An answer to a knowledge check: the chosen choice numbers, counted from 1."""

    model_config = ConfigDict(extra="forbid")

    # Strict: "1" or true are not choice numbers. The length cap only bounds the body;
    # the grader refuses anything that is not one of the offered choices.
    chosen: Annotated[list[StrictInt], Field(max_length=32)]


class AnswerOut(BaseModel):
    """A graded answer."""

    correct: bool
    score: int
    best_score: int
    explanation: str
    course_complete: bool


class LearningRowOut(BaseModel):
    """A course on the learner's "My learning" list (pages and the API alike)."""

    model_config = ConfigDict(frozen=True)

    course_slug: str
    course_title: str
    version: str
    modules_visited: int
    modules_total: int
    percent: int
    started: bool
    completed_at: datetime | None
    resume_url: str
