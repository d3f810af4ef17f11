"""An index on ``received_at`` for the wall's key figures (events received today).

Revision ID: 0004
Revises: 0003
Create Date: 2025-11-25
"""
from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``events_received``."""
    op.create_index("events_received", "events", ["received_at"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("events_received", "events")
