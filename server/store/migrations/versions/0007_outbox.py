"""The outbox: every message to be sent (a warning to a contact, a case number to a citizen, an
assignment to a tablet), stored before it is sent, claimed by one node at a time, retried and
dead-lettered. ``key`` makes each (notification, recipient, channel) one row.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.store.migrations.coltypes import big_key, json_text, micros

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``outbox`` and its indexes."""
    op.create_table(
        "outbox",
        sa.Column("id", big_key(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.Text(), nullable=False, unique=True),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=True),
        sa.Column("lang", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("data", json_text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", micros(), nullable=False),
        sa.Column("claimed_by", sa.Text(), nullable=True),
        sa.Column("claimed_until", micros(), nullable=True),
        sa.Column("created_at", micros(), nullable=False),
        sa.Column("sent_at", micros(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True))
    op.create_index("outbox_due", "outbox", ["state", "next_at"])
    op.create_index("outbox_source", "outbox", ["source"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("outbox_source", "outbox")
    op.drop_index("outbox_due", "outbox")
    op.drop_table("outbox")
