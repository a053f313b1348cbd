"""API shapes for sessions, enrolments, day bundles and seat-pack assignments."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict

from app.bounds import DbInt
from app.enrollment.models import EnrollmentStatus
from app.scheduling.models import SessionStatus

# A row id in a body: a JSON integer (not "12"), one a database column can hold.
RowId = Annotated[DbInt, Strict()]


class SessionDayOut(BaseModel):
    """One teaching day."""

    day_index: int
    date: date


class SessionOut(BaseModel):
    """A session with its seat figures; dates and times are local to ``timezone``."""

    id: int
    course: str  # the course's slug
    course_title: str
    format_id: str
    starts_on: date
    ends_on: date
    start_time: time
    end_time: time
    timezone: str
    starts_at: datetime  # UTC
    days: list[SessionDayOut]
    capacity: int
    seats_taken: int
    seats_left: int
    waitlisted: int
    price_cents: int
    currency: str
    status: SessionStatus
    in_house: bool
    series_id: int | None
    url: str


class EnrollmentIn(BaseModel):
    """Enrol yourself (no body), or, as a coordinator, someone else by e-mail."""

    model_config = ConfigDict(extra="forbid")

    user_email: Annotated[str | None, Field(max_length=320)] = None


class EnrollmentOut(BaseModel):
    """An enrolment and where it stands (UTC timestamps)."""

    id: int
    session_id: int
    user_id: int
    status: EnrollmentStatus
    source: str
    hold_expires_at: datetime | None
    offer_expires_at: datetime | None
    waitlisted_at: datetime | None
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    bundle_id: int | None
    seat_pack_id: int | None


class BundleIn(BaseModel):
    """The 2 or 3 sessions (same series, same date) to book as a day bundle."""

    model_config = ConfigDict(extra="forbid")

    session_ids: Annotated[list[RowId], Field(min_length=2, max_length=3)]


class BundleOut(BaseModel):
    """A booked day bundle and its enrolments."""

    id: int
    series_id: int | None
    on_date: date
    price_cents: int
    currency: str
    enrollments: list[EnrollmentOut]


class AssignmentIn(BaseModel):
    """Give one seat of a pack to a member of its organisation on a session."""

    model_config = ConfigDict(extra="forbid")

    user_email: Annotated[str, Field(min_length=3, max_length=320)]
    session_id: RowId


class ScheduleItemOut(BaseModel):
    """One upcoming session on the public schedule."""

    session_id: int
    course: str
    course_title: str
    format: str
    starts_on: date
    days: int
    times: str
    timezone: str
    location: str
    online: bool
    price_cents: int
    currency: str
    capacity: int
    seats_left: int
    full: bool
    in_house: bool
    series_id: int | None
    bundle_url: str | None
    url: str
