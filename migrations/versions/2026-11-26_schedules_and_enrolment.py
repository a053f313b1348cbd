"""Schedules and enrolment: venues, series (rules, tracks, exceptions), sessions and their
days and facilitators, calendar feeds, enrolments, attendance, day bundles, seat packs,
in-house requests, sent reminders.

Revision ID: e532737c46c6
Revises: 4ae71838817e
Create Date: 2026-11-26 18:33:52.678954
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e532737c46c6"
down_revision: str | None = "4ae71838817e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "venues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("online_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_venues")),
    )
    op.create_table(
        "calendar_feeds",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_feeds_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token", name=op.f("uq_calendar_feeds_token")),
    )
    op.create_table(
        "inhouse_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("format_id", sa.String(length=64), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("preferred_dates", sa.String(length=500), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_inhouse_requests_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_inhouse_requests_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["users.id"],
            name=op.f("fk_inhouse_requests_requester_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inhouse_requests")),
    )
    op.create_table(
        "seat_packs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_seat_packs_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_seat_packs_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_seat_packs_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat_packs")),
    )
    with op.batch_alter_table("seat_packs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_seat_packs_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("rrule", sa.String(length=500), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("format_id", sa.String(length=64), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=True),
        sa.Column("default_capacity", sa.Integer(), nullable=False),
        sa.Column("default_price_cents", sa.Integer(), nullable=False),
        sa.Column("bundle_price_cents", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("min_participants", sa.Integer(), nullable=False),
        sa.Column("go_no_go_days", sa.Integer(), nullable=False),
        sa.Column("holiday_country", sa.String(length=8), nullable=True),
        sa.Column("holiday_policy", sa.String(length=10), nullable=False),
        sa.Column("horizon_months", sa.Integer(), nullable=False),
        sa.Column("materialised_until", sa.Date(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_series_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"], ["venues.id"], name=op.f("fk_series_venue_id_venues"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series")),
    )
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_series_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "course_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=100), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("track_position", sa.Integer(), nullable=True),
        sa.Column("occurrence_date", sa.Date(), nullable=True),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("format_id", sa.String(length=64), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("min_participants", sa.Integer(), nullable=False),
        sa.Column("go_no_go_on", sa.Date(), nullable=True),
        sa.Column("venue_id", sa.Integer(), nullable=True),
        sa.Column("online_url", sa.String(length=500), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("cancel_reason", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_sessions_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_course_sessions_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_course_sessions_series_id_series"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"],
            ["venues.id"],
            name=op.f("fk_course_sessions_venue_id_venues"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_sessions")),
        sa.UniqueConstraint("uid", name=op.f("uq_course_sessions_uid")),
    )
    with op.batch_alter_table("course_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_sessions_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_course_sessions_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_course_sessions_series_id"), ["series_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_course_sessions_starts_on"), ["starts_on"], unique=False
        )

    op.create_table(
        "day_bundles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_day_bundles_series_id_series"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_day_bundles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_day_bundles")),
    )
    with op.batch_alter_table("day_bundles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_day_bundles_user_id"), ["user_id"], unique=False)

    op.create_table(
        "series_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("original_date", sa.Date(), nullable=True),
        sa.Column("new_date", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_series_exceptions_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series_exceptions")),
    )
    with op.batch_alter_table("series_exceptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_series_exceptions_series_id"), ["series_id"], unique=False
        )

    op.create_table(
        "series_tracks",
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_series_tracks_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_series_tracks_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("series_id", "position", name=op.f("pk_series_tracks")),
    )
    op.create_table(
        "enrollments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("hold_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("waitlisted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bundle_id", sa.Integer(), nullable=True),
        sa.Column("seat_pack_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bundle_id"],
            ["day_bundles.id"],
            name=op.f("fk_enrollments_bundle_id_day_bundles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_enrollments_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["seat_pack_id"],
            ["seat_packs.id"],
            name=op.f("fk_enrollments_seat_pack_id_seat_packs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["course_sessions.id"],
            name=op.f("fk_enrollments_session_id_course_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_enrollments_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
    )
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrollments_bundle_id"), ["bundle_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_enrollments_seat_pack_id"), ["seat_pack_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enrollments_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrollments_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrollments_user_id"), ["user_id"], unique=False)

    op.create_table(
        "session_days",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("day_index", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["course_sessions.id"],
            name=op.f("fk_session_days_session_id_course_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "day_index", name=op.f("pk_session_days")),
    )
    with op.batch_alter_table("session_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_days_date"), ["date"], unique=False)

    op.create_table(
        "session_facilitators",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["course_sessions.id"],
            name=op.f("fk_session_facilitators_session_id_course_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_session_facilitators_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "user_id", name=op.f("pk_session_facilitators")),
    )
    with op.batch_alter_table("session_facilitators", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_facilitators_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "attendance",
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("day_index", sa.Integer(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("marked_by_id", sa.Integer(), nullable=True),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_attendance_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["marked_by_id"],
            ["users.id"],
            name=op.f("fk_attendance_marked_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("enrollment_id", "day_index", name=op.f("pk_attendance")),
    )
    op.create_table(
        "reminders_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_reminders_sent_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders_sent")),
        sa.UniqueConstraint("enrollment_id", "kind", name=op.f("uq_reminders_sent_enrollment_id")),
    )


def downgrade() -> None:
    op.drop_table("reminders_sent")
    op.drop_table("attendance")
    with op.batch_alter_table("session_facilitators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_facilitators_user_id"))

    op.drop_table("session_facilitators")
    with op.batch_alter_table("session_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_days_date"))

    op.drop_table("session_days")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrollments_user_id"))
        batch_op.drop_index(batch_op.f("ix_enrollments_status"))
        batch_op.drop_index(batch_op.f("ix_enrollments_session_id"))
        batch_op.drop_index(batch_op.f("ix_enrollments_seat_pack_id"))
        batch_op.drop_index(batch_op.f("ix_enrollments_bundle_id"))

    op.drop_table("enrollments")
    op.drop_table("series_tracks")
    with op.batch_alter_table("series_exceptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_series_exceptions_series_id"))

    op.drop_table("series_exceptions")
    with op.batch_alter_table("day_bundles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_day_bundles_user_id"))

    op.drop_table("day_bundles")
    with op.batch_alter_table("course_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_sessions_starts_on"))
        batch_op.drop_index(batch_op.f("ix_course_sessions_series_id"))
        batch_op.drop_index(batch_op.f("ix_course_sessions_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_course_sessions_course_id"))

    op.drop_table("course_sessions")
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_series_organisation_id"))

    op.drop_table("series")
    with op.batch_alter_table("seat_packs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seat_packs_organisation_id"))

    op.drop_table("seat_packs")
    op.drop_table("inhouse_requests")
    op.drop_table("calendar_feeds")
    op.drop_table("venues")
