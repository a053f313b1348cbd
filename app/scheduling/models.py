"""Tables for recurring series, their exceptions, venues, sessions and facilitators.

A series keeps its rule (RFC 5545 RRULE) and materialises sessions up to a horizon; the
rule stays the source of truth, so the horizon can move and edits can re-apply.
Dates are local calendar dates in the series' or session's time zone; timestamps are UTC.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UtcDateTime, status_type, utcnow


class Venue(Base):
    """A room with an address, or an online meeting place."""

    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")
    online_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Series(Base):
    """A recurring offer: e.g. 'last Friday of each month, three one-day courses side by side'."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    rrule: Mapped[str] = mapped_column(String(500))  # e.g. FREQ=MONTHLY;BYDAY=-1FR
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name, e.g. America/New_York
    starts_on: Mapped[date] = mapped_column(Date)  # DTSTART date
    ends_on: Mapped[date | None] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    format_id: Mapped[str] = mapped_column(String(64), default="one-day")
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id", ondelete="SET NULL"))
    default_capacity: Mapped[int] = mapped_column(Integer)
    default_price_cents: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    min_participants: Mapped[int] = mapped_column(Integer, default=0)
    go_no_go_days: Mapped[int] = mapped_column(Integer, default=7)  # decide N days before
    holiday_country: Mapped[str | None] = mapped_column(String(8))  # e.g. US, GB
    holiday_policy: Mapped[str] = mapped_column(String(10), default="skip")  # skip|previous|next
    horizon_months: Mapped[int] = mapped_column(Integer, default=12)
    materialised_until: Mapped[date | None] = mapped_column(Date)
    # In-house series: visible and bookable only by this organisation's members.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    tracks: Mapped[list[SeriesTrack]] = relationship(
        cascade="all, delete-orphan", order_by="SeriesTrack.position", lazy="raise"
    )
    exceptions: Mapped[list[SeriesException]] = relationship(
        cascade="all, delete-orphan", lazy="raise"
    )


class SeriesTrack(Base):
    """One of the 1 to 3 courses offered on each date of a series."""

    __tablename__ = "series_tracks"

    series_id: Mapped[int] = mapped_column(
        ForeignKey("series.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1..3
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))


class SeriesException(Base):
    """A manual change to the rule: cancel one date, move one date, or add one date."""

    __tablename__ = "series_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # cancel|move|add
    original_date: Mapped[date | None] = mapped_column(Date)  # for cancel and move
    new_date: Mapped[date | None] = mapped_column(Date)  # for move and add
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SessionStatus(enum.StrEnum):
    """Whether a session still takes place."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class CourseSession(Base):
    """One course in one format on one date (or run of consecutive business days)."""

    __tablename__ = "course_sessions"
    __table_args__ = (UniqueConstraint("uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(100))  # stable iCalendar UID
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # iCalendar SEQUENCE, +1 per change
    # Set when a facilitator or coordinator closes the session after its last day: its
    # attendance certificates are then due at once instead of when the last day ends.
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("series.id", ondelete="SET NULL"), index=True
    )
    track_position: Mapped[int | None] = mapped_column(Integer)
    occurrence_date: Mapped[date | None] = mapped_column(Date)  # the rule's date before moves
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    # The course version the session teaches, pinned when it is created, so a version
    # published later does not change what its workbooks, guide and certificates say.
    # NULL only for rows older than the pin whose course had no version; readers then fall
    # back to the current version. RESTRICT: a version a session taught is a record to
    # keep; versions are never deleted by the app, and deleting one by hand must not
    # silently move its sessions to another.
    course_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_versions.id", ondelete="RESTRICT")
    )
    format_id: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64))
    capacity: Mapped[int] = mapped_column(Integer)
    price_cents: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    min_participants: Mapped[int] = mapped_column(Integer, default=0)
    go_no_go_on: Mapped[date | None] = mapped_column(Date)
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id", ondelete="SET NULL"))
    online_url: Mapped[str | None] = mapped_column(String(500))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[SessionStatus] = mapped_column(
        status_type(SessionStatus, 12), default=SessionStatus.SCHEDULED
    )
    cancel_reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    days: Mapped[list[SessionDay]] = relationship(
        cascade="all, delete-orphan", order_by="SessionDay.day_index", lazy="raise"
    )


class SessionDay(Base):
    """A teaching day of a session (attendance is marked per day)."""

    __tablename__ = "session_days"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("course_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    day_index: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1-based
    date: Mapped[date] = mapped_column(Date, index=True)


class SessionFacilitator(Base):
    """A facilitator booked on a session."""

    __tablename__ = "session_facilitators"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("course_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CalendarFeed(Base):
    """A private calendar feed URL token for a learner or facilitator."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
