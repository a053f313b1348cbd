"""Programme prices instead of the day bundle; booking groups for programmes and groups.

A day bundle sold 2-3 courses of one series on the same date, which one person cannot
attend (the tracks run side by side). What replaces it:

- ``programmes`` and ``programme_courses``: 2-4 courses taken on different dates at one
  price. Every series that had a ``bundle_price_cents`` becomes a programme of its
  track courses (in track order) at that price, titled after the series and offered
  while the series is active; the column is dropped.
- ``booking_groups`` replaces ``day_bundles``: every day bundle row is copied with its id,
  user, series, date, price and currency, as kind ``programme`` linked to its series'
  new programme. ``series_id`` and ``on_date`` become nullable (a programme's seats are
  on several dates).
- ``enrollments.bundle_id`` and ``order_lines.bundle_id`` become ``booking_group_id``
  with the same values (the ids were kept), so every enrolment and order line still
  points at its booking; order lines of kind ``bundle_seat`` become ``programme``.
  Orders, their totals and their lines' amounts are not touched.

Downgrading brings back ``day_bundles`` from ``booking_groups`` (a booking made after
the upgrade without a date takes its first seat's date and series), the ``bundle_id``
columns with the same values, the ``bundle_seat`` kind, and each series' bundle price
from the programme whose courses are exactly its tracks; programmes are then dropped.

Revision ID: 5d1e8b3c9a20
Revises: 6a1d0c9e5b21
Create Date: 2026-12-07 16:00:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "5d1e8b3c9a20"
down_revision: str | None = "6a1d0c9e5b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def _programme_tables() -> None:
    op.create_table(
        "programmes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programmes")),
    )
    op.create_table(
        "programme_courses",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_programme_courses_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_programme_courses_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("programme_id", "position", name=op.f("pk_programme_courses")),
        sa.UniqueConstraint(
            "programme_id", "course_id", name=op.f("uq_programme_courses_programme_id")
        ),
    )
    op.create_table(
        "booking_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("on_date", sa.Date(), nullable=True),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_booking_groups_programme_id_programmes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_booking_groups_series_id_series"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_booking_groups_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_groups")),
    )
    with op.batch_alter_table("booking_groups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_booking_groups_programme_id"), ["programme_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_booking_groups_user_id"), ["user_id"], unique=False)


def _day_bundles_table() -> None:
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


def _move_link(table: str, old: str, new: str, old_target: str, new_target: str) -> None:
    """Replace ``table.old`` (FK to ``old_target``) by ``table.new`` with the same values."""
    indexed = table == "enrollments"  # order_lines' link was never indexed
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column(new, sa.Integer(), nullable=True))
    op.execute(f"UPDATE {table} SET {new} = {old}")
    with op.batch_alter_table(table, schema=None) as batch_op:
        if indexed:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{old}"))
        batch_op.drop_constraint(batch_op.f(f"fk_{table}_{old}_{old_target}"), type_="foreignkey")
        batch_op.drop_column(old)
        batch_op.create_foreign_key(
            batch_op.f(f"fk_{table}_{new}_{new_target}"),
            new_target,
            [new],
            ["id"],
            ondelete="SET NULL",
        )
        if indexed:
            batch_op.create_index(batch_op.f(f"ix_{table}_{new}"), [new], unique=False)


def _reset_sequence(table: str) -> None:
    """After rows were copied with their ids, PostgreSQL's next id must come after them."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


