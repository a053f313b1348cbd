"""Tables for seats taken on sessions and what they came from.

A seat counts against a session's capacity while its enrolment is ``confirmed``, or
``held``/``offered`` and not yet expired. Taking a seat locks the session row first.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UtcDateTime, status_type, utcnow


class EnrollmentStatus(enum.StrEnum):
    """Where an enrolment stands."""

    HELD = "held"  # seat reserved until hold_expires_at unless confirmed
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"  # a freed seat offered to the first in line until offer_expires_at
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # a hold or offer that ran out


class SeatPayer(enum.StrEnum):
    """Who pays for a seat; every held or confirmed seat has exactly one (``payers.py``)."""

    ORDER = "order"  # an order line: paid by card, or invoiced to the person or organisation
    SEAT_PACK = "seat_pack"  # drawn from the organisation's prepaid pack (``seat_pack_id``)
    COMPLIMENTARY = "complimentary"  # nothing to pay; ``payer_note`` says why


class Enrollment(Base):
    """One person's place (or place in line) on one session."""

    __tablename__ = "enrollments"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("course_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[EnrollmentStatus] = mapped_column(status_type(EnrollmentStatus, 12), index=True)
    source: Mapped[str] = mapped_column(
        String(20), default="self"
    )  # self|coordinator|seat_pack|programme|group|walk_in
    hold_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    offer_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    waitlisted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The programme or group booking this seat was booked (and is paid) with.
    booking_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking_groups.id", ondelete="SET NULL"), index=True
    )
    seat_pack_id: Mapped[int | None] = mapped_column(
        ForeignKey("seat_packs.id", ondelete="SET NULL"), index=True
    )
    # Set when the seat is held or confirmed; None while only in line.
    payer: Mapped[SeatPayer | None] = mapped_column(status_type(SeatPayer, 16))
    payer_note: Mapped[str] = mapped_column(String(300), default="")  # e.g. why complimentary
    # A seat given over the session's capacity (a walk-in on the day): the coordinator who
    # allowed it and why, kept with the seat so the roster and the ledger can say so.
    capacity_override_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    capacity_override_reason: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Attendance(Base):
    """Whether a participant attended one day of a session."""

    __tablename__ = "attendance"

    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), primary_key=True
    )
    day_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    present: Mapped[bool] = mapped_column(Boolean)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Programme(Base):
    """2 to 4 different courses taken on different dates, sold together at one price."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class ProgrammeCourse(Base):
    """One of a programme's courses, in the order they are meant to be taken."""

    __tablename__ = "programme_courses"
    __table_args__ = (UniqueConstraint("programme_id", "course_id"),)

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1..4
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))


class BookingGroupKind(enum.StrEnum):
    """What booked several seats in one step (and pays for them in one order)."""

    PROGRAMME = "programme"  # one learner, 2-4 courses on different dates
    GROUP = "group"  # several colleagues, one seat each on one series date


class BookingGroup(Base):
    """Seats booked in one step and paid together: a programme or a group booking.

    ``user_id`` is the person who booked and pays. Rows migrated from the old day bundles
    keep their ``series_id`` and ``on_date``.
    """

    __tablename__ = "booking_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[BookingGroupKind] = mapped_column(status_type(BookingGroupKind, 12))
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes.id", ondelete="SET NULL"), index=True
    )
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id", ondelete="SET NULL"))
    on_date: Mapped[date | None] = mapped_column(Date)
    price_cents: Mapped[int] = mapped_column(Integer)  # what the seats cost together
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SeatPack(Base):
    """N seats bought by a client organisation, for one course or any, valid for a period."""

    __tablename__ = "seat_packs"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    seats: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class InHouseRequestStatus(enum.StrEnum):
    """Where a coordinator has got with an in-house request."""

    NEW = "new"
    ANSWERED = "answered"
    CLOSED = "closed"


class InHouseRequest(Base):
    """A client company asking for a private session; lands in the coordinators' inbox."""

    __tablename__ = "inhouse_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    format_id: Mapped[str] = mapped_column(String(64))
    participants: Mapped[int] = mapped_column(Integer)
    preferred_dates: Mapped[str] = mapped_column(String(500), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[InHouseRequestStatus] = mapped_column(
        status_type(InHouseRequestStatus, 12), default=InHouseRequestStatus.NEW
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Reminder(Base):
    """A reminder already sent, so reminders go out once (jobs may run twice)."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("enrollment_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # e.g. "3-days"
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
