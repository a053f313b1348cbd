"""The coordinators' forms as typed text, and their conversion into service inputs.

Every field arrives as text so a form with a mistake can be shown again exactly as
typed; conversion raises ``Invalid`` naming the field in words a person can act on.
"""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel

from app.bounds import form_currency, form_date, form_int, form_money, form_time
from app.errors import Invalid
from app.formatting import money_field
from app.scheduling.recurrence import WEEKDAYS
from app.scheduling.schemas import SeriesCreate, SeriesUpdate
from app.scheduling.sessions import SessionChanges, SessionInput

COMMON_ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Asia/Singapore",
    "Australia/Sydney",
    "UTC",
]
HOLIDAY_COUNTRIES = [
    ("US", "United States"),
    ("GB", "United Kingdom"),
    ("CA", "Canada"),
    ("IE", "Ireland"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("NL", "Netherlands"),
    ("AU", "Australia"),
]
PRESET_RULES = {"last-friday": "FREQ=MONTHLY;BYDAY=-1FR", "first-tuesday": "FREQ=MONTHLY;BYDAY=1TU"}


def _optional_date(value: str, label: str) -> date | None:
    return form_date(value, label) if value.strip() else None


def _optional_int(value: str, label: str) -> int | None:
    return form_int(value, label) if value.strip() else None


class SeriesForm(BaseModel):
    """The series form, field by field, as typed."""

    title: str = ""
    preset: str = "last-friday"
    weekday: str = "friday"
    rrule: str = ""
    starts_on: str = ""
    timezone: str = "America/New_York"
    start_time: str = "09:00"
    end_time: str = "17:00"
    format_id: str = "one-day"
    course_1: str = ""
    course_2: str = ""
    course_3: str = ""
    venue_id: str = ""
    capacity: str = "20"
    price: str = "0.00"
    currency: str = "USD"
    min_participants: str = "0"
    go_no_go_days: str = "7"
    holiday_country: str = ""
    holiday_policy: str = "skip"
    organisation_id: str = ""
    horizon_months: str = "12"
    confirm_high_price: str = ""  # the "Yes, this price is right" box (``prices``)
    action: str = "save"

    def rule(self) -> str:
        """The rule chosen: a preset's RRULE, "weekly-<day>", or the custom text."""
        if self.preset in PRESET_RULES:
            return PRESET_RULES[self.preset]
        if self.preset == "weekly":
            if self.weekday not in WEEKDAYS:
                raise Invalid("Weekday: choose a day of the week.")
            return f"FREQ=WEEKLY;BYDAY={WEEKDAYS[self.weekday]}"
        if not self.rrule.strip():
            raise Invalid("Rule: write an RRULE such as FREQ=MONTHLY;BYDAY=-1FR, or pick a preset.")
        return self.rrule.strip()

    def to_create(self) -> SeriesCreate:
        """The series as typed; ``Invalid`` names the first field that cannot be read.

        Not validated here: ``series`` checks every value and words the page's messages;
        the currency is read first because the prices are read in its decimals.
        """
        currency = form_currency(self.currency)
        return SeriesCreate.model_construct(
            title=self.title,
            rrule=self.rule(),
            timezone=self.timezone,
            starts_on=form_date(self.starts_on, "Start date"),
            start_time=form_time(self.start_time, "Start time"),
            end_time=form_time(self.end_time, "End time"),
            format_id=self.format_id,
            courses=[c for c in (self.course_1, self.course_2, self.course_3) if c],
            venue_id=_optional_int(self.venue_id, "Venue"),
            capacity=form_int(self.capacity, "Capacity"),
            price_cents=form_money(self.price or "0", "Price", currency),
            currency=currency,
            min_participants=form_int(self.min_participants or "0", "Minimum participants"),
            go_no_go_days=form_int(self.go_no_go_days or "0", "Go/no-go days"),
            holiday_country=self.holiday_country or None,
            holiday_policy=self.holiday_policy,
            organisation_id=_optional_int(self.organisation_id, "Organisation"),
            horizon_months=_optional_int(self.horizon_months, "Horizon"),
            confirm_high_price=bool(self.confirm_high_price),
        )

    def to_update(self) -> SeriesUpdate:
        """The whole form as a change of a saved series (every field given)."""
        return SeriesUpdate.model_construct(**dict(self.to_create()))

    @classmethod
    def from_series(cls, data: SeriesCreate) -> SeriesForm:
        """The form filled in from a saved series."""
        preset, weekday, custom = "custom", "friday", data.rrule
        for key, rule in PRESET_RULES.items():
            if data.rrule == rule:
                preset, custom = key, ""
        weekly = re.fullmatch(r"FREQ=WEEKLY;BYDAY=([A-Z]{2})", data.rrule)
        if weekly and weekly.group(1) in WEEKDAYS.values():
            preset, custom = "weekly", ""
            weekday = next(name for name, code in WEEKDAYS.items() if code == weekly.group(1))
        courses = [*data.courses, "", "", ""]
        return cls(
            title=data.title,
            preset=preset,
            weekday=weekday,
            rrule=custom,
            starts_on=data.starts_on.isoformat(),
            timezone=data.timezone,
            start_time=data.start_time.strftime("%H:%M"),
            end_time=data.end_time.strftime("%H:%M"),
            format_id=data.format_id,
            course_1=courses[0],
            course_2=courses[1],
            course_3=courses[2],
            venue_id=str(data.venue_id or ""),
            capacity=str(data.capacity),
            price=money_field(data.price_cents, data.currency),
            currency=data.currency,
            min_participants=str(data.min_participants),
            go_no_go_days=str(data.go_no_go_days),
            holiday_country=data.holiday_country or "",
            holiday_policy=data.holiday_policy,
            organisation_id=str(data.organisation_id or ""),
            horizon_months=str(data.horizon_months or ""),
        )


class ExceptionForm(BaseModel):
    """Cancel, move or add one date of a series."""

    kind: str = "cancel"
    original_date: str = ""
    new_date: str = ""
    note: str = ""

    def dates(self) -> tuple[date | None, date | None]:
        """The two dates as given (either may be empty)."""
        return (
            _optional_date(self.original_date, "Date to change"),
            _optional_date(self.new_date, "New date"),
        )


class SessionForm(BaseModel):
    """The standalone session form, as typed."""

    course_slug: str = ""
    format_id: str = "three-day"
    starts_on: str = ""
    start_time: str = "09:00"
    end_time: str = "17:00"
    timezone: str = "America/New_York"
    capacity: str = "16"
    price: str = "0.00"
    currency: str = "USD"
    min_participants: str = "0"
    go_no_go_on: str = ""
    venue_id: str = ""
    online_url: str = ""
    organisation_id: str = ""
    holiday_country: str = ""
    confirm_high_price: str = ""  # the "Yes, this price is right" box (``prices``)

    def to_input(self) -> SessionInput:
        """The service input; ``Invalid`` names the first field that cannot be read."""
        if not self.course_slug:
            raise Invalid("Course: choose a course.")
        currency = form_currency(self.currency)  # first: the price is read in its decimals
        return SessionInput(
            course_slug=self.course_slug,
            format_id=self.format_id,
            starts_on=form_date(self.starts_on, "First day"),
            start_time=form_time(self.start_time, "Start time"),
            end_time=form_time(self.end_time, "End time"),
            timezone=self.timezone,
            capacity=form_int(self.capacity, "Capacity"),
            price_cents=form_money(self.price or "0", "Price", currency),
            currency=currency,
            min_participants=form_int(self.min_participants or "0", "Minimum participants"),
            go_no_go_on=_optional_date(self.go_no_go_on, "Go/no-go date"),
            venue_id=_optional_int(self.venue_id, "Venue"),
            online_url=self.online_url or None,
            organisation_id=_optional_int(self.organisation_id, "Organisation"),
            holiday_country=self.holiday_country or None,
            confirm_high_price=bool(self.confirm_high_price),
        )


class SessionEditForm(BaseModel):
    """The session edit form, as typed."""

    starts_on: str = ""
    start_time: str = ""
    end_time: str = ""
    capacity: str = ""
    venue_id: str = ""
    online_url: str = ""

    def to_changes(self) -> SessionChanges:
        """The changes; an empty venue means "no room" (online only)."""
        return SessionChanges(
            starts_on=_optional_date(self.starts_on, "First day"),
            start_time=form_time(self.start_time, "Start time") if self.start_time else None,
            end_time=form_time(self.end_time, "End time") if self.end_time else None,
            capacity=_optional_int(self.capacity, "Capacity"),
            venue_id=_optional_int(self.venue_id, "Venue"),
            online_url=self.online_url,
            clear_venue=not self.venue_id.strip(),
        )
