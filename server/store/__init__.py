"""Stores: ``open_store(url, tz)`` picks the implementation from the URL."""
from __future__ import annotations

from datetime import timezone

from server.store.base import (AppendResult, AuditEntry, CountQuery, EventQuery, EventStore, Page,
                               TokenRecord)

__all__ = ["AppendResult", "AuditEntry", "CountQuery", "EventQuery", "EventStore", "Page",
           "TokenRecord", "open_store"]


def open_store(url: str, tz: timezone) -> EventStore:
    """Return the store for ``url``: ``sqlite:///PATH`` or ``postgresql+psycopg://…``."""
    if url.startswith("sqlite:///"):
        from server.store.sqlite import SQLiteStore, sqlite_path
        return SQLiteStore(sqlite_path(url), tz)
    raise ValueError(f"unsupported store URL {url!r}: use sqlite:///PATH")
