"""People: each token has an owner (the person it belongs to, or who answers for a machine's)
and the time it was last used (the idle expiry of sign-in sessions, "last used" on the admin
page); an index finds a person's sessions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.store.migrations.coltypes import micros

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``tokens.owner``, ``tokens.last_used_at`` and the index ``tokens_owner``."""
    with op.batch_alter_table("tokens") as batch:
        batch.add_column(sa.Column("owner", sa.Text(), nullable=True))
        batch.add_column(sa.Column("last_used_at", micros(), nullable=True))
    op.create_index("tokens_owner", "tokens", ["owner"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("tokens_owner", "tokens")
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("owner")
