"""Keyed records: small feature state that is not a geo-event (vessel registry, danger zones,
open rule alerts, sensor stations).

Revision ID: 0003
Revises: 0002
Create Date: 2025-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.store.migrations.coltypes import json_text, micros

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the ``records`` table (one JSON document per kind and key)."""
    op.create_table(
        "records",
        sa.Column("kind", sa.Text(), nullable=False), sa.Column("key", sa.Text(), nullable=False),
        sa.Column("doc", json_text(), nullable=False),
        sa.Column("updated_at", micros(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key"))


def downgrade() -> None:
    """Drop it."""
    op.drop_table("records")
