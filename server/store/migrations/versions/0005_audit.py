"""The audit trail is append-only: triggers refuse UPDATE and DELETE on ``audit`` (and TRUNCATE on
PostgreSQL), and an index on ``at`` serves ``ioc audit export --since``.

Revision ID: 0005
Revises: 0004
Create Date: 2025-11-25
"""
from __future__ import annotations

from alembic import op

from server.store.migrations.coltypes import is_postgres

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

MESSAGE = "audit is append-only"
PG_FUNCTION = f"""
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$
"""


def upgrade() -> None:
    """Create ``audit_at`` and the triggers."""
    op.create_index("audit_at", "audit", ["at", "id"])
    if is_postgres():
        op.execute(PG_FUNCTION)
        op.execute("CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit "
                   "FOR EACH ROW EXECUTE FUNCTION audit_append_only()")
        op.execute("CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()")
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER audit_no_{verb.lower()} BEFORE {verb} ON audit "
                   f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {verb} refused'); END")


def downgrade() -> None:
    """Drop the triggers and the index."""
    if is_postgres():
        op.execute("DROP TRIGGER audit_no_truncate ON audit")
        op.execute("DROP TRIGGER audit_no_change ON audit")
        op.execute("DROP FUNCTION audit_append_only()")
    else:
        op.execute("DROP TRIGGER audit_no_update")
        op.execute("DROP TRIGGER audit_no_delete")
    op.drop_index("audit_at", "audit")