def _series_programmes(bind: sa.Connection) -> dict[int, int]:
    """A programme for every series with a bundle price; series id -> programme id."""
    made: dict[int, int] = {}
    series = bind.execute(
        sa.text(
            "SELECT id, title, bundle_price_cents, currency, is_active FROM series "
            "WHERE bundle_price_cents IS NOT NULL ORDER BY id"
        )
    ).all()
    programmes = sa.table(
        "programmes",
        sa.column("id", sa.Integer),
        sa.column("title", sa.String),
        sa.column("description", sa.Text),
        sa.column("price_cents", sa.Integer),
        sa.column("currency", sa.String),
        sa.column("is_active", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    for series_id, title, cents, currency, active in series:
        tracks = bind.execute(
            sa.text("SELECT course_id FROM series_tracks WHERE series_id = :s ORDER BY position"),
            {"s": series_id},
        ).scalars()
        courses = list(dict.fromkeys(tracks))  # each course once, in track order
        if not 2 <= len(courses) <= 4:
            continue  # a single-track series sold no bundle; nothing to offer as a programme
        programme_id = bind.execute(
            programmes.insert()
            .values(
                title=f"{title} programme"[:200],
                description=f"The courses of {title}, each on a different date."[:5000],
                price_cents=max(1, cents),  # a programme price is more than nothing
                currency=currency,
                is_active=bool(active),
                created_at=NOW,
                updated_at=NOW,
            )
            .returning(programmes.c.id)
        ).scalar_one()
        for position, course_id in enumerate(courses, start=1):
            bind.execute(
                sa.text(
                    "INSERT INTO programme_courses (programme_id, position, course_id) "
                    "VALUES (:p, :n, :c)"
                ),
                {"p": programme_id, "n": position, "c": course_id},
            )
        made[series_id] = programme_id
    return made


def upgrade() -> None:
    _programme_tables()
    bind = op.get_bind()
    made = _series_programmes(bind)
    op.execute(
        "INSERT INTO booking_groups "
        "(id, user_id, kind, programme_id, series_id, on_date, price_cents, currency, created_at) "
        "SELECT id, user_id, 'programme', NULL, series_id, on_date, price_cents, currency, "
        "created_at FROM day_bundles"
    )
    for series_id, programme_id in made.items():
        bind.execute(
            sa.text("UPDATE booking_groups SET programme_id = :p WHERE series_id = :s"),
            {"p": programme_id, "s": series_id},
        )
    _reset_sequence("booking_groups")
    _move_link("enrollments", "bundle_id", "booking_group_id", "day_bundles", "booking_groups")
    _move_link("order_lines", "bundle_id", "booking_group_id", "day_bundles", "booking_groups")
    op.execute("UPDATE order_lines SET kind = 'programme' WHERE kind = 'bundle_seat'")
    op.execute("UPDATE enrollments SET source = 'programme' WHERE source = 'bundle'")
    with op.batch_alter_table("day_bundles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_day_bundles_user_id"))
    op.drop_table("day_bundles")
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.drop_column("bundle_price_cents")


def _restore_bundle_prices(bind: sa.Connection) -> None:
    """Each series' bundle price from the programme whose courses are exactly its tracks."""
    tracks: dict[int, list[int]] = {}
    for series_id, course_id in bind.execute(
        sa.text("SELECT series_id, course_id FROM series_tracks ORDER BY series_id, position")
    ):
        tracks.setdefault(series_id, []).append(course_id)
    courses: dict[int, list[int]] = {}
    for programme_id, course_id in bind.execute(
        sa.text(
            "SELECT programme_id, course_id FROM programme_courses ORDER BY programme_id, position"
        )
    ):
        courses.setdefault(programme_id, []).append(course_id)
    prices = dict(
        bind.execute(sa.text("SELECT id, price_cents FROM programmes ORDER BY is_active, id")).all()
    )  # active ones last, so they win
    for programme_id, cents in prices.items():
        for series_id, wanted in tracks.items():
            if wanted == courses.get(programme_id):
                bind.execute(
                    sa.text("UPDATE series SET bundle_price_cents = :c WHERE id = :s"),
                    {"c": cents, "s": series_id},
                )


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bundle_price_cents", sa.Integer(), nullable=True))
    _restore_bundle_prices(bind)
    _day_bundles_table()
    # A booking without a date (a programme booked after the upgrade) takes its first
    # seat's date and series; one with no seat left at all takes the day it was made.
    first_seat = (
        "SELECT {col} FROM enrollments e JOIN course_sessions s ON s.id = e.session_id "
        "WHERE e.booking_group_id = g.id ORDER BY s.starts_on, s.id LIMIT 1"
    )
    made_on = (
        "CAST(g.created_at AS DATE)"
        if bind.dialect.name == "postgresql"
        else "DATE(g.created_at)"  # SQLite: CAST would keep only the year, as a number
    )
    op.execute(
        "INSERT INTO day_bundles (id, user_id, series_id, on_date, price_cents, currency, "
        "created_at) SELECT g.id, g.user_id, "
        f"COALESCE(g.series_id, ({first_seat.format(col='s.series_id')})), "
        f"COALESCE(g.on_date, ({first_seat.format(col='s.starts_on')}), "
        f"{made_on}), g.price_cents, g.currency, g.created_at "
        "FROM booking_groups g"
    )
    _reset_sequence("day_bundles")
    _move_link("enrollments", "booking_group_id", "bundle_id", "booking_groups", "day_bundles")
    _move_link("order_lines", "booking_group_id", "bundle_id", "booking_groups", "day_bundles")
    op.execute("UPDATE order_lines SET kind = 'bundle_seat' WHERE kind = 'programme'")
    op.execute("UPDATE enrollments SET source = 'bundle' WHERE source = 'programme'")
    with op.batch_alter_table("booking_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_groups_user_id"))
        batch_op.drop_index(batch_op.f("ix_booking_groups_programme_id"))
    op.drop_table("booking_groups")
    op.drop_table("programme_courses")
    op.drop_table("programmes")
