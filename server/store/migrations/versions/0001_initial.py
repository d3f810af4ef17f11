"""The event log, copies, counters, audit trail, idempotency keys and tokens.

Revision ID: 0001
Revises:
Create Date: 2025-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.store.migrations.coltypes import big_key, json_text, micros

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TEXT, NULL_TEXT = {"type_": sa.Text(), "nullable": False}, {"type_": sa.Text(), "nullable": True}


def _events() -> None:
    op.create_table(
        "events",
        sa.Column("seq", big_key(), primary_key=True, autoincrement=False),
        sa.Column("id", **TEXT), sa.Column("kind", **TEXT), sa.Column("category", **TEXT),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("cell", sa.BigInteger(), nullable=False),
        sa.Column("area", **NULL_TEXT), sa.Column("agency_id", **TEXT),
        sa.Column("observed_at", micros(), nullable=False),
        sa.Column("received_at", micros(), nullable=False),
        sa.Column("source_channel", **TEXT), sa.Column("source_ref", **NULL_TEXT),
        sa.Column("severity", **TEXT), sa.Column("status", **TEXT),
        sa.Column("props", json_text(), nullable=False),
        sa.Column("copied_to", json_text(), nullable=False, server_default=sa.text("'[]'")),
        sa.Column("deadline", micros(), nullable=True),
        sa.UniqueConstraint("id", name="events_id_key"))
    for name, cols in (("kind_seq", ["kind", "seq"]), ("area_seq", ["area", "seq"]),
                       ("agency_seq", ["agency_id", "seq"]), ("cell", ["cell"])):
        op.create_index(f"events_{name}", "events", cols)
    has_ref = sa.text("source_ref IS NOT NULL")
    op.create_index("events_source_ref", "events", ["source_channel", "source_ref"], unique=True,
                    postgresql_where=has_ref, sqlite_where=has_ref)
    op.create_table("event_copies", sa.Column("event_id", **TEXT), sa.Column("agency_id", **TEXT),
                    sa.PrimaryKeyConstraint("agency_id", "event_id"))


def _bookkeeping() -> None:
    counters = op.create_table("counters", sa.Column("name", sa.Text(), primary_key=True),
                               sa.Column("value", sa.BigInteger(), nullable=False))
    op.bulk_insert(counters, [{"name": "seq", "value": 0}])
    op.create_table(
        "audit",
        sa.Column("id", big_key(), primary_key=True, autoincrement=True),
        sa.Column("at", micros(), nullable=False), sa.Column("event_id", **NULL_TEXT),
        sa.Column("action", **TEXT), sa.Column("actor", **NULL_TEXT), sa.Column("role", **TEXT),
        sa.Column("reason", **NULL_TEXT),
        sa.Column("data", json_text(), nullable=False, server_default=sa.text("'{}'")),
        sqlite_autoincrement=True)
    op.create_index("audit_event", "audit", ["event_id", "id"])
    op.create_table("idempotency", sa.Column("key", sa.Text(), primary_key=True),
                    sa.Column("request_hash", **TEXT),
                    sa.Column("event_ids", json_text(), nullable=False),
                    sa.Column("created_at", micros(), nullable=False))
    op.create_table(
        "tokens",
        sa.Column("id", sa.Text(), primary_key=True), sa.Column("hash", **TEXT),
        sa.Column("role", **TEXT), sa.Column("agency_id", **NULL_TEXT),
        sa.Column("label", sa.Text(), nullable=False, server_default=sa.text("''")),
        sa.Column("created_at", micros(), nullable=False),
        sa.Column("expires_at", micros(), nullable=True),
        sa.Column("revoked_at", micros(), nullable=True),
        sa.Column("extra", json_text(), nullable=False, server_default=sa.text("'{}'")),
        sa.UniqueConstraint("hash", name="tokens_hash_key"))


def upgrade() -> None:
    """Create the tables of the walking skeleton's store."""
    _events()
    _bookkeeping()


def downgrade() -> None:
    """Drop every table."""
    for table in ("tokens", "idempotency", "audit", "counters", "event_copies", "events"):
        op.drop_table(table)
