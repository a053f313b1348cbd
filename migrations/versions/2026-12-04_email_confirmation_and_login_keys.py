"""Self-made accounts wait for their e-mail to be confirmed; sign-in counters change keys.

``users.unconfirmed_since`` (nullable) is set while an account made by self-service
sign-up waits for its owner to open the link mailed to them (or reset the password);
such an account cannot sign in. Every existing account stays NULL: able to sign in.

Sign-in failures used to be counted per account (``email:...``); they are now counted
per account and address together, so those rows are no longer read by anything and are
deleted. Downgrading drops the column (an account still waiting could then sign in with
its password, as before); the deleted counters held at most 15 minutes of history and
are not brought back.

Revision ID: 3f9c2a7d41b6
Revises: 88b6252c3e8f
Create Date: 2026-12-04 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3f9c2a7d41b6"
down_revision: str | None = "88b6252c3e8f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unconfirmed_since", sa.DateTime(timezone=True)))
    op.execute("DELETE FROM login_throttle WHERE key LIKE 'email:%'")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("unconfirmed_since")
