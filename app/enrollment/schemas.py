"""API shapes for sessions, enrolments, programmes, group bookings and seat-pack assignments."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict

from app.bounds import DbInt
from app.enrollment.models import BookingGroupKind, EnrollmentStatus
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
    booking_group_id: int | None
    seat_pack_id: int | None


class ProgrammeIn(BaseModel):
    """A programme as a coordinator defines it: 2 to 4 different courses, in order."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(max_length=200)]
    description: Annotated[str, Field(max_length=5000)] = ""
    course_ids: Annotated[list[RowId], Field(min_length=2, max_length=4)]
    price_cents: DbInt
    currency: Annotated[str, Field(max_length=3)] = "USD"


class ProgrammeCourseOut(BaseModel):
    """One course of a programme with its upcoming sessions (ids) to choose from."""

    course_id: int
    course_title: str
    session_ids: list[int]


class ProgrammeOut(BaseModel):
    """A programme on offer, with what it saves against its courses booked one by one."""

    id: int
    title: str
    description: str
    price_cents: int
    currency: str
    is_active: bool
    single_total_cents: int
    saving_cents: int
    courses: list[ProgrammeCourseOut]


class ProgrammeBookingIn(BaseModel):
    """One session per course of the programme, each on a different date."""

    model_config = ConfigDict(extra="forbid")

    session_ids: Annotated[list[RowId], Field(min_length=2, max_length=4)]


class BookingGroupOut(BaseModel):
    """Seats booked in one step (a programme or a group booking) and what they cost."""

    id: int
    kind: BookingGroupKind
    programme_id: int | None
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
    group_booking_url: str | None
    url: str
