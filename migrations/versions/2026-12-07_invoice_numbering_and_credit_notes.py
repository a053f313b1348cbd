"""Gapless invoice and credit note numbers; credit notes on refunds; organisation addresses.

``document_sequences`` holds the last number of each series (INV, CN) per year. It starts
empty: ``app/payments/numbering.py`` makes a year's row on first use, starting after the
highest number of that series and year already on record, so the invoice numbers orders
already carry (``INV-<year>-<order id>``) are kept exactly as they are and never given
again. ``refunds.credit_note_number`` (nullable, unique) names a refund's credit note;
refunds made before have none. ``refunds.status`` widens from 12 to 20 characters for
Stripe's ``requires_action``. ``organisations.address`` (text, "" for existing ones) is
printed on their invoices. Downgrading drops the table and the two columns (credit note
numbers given are lost with them) and narrows the status column back, which fails if a
refund is ``requires_action`` (it would not fit).

Revision ID: bfe565e9daa7
Revises: 5d1e8b3c9a20
Create Date: 2026-12-07 16:03:08.368561
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bfe565e9daa7"
down_revision: str | None = "5d1e8b3c9a20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_sequences",
        sa.Column("series", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", "year", name=op.f("pk_document_sequences")),
    )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.Text(), nullable=True))
    op.execute("UPDATE organisations SET address = '' WHERE address IS NULL")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.alter_column("address", existing_type=sa.Text(), nullable=False)

    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credit_note_number", sa.String(length=20), nullable=True))
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=12),
            type_=sa.String(length=20),
            existing_nullable=False,
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_refunds_credit_note_number"), ["credit_note_number"]
        )


def downgrade() -> None:
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_refunds_credit_note_number"), type_="unique")
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=20),
            type_=sa.String(length=12),
            existing_nullable=False,
        )
        batch_op.drop_column("credit_note_number")

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("address")

    op.drop_table("document_sequences")
