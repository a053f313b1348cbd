"""The session day: walk-ins over capacity and closing a session for its certificates.

``enrollments.capacity_override_by_id`` / ``capacity_override_reason`` record the
coordinator who let a walk-in take a seat over the session's capacity, and why ("" and
NULL for every existing seat: none was given over capacity). ``course_sessions.closed_at``
is set when a facilitator closes a session after its last day (NULL for existing ones:
their certificates stay due when the last day ends). ``certificates.earned_by``
(attendance | online) and ``earned_place`` say how a certificate was earned; existing
ones are filled from their session (none: online; else attended, at the session's venue
name). Downgrading drops the five columns; overrides' reasons are lost with them.

Revision ID: 8c4e2f1a9d37
Revises: bfe565e9daa7
Create Date: 2026-12-08 03:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8c4e2f1a9d37"
down_revision: str | None = "bfe565e9daa7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("capacity_override_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("capacity_override_reason", sa.String(length=300), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_enrollments_capacity_override_by_id_users"),
            "users",
            ["capacity_override_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute("UPDATE enrollments SET capacity_override_reason = ''")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.alter_column(
            "capacity_override_reason", existing_type=sa.String(length=300), nullable=False
        )
    with op.batch_alter_table("course_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("earned_by", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("earned_place", sa.String(length=200), nullable=True))
    # Certificates already issued: online when they name no session, else attended, at
    # the session's venue (or "online" for a session with only an online link).
    op.execute(
        "UPDATE certificates SET earned_by = CASE WHEN session_id IS NULL "
        "THEN 'online' ELSE 'attendance' END"
    )
    op.execute(
        "UPDATE certificates SET earned_place = COALESCE(("
        "SELECT CASE WHEN venues.name IS NOT NULL THEN venues.name "
        "WHEN course_sessions.online_url IS NOT NULL THEN 'online' ELSE '' END "
        "FROM course_sessions LEFT JOIN venues ON venues.id = course_sessions.venue_id "
        "WHERE course_sessions.id = certificates.session_id), '')"
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.alter_column("earned_by", existing_type=sa.String(length=12), nullable=False)
        batch_op.alter_column("earned_place", existing_type=sa.String(length=200), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("earned_place")
        batch_op.drop_column("earned_by")
    with op.batch_alter_table("course_sessions", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_enrollments_capacity_override_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("capacity_override_reason")
        batch_op.drop_column("capacity_override_by_id")
