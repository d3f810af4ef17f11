"""Column types that migrations write for both dialects (keep them stable: old revisions use them).

SQLite keeps JSON as text and times as integer epoch microseconds; PostgreSQL uses ``jsonb`` and
``timestamptz``.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


def json_text() -> sa.types.TypeEngine:
    """Return JSON: ``jsonb`` on PostgreSQL, ``TEXT`` on SQLite."""
    return sa.Text().with_variant(postgresql.JSONB(), "postgresql")


def micros() -> sa.types.TypeEngine:
    """Return a time: ``timestamptz`` on PostgreSQL, integer epoch microseconds on SQLite."""
    return sa.BigInteger().with_variant(postgresql.TIMESTAMP(timezone=True), "postgresql")


def big_key() -> sa.types.TypeEngine:
    """Return a 64-bit key: ``bigint`` on PostgreSQL, ``INTEGER`` (the rowid) on SQLite."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def is_postgres() -> bool:
    """Return True when the migration runs on PostgreSQL."""
    from alembic import op
    return op.get_bind().dialect.name == "postgresql"
