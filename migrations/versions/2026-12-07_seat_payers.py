"""Every seat records its payer; organisations say whether they pay by invoice.

``enrollments.payer`` (order | seat_pack | complimentary) and ``payer_note`` record who
pays for each held or confirmed seat. Existing rows are filled in from what already
exists: a seat drawn from a pack is ``seat_pack``; a seat with a line on a live order is
``order``; a confirmed seat on a free session is ``complimentary`` ("Free session").
Confirmed seats that have none of these (coordinators' enrolments, which used to be
confirmed without any order) become ``complimentary`` with the note "Enrolled by a
coordinator before payers were recorded", so they are listed, not silently unpaid; a
coordinator can invoice them from the roster.

``organisations.pays_by_invoice`` used to be implied by holding a seat pack valid today;
every organisation that holds any seat pack keeps paying by invoice.

Downgrading drops the three columns (nothing else depended on them).

Revision ID: 6a1d0c9e5b21
Revises: 3f9c2a7d41b6
Create Date: 2026-12-07 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6a1d0c9e5b21"
down_revision: str | None = "3f9c2a7d41b6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEATED = "('held', 'confirmed')"
LIVE_ORDERS = "('open', 'awaiting_payment', 'paid', 'refunded', 'partially_refunded')"


def upgrade() -> None:
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payer", sa.String(16)))
        batch_op.add_column(
            sa.Column("payer_note", sa.String(300), nullable=False, server_default="")
        )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pays_by_invoice", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE organisations SET pays_by_invoice = TRUE WHERE id IN "
        "(SELECT organisation_id FROM seat_packs)"
    )
    op.execute(
        f"UPDATE enrollments SET payer = 'seat_pack' "
        f"WHERE seat_pack_id IS NOT NULL AND status IN {SEATED}"
    )
    op.execute(
        "UPDATE enrollments SET payer = 'order' WHERE payer IS NULL AND id IN ("
        "SELECT l.enrollment_id FROM order_lines l JOIN orders o ON o.id = l.order_id "
        f"WHERE l.enrollment_id IS NOT NULL AND o.status IN {LIVE_ORDERS})"
    )
    # A held seat waits for its order (made on the payment page).
    op.execute("UPDATE enrollments SET payer = 'order' WHERE payer IS NULL AND status = 'held'")
    op.execute(
        "UPDATE enrollments SET payer = 'complimentary', payer_note = 'Free session' "
        "WHERE payer IS NULL AND status = 'confirmed' AND session_id IN "
        "(SELECT id FROM course_sessions WHERE price_cents = 0)"
    )
    op.execute(
        "UPDATE enrollments SET payer = 'complimentary', "
        "payer_note = 'Enrolled by a coordinator before payers were recorded' "
        "WHERE payer IS NULL AND status = 'confirmed'"
    )


def downgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("pays_by_invoice")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_column("payer_note")
        batch_op.drop_column("payer")
