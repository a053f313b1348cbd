"""Course versions can be retired: ``course_versions.retired_at`` and ``retired_by_id``.

Both nullable; existing versions stay in use (NULL). A retired version gets no new
sessions and is never made current again; sessions that teach it keep it. Downgrading
drops the two columns (who retired what, and when, is lost; the versions stay).

Revision ID: 7c4e2a91d5b3
Revises: 8c4e2f1a9d37
Create Date: 2026-12-08 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c4e2a91d5b3"
down_revision: str | None = "8c4e2f1a9d37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("course_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("retired_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_course_versions_retired_by_id_users"),
            "users",
            ["retired_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("course_versions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_course_versions_retired_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("retired_by_id")
        batch_op.drop_column("retired_at")
