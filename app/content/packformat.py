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


# A pinned break's clock time, 24-hour "HH:MM" (quoted in YAML, or it reads as a number).
CLOCK_RE = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def _check_clock(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 12:30 as the number 750 (base 60).
        raise ValueError('put the clock time in quotes, e.g. at: "12:30"')
    if not isinstance(value, str) or CLOCK_RE.fullmatch(value) is None:
        raise ValueError(f'{value!r} is not a clock time: write it as "HH:MM", e.g. "12:30"')
    return value


Clock = Annotated[str, PlainValidator(_check_clock)]
Minutes = Annotated[int, Field(ge=5, le=480)]
CreditHours = Annotated[float, Field(gt=0, le=200)]


class AgendaItem(_Strict):
    """One timed item of a format's agenda: teaching on a module, or a titled item.

    A module item takes the module's own ``minutes`` (one number for every output); a
    titled item states its minutes. A break may be pinned to a clock time (``at``) or
    placed after a module (``after``); otherwise the guide places it (see agenda.py).
    """

    day: int
    minutes: Minutes | None = None
    module: Id | None = None
    title: Text | None = None
    kind: Literal["teaching", "break"] = "teaching"
    at: Clock | None = None
    after: Id | None = None

    @model_validator(mode="after")
    def _module_or_title(self) -> AgendaItem:
        if (self.module is None) == (self.title is None):
            raise ValueError("an agenda item needs exactly one of 'module' or 'title'")
        if self.module is not None and self.kind == "break":
            raise ValueError("a break cannot name a module")
        if self.title is not None and self.minutes is None:
            raise ValueError("a titled agenda item needs 'minutes'")
        if self.kind != "break" and (self.at is not None or self.after is not None):
            raise ValueError("only a break (kind: break) can have 'at' or 'after'")
        if self.at is not None and self.after is not None:
            raise ValueError("a break has 'at' or 'after', not both")
        return self


class FormatSpec(_Strict):
    """A delivery format: number of days and the timed agenda."""

    title: Text
    days: Annotated[int, Field(ge=1, le=10)]
    day_minutes: Annotated[int, Field(ge=60, le=720)] = 480
    # Where the validator starts each day when it lays the agenda out (sessions use theirs).
    day_starts: Clock = "09:00"
    credit_hours: CreditHours | None = None  # default: the course's top-level credit_hours
    agenda: Annotated[list[AgendaItem], Field(min_length=1)]


class CompletionSpec(_Strict):
    """What a learner must do to complete the course."""

    modules_visited: Literal["all", "none"] = "all"
    min_check_score: Annotated[int, Field(ge=0, le=100)] = 80
    attendance: bool = True
    # Online study: the least time between opening the first module and completing.
    min_minutes: Annotated[int, Field(ge=0, le=6000)] = 0


class OnlineSpec(_Strict):
    """Online study of the course (the player): what a completion there is worth."""

    credit_hours: Annotated[float, Field(ge=0, le=200)]


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
    # The default for every format (and online study) that does not declare its own.
    credit_hours: CreditHours | None = None
    online: OnlineSpec | None = None
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
