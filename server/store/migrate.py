"""Schema migrations with Alembic: one history (``server/store/migrations``) for both stores.

``ensure_schema`` brings a database to the newest revision when it is behind (stores call it when
they open, so ``ioc serve`` migrates by itself); ``ioc db upgrade`` calls ``upgrade``. On
PostgreSQL a transaction-scoped advisory lock makes nodes that start together migrate one at a
time: the later ones then find the schema current. A SQLite file made by the walking skeleton
(tables, no ``alembic_version``) is adopted as revision 0001 and upgraded from there.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
ADVISORY_LOCK = 48_200_001  # pg_advisory_xact_lock key held while migrating
SKELETON_REVISION = "0001"


def engine_for(url: str) -> sa.Engine:
    """Return an engine for migrating ``url``; on SQLite each transaction is ``BEGIN IMMEDIATE``
    so that DDL is atomic and waits for the store's writers."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    if engine.dialect.name == "sqlite":
        @sa.event.listens_for(engine, "connect")
        def _manual_transactions(dbapi_conn, _record) -> None:  # noqa: ANN001
            dbapi_conn.isolation_level = None

        @sa.event.listens_for(engine, "begin")
        def _begin_immediate(conn: sa.Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    return engine


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """Return the Alembic configuration, bound to ``connection`` when given."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """Return the newest revision id."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(connection: sa.Connection) -> str | None:
    """Return the revision the database is at (None: never migrated)."""
    return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def _migrating(engine: sa.Engine) -> Iterator[sa.Connection]:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
        yield conn


def upgrade(engine: sa.Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate up to ``revision`` in one transaction; return (revision before, revision after)."""
    with _migrating(engine) as conn:
        before = current(conn)
        cfg = alembic_config(conn)
        if before is None and sa.inspect(conn).has_table("events"):
            log.info("adopting a store made before migrations as revision %s", SKELETON_REVISION)
            command.stamp(cfg, SKELETON_REVISION)
        command.upgrade(cfg, revision)
        return before, current(conn)


def downgrade(engine: sa.Engine, revision: str) -> tuple[str | None, str | None]:
    """Migrate down to ``revision`` (``base``: nothing); return (before, after)."""
    with _migrating(engine) as conn:
        before = current(conn)
        command.downgrade(alembic_config(conn), revision)
        return before, current(conn)


def ensure_schema(engine: sa.Engine) -> None:
    """Upgrade the database to the newest revision if it is behind (logged); else do nothing."""
    with engine.connect() as conn:
        if current(conn) == head():
            return
    before, after = upgrade(engine)
    log.info("database schema migrated from %s to %s", before or "empty", after)
