"""Alembic migrations shared by both stores (see ``server.store.migrate``)."""
