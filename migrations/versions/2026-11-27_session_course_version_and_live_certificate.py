"""Sessions pin the course version they teach; one certificate in force per person and version.

``course_sessions.course_version_id`` (nullable, ON DELETE RESTRICT) is filled for existing
sessions with the version their certificates record, else the course's current version
(NULL only when the course has no version). Before the partial unique index on
certificates in force (not revoked, not replaced) per (user_id, course_version_id) is
created, any person holding several for one version keeps the newest (highest id); the
others are marked replaced by it, as a re-issue would. Downgrading drops the column and
the index but leaves those replacement marks: they remain true statements.

Revision ID: 88b6252c3e8f
Revises: 6190a720fc81
Create Date: 2026-11-27 00:25:39.908160
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "88b6252c3e8f"
down_revision: str | None = "6190a720fc81"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "revoked_at IS NULL AND replaced_by_id IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("course_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("course_version_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_course_sessions_course_version_id_course_versions"),
            "course_versions",
            ["course_version_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    # A session that already has certificates taught the version they record (they were
    # issued with the version current then); any other takes the current version.
    op.execute(
        """
        UPDATE course_sessions SET course_version_id = COALESCE(
            (SELECT c.course_version_id FROM certificates c
             WHERE c.session_id = course_sessions.id
             ORDER BY c.id DESC LIMIT 1),
            (SELECT v.id FROM course_versions v
             WHERE v.course_id = course_sessions.course_id AND v.is_current
             ORDER BY v.id DESC LIMIT 1)
        )
        WHERE course_version_id IS NULL
        """
    )

    _keep_newest_live_certificate()
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(
            "uq_certificates_live_user_version",
            ["user_id", "course_version_id"],
            unique=True,
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )


def _keep_newest_live_certificate() -> None:
    # The app used to allow one in force per session as well as an online one, so a
    # person may hold several for one version. Keep the newest; the others point at it
    # exactly as after a re-issue (revoked when the newest was issued, "Replaced by ...").
    bind = op.get_bind()
    duplicates = bind.execute(
        sa.text(
            f"""
            SELECT c.id, keeper.id FROM certificates c
            JOIN (SELECT user_id, course_version_id, MAX(id) AS id FROM certificates
                  WHERE {LIVE} GROUP BY user_id, course_version_id HAVING COUNT(*) > 1) keeper
              ON keeper.user_id = c.user_id AND keeper.course_version_id = c.course_version_id
            WHERE c.revoked_at IS NULL AND c.replaced_by_id IS NULL AND c.id < keeper.id
            ORDER BY c.id
            """
        )
    ).all()
    for old_id, keeper_id in duplicates:
        bind.execute(
            sa.text(
                """
                UPDATE certificates SET
                    replaced_by_id = :keeper,
                    revoked_at = (SELECT k.issued_at FROM certificates k WHERE k.id = :keeper),
                    revoke_reason = 'Replaced by '
                        || (SELECT k.serial FROM certificates k WHERE k.id = :keeper)
                WHERE id = :old
                """
            ),
            {"keeper": keeper_id, "old": old_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_certificates_live_user_version",
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )

    with op.batch_alter_table("course_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_course_sessions_course_version_id_course_versions"),
            type_="foreignkey",
        )
        batch_op.drop_column("course_version_id")
