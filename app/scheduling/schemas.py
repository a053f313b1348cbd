"""Series shapes: one input per use case (``SeriesCreate``, ``SeriesUpdate``), one output
(``SeriesOut``), and the preview's; the JSON API, the pages and the service share them."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.bounds import DbInt
from app.scheduling.models import SessionStatus

# Fields an update may set to null; for the others null means "leave as it is".
_NULLABLE = {
    "ends_on",
    "venue_id",
    "holiday_country",
    "organisation_id",
    "horizon_months",
}


class SeriesCreate(BaseModel):
    """A whole series: the input of creating one (API body, page form, demo), and the
    values an update is merged into. ``series`` validates it with the messages people read.
    """

    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=200)
    rrule: str = Field(
        max_length=500,
        description="An RRULE such as FREQ=MONTHLY;BYDAY=-1FR, or a preset: last-friday, "
        "first-tuesday, weekly-<weekday>.",
    )
    timezone: str = Field(max_length=64, examples=["America/New_York"])
    starts_on: date
    ends_on: date | None = None
    start_time: time
    end_time: time
    format_id: str = "one-day"
    courses: list[str] = Field(min_length=1, max_length=3, description="Course ids (slugs).")
    venue_id: DbInt | None = None
    capacity: DbInt
    price_cents: DbInt = 0
    currency: str = Field(
        default="USD",
        description="An ISO 4217 code (app/currencies.py); prices are in its minor units "
        "(cents; yen for JPY, which has no decimals).",
        examples=["USD", "EUR", "JPY"],
    )
    min_participants: DbInt = 0
    go_no_go_days: DbInt = 7
    holiday_country: str | None = None
    holiday_policy: str = "skip"
    organisation_id: DbInt | None = None
    horizon_months: DbInt | None = None
    confirm_high_price: bool = Field(
        default=False,
        exclude=True,  # a confirmation of this request, not a property of the series
        description="True when a price above 20,000 (in the currency's major units) per "
        "course is meant; without it such a price is refused as a likely typo.",
    )


class SeriesUpdate(BaseModel):
    """A partial change of a series (API PATCH, page form): only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=200)
    rrule: str | None = Field(default=None, max_length=500)
    timezone: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    format_id: str | None = None
    courses: list[str] | None = Field(default=None, min_length=1, max_length=3)
    venue_id: DbInt | None = None
    capacity: DbInt | None = None
    price_cents: DbInt | None = None
    currency: str | None = None
    min_participants: DbInt | None = None
    go_no_go_days: DbInt | None = None
    holiday_country: str | None = None
    holiday_policy: str | None = None
    organisation_id: DbInt | None = None
    horizon_months: DbInt | None = None
    confirm_high_price: bool | None = Field(
        default=None, description="As in SeriesCreate: a high price changed here is meant."
    )

    def changes(self) -> dict[str, Any]:
        """The fields given (explicit nulls clear a nullable field, others are left)."""
        given = self.model_dump(exclude_unset=True)
        return {key: value for key, value in given.items() if value is not None or key in _NULLABLE}


class SessionBriefOut(BaseModel):
    """A session in a series answer."""

    id: int
    uid: str
    sequence: int
    course: str
    track: int | None
    occurrence_date: date | None
    starts_on: date
    ends_on: date
    status: SessionStatus
    url: str


class SeriesOut(SeriesCreate):
    """A series with its rule read out and how far it is materialised."""

    model_config = ConfigDict(extra="ignore")

    id: int
    description: str
    is_active: bool
    materialised_until: date | None
    sessions: int = Field(description="Sessions of the series that are not cancelled.")
    url: str


class SeriesChangeOut(BaseModel):
    """The outcome of creating or editing a series."""

    series: SeriesOut
    created: list[SessionBriefOut]
    changed: list[SessionBriefOut]
    cancelled: list[SessionBriefOut]
    not_changed: list[SessionBriefOut] = Field(
        description="Future sessions left as they were because they have participants."
    )


class ExtendIn(BaseModel):
    """How far to move a series' horizon (default: its own horizon from today)."""

    model_config = ConfigDict(extra="forbid")

    months: int | None = Field(default=None, ge=1, le=36)
    until: date | None = None


class ExtendOut(BaseModel):
    """What an extension created."""

    series_id: int
    materialised_until: date | None
    created: list[SessionBriefOut]


# A field named "date" hides the type inside its class; annotate with this name instead.
Day = date


class OccurrenceOut(BaseModel):
    """One date of a preview."""

    date: Day
    original_date: Day
    note: str
    dropped: bool
    line: str = Field(description="The CLI's line: the ISO date, then the note if any.")


class PreviewOut(BaseModel):
    """The dates a rule gives, with holiday moves and drops explained."""

    rrule: str
    description: str
    occurrences: list[OccurrenceOut]
