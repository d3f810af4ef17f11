"""Stores: ``open_store(url, tz)`` picks the implementation from the URL."""
from __future__ import annotations

from datetime import timezone

from server.store.base import (AppendResult, AuditEntry, CountQuery, EventQuery, EventStore, Page,
                               TokenRecord)

POSTGRES_SCHEMES = frozenset({"postgresql+psycopg", "postgresql", "postgres"})

__all__ = ["AppendResult", "AuditEntry", "CountQuery", "EventQuery", "EventStore", "Page",
           "TokenRecord", "open_store", "postgres_url"]


def open_store(url: str, tz: timezone) -> EventStore:
    """Return the store for ``url``: ``sqlite:///PATH`` or ``postgresql+psycopg://…``."""
    if url.startswith("sqlite:///"):
        from server.store.sqlite import SQLiteStore, sqlite_path
        return SQLiteStore(sqlite_path(url), tz)
    if url.split("://", 1)[0] in POSTGRES_SCHEMES:
        from server.store.postgis import PostGISStore
        return PostGISStore(postgres_url(url), tz)
    raise ValueError(f"unsupported store URL {url!r}: use sqlite:///PATH or postgresql+psycopg://…")


def postgres_url(url: str) -> str:
    """Return ``url`` with the psycopg (3) driver named: ``postgresql://`` and ``postgres://``
    mean ``postgresql+psycopg://``."""
    scheme, rest = url.split("://", 1)
    return f"postgresql+psycopg://{rest}" if scheme in ("postgresql", "postgres") else url
