"""Pydantic models for `course.yaml` and module front matter (see docs/content-packs.md)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, model_validator

# Course, format, module and check ids: lowercase words joined by single dashes.
ID_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
ID_RE = re.compile(ID_PATTERN)
ID_MAX_LENGTH = 64
# `modules/NN-slug.md`: leading digits give the order, the slug is the module id.
MODULE_FILE_RE = re.compile(r"(\d+)-(" + ID_PATTERN + r")\.md")


def is_valid_id(value: str) -> bool:
    """True when `value` is a well-formed course, format, module or check id."""
    return len(value) <= ID_MAX_LENGTH and ID_RE.fullmatch(value) is not None


def _check_id(value: str) -> str:
    if not is_valid_id(value):
        raise ValueError(
            f"{value!r} is not a valid id: use lowercase letters, digits and single dashes, "
            f"at most {ID_MAX_LENGTH} characters (e.g. two-jobs)"
        )
    return value


def _check_not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _check_answer(value: object) -> int | list[int]:
    # Shape against the check type and the range are checked later, with exact line numbers;
    # here we only make sure the value is numbers at all (bool is an int subclass in Python).
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, list) and all(
        isinstance(item, int) and not isinstance(item, bool) for item in value
    ):
        return value
    raise ValueError("must be a choice number, or a list of choice numbers")


Id = Annotated[str, AfterValidator(_check_id)]
Text = Annotated[str, AfterValidator(_check_not_blank)]
TextList = Annotated[list[Text], Field(min_length=1)]
Answer = Annotated[int | list[int], PlainValidator(_check_answer)]


class _Strict(BaseModel):
    # Unknown keys are errors so a typo never disappears silently; strict types so `1.0`
    # is not quietly turned into the string "1.0".
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class AgendaItem(_Strict):
    """One timed item of a format's agenda: teaching on a module, or a titled item."""

    day: int
    minutes: Annotated[int, Field(ge=5, le=480)]
    module: Id | None = None
    title: Text | None = None
    kind: Literal["teaching", "break"] = "teaching"

    @model_validator(mode="after")
    def _module_or_title(self) -> AgendaItem:
        if (self.module is None) == (self.title is None):
            raise ValueError("an agenda item needs exactly one of 'module' or 'title'")
        if self.module is not None and self.kind == "break":
            raise ValueError("a break cannot name a module")
        return self


class FormatSpec(_Strict):
    """A delivery format: number of days and the timed agenda."""

    title: Text
    days: Annotated[int, Field(ge=1, le=10)]
    day_minutes: Annotated[int, Field(ge=60, le=720)] = 480
    agenda: Annotated[list[AgendaItem], Field(min_length=1)]


class CompletionSpec(_Strict):
    """What a learner must do to complete the course."""

    modules_visited: Literal["all", "none"] = "all"
    min_check_score: Annotated[int, Field(ge=0, le=100)] = 80
    attendance: bool = True


class CourseSpec(_Strict):
    """The contents of `course.yaml`."""

    id: Id
    version: Annotated[
        str, Field(max_length=64), AfterValidator(_check_not_blank)
    ]  # 64-char column
    title: Text
    summary: Text
    audience: TextList
    skills: TextList
    objectives: TextList
    credit_hours: Annotated[float, Field(gt=0)]
    free_online: bool = False
    formats: Annotated[dict[Id, FormatSpec], Field(min_length=1)]
    completion: CompletionSpec = CompletionSpec()


class CheckSpec(_Strict):
    """A knowledge check; `answer` numbers choices from 1 as shown."""

    id: Id
    type: Literal["single", "multiple"]
    question: Text
    choices: Annotated[list[Text], Field(min_length=2, max_length=8)]
    answer: Answer
    explanation: Text


class ModuleMeta(_Strict):
    """The front matter of a module file."""

    title: Text
    minutes: Annotated[int, Field(ge=5, le=480)]
    objectives: TextList
    checks: Annotated[list[CheckSpec], Field(min_length=1)]
