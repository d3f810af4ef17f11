"""Embedded store: SQLite in WAL mode with ``synchronous=FULL`` (a commit is on disk)."""
from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import timezone
from pathlib import Path
from typing import Any

import orjson

from server.errors import Conflict
from server.events import NewEvent, wire_event
from server.store.base import AppendResult, EventQuery, EventStore, Page, TokenRecord

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL, category TEXT NOT NULL,
    lat REAL NOT NULL, lon REAL NOT NULL, cell INTEGER NOT NULL,
    area TEXT, agency_id TEXT NOT NULL,
    observed_at INTEGER NOT NULL, received_at INTEGER NOT NULL,
    source_channel TEXT NOT NULL, source_ref TEXT,
    severity TEXT NOT NULL, status TEXT NOT NULL,
    props TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_kind_seq ON events (kind, seq);
CREATE INDEX IF NOT EXISTS events_area_seq ON events (area, seq);
CREATE INDEX IF NOT EXISTS events_agency_seq ON events (agency_id, seq);
CREATE INDEX IF NOT EXISTS events_cell ON events (cell);
CREATE UNIQUE INDEX IF NOT EXISTS events_source_ref ON events (source_channel, source_ref)
    WHERE source_ref IS NOT NULL;
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, event_ids TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL, agency_id TEXT,
    label TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL, expires_at INTEGER,
    revoked_at INTEGER, extra TEXT NOT NULL DEFAULT '{}'
);
"""

COLUMNS = ("id", "kind", "category", "lat", "lon", "cell", "area", "agency_id", "observed_at",
           "received_at", "source_channel", "source_ref", "severity", "status", "props")
SELECT = "SELECT seq, " + ", ".join(COLUMNS) + " FROM events"
INSERT = (f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})")


def sqlite_path(url: str) -> Path:
    """Return the file path of a ``sqlite:///PATH`` URL (relative paths stay relative)."""
    return Path(url.removeprefix("sqlite:///"))


def _row(r: sqlite3.Row) -> dict[str, Any]:
    d = dict(r)
    d["props"] = orjson.loads(d["props"])
    return d


def where_clause(since: int, q: EventQuery) -> tuple[str, list[Any]]:
    """Return the SQL WHERE text and parameters of an EventQuery (``?`` placeholders)."""
    sql, args = ["seq > ?"], [since]
    if q.kinds is not None:
        sql.append(f"kind IN ({', '.join('?' * len(q.kinds))})")
        args.extend(sorted(q.kinds))
    for col in ("category", "area", "agency_id"):
        if getattr(q, col) is not None:
            sql.append(f"{col} = ?")
            args.append(getattr(q, col))
    if q.bbox is not None:
        sql.append("lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?")
        args.extend([q.bbox[0], q.bbox[2], q.bbox[1], q.bbox[3]])
    return " AND ".join(sql), args


class SQLiteStore(EventStore):
    """The embedded store: one connection per thread, one writer thread by contract."""

    def __init__(self, path: str | Path, tz: timezone):
        super().__init__(tz)
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._conn().executescript(SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30,
                                   check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def append(self, events: list[NewEvent], idem_key: str | None = None,
               idem_hash: str | None = None) -> AppendResult:
        """See EventStore.append."""
        c = self._conn()
        c.execute("BEGIN IMMEDIATE")
        try:
            result = self._append_tx(c, events, idem_key, idem_hash)
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        return result

    def _append_tx(self, c: sqlite3.Connection, events: list[NewEvent], idem_key: str | None,
                   idem_hash: str | None) -> AppendResult:
        if idem_key is not None:
            prior = c.execute("SELECT request_hash, event_ids FROM idempotency WHERE key = ?",
                              (idem_key,)).fetchone()
            if prior is not None:
                if prior["request_hash"] != idem_hash:
                    raise Conflict("this Idempotency-Key was used for a different request; "
                                   "use a new key for new data")
                return AppendResult(self._by_ids(c, orjson.loads(prior["event_ids"])), True)
        ids = [self._insert_one(c, ev) for ev in events]
        if idem_key is not None:
            c.execute("INSERT INTO idempotency VALUES (?, ?, ?, ?)",
                      (idem_key, idem_hash, orjson.dumps(ids).decode(), events[0].received_at))
        return AppendResult(self._by_ids(c, ids), False)

    def _insert_one(self, c: sqlite3.Connection, ev: NewEvent) -> str:
        if ev.source_ref is not None:
            hit = c.execute("SELECT id FROM events WHERE source_channel = ? AND source_ref = ?",
                            (ev.source_channel, ev.source_ref)).fetchone()
            if hit is not None:
                return hit["id"]
        values = [getattr(ev, col) for col in COLUMNS[:-1]] + [orjson.dumps(ev.props).decode()]
        c.execute(INSERT, values)
        return ev.id

    def _by_ids(self, c: sqlite3.Connection, ids: list[str]) -> list[dict[str, Any]]:
        rows: dict[str, dict] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            q = f"{SELECT} WHERE id IN ({', '.join('?' * len(chunk))})"
            rows.update({r["id"]: _row(r) for r in c.execute(q, chunk)})
        return [wire_event(rows[i], self.tz) for i in ids]

    def since(self, since: int, query: EventQuery, limit: int) -> Page:
        """See EventStore.since."""
        c = self._conn()
        where, args = where_clause(since, query)
        c.execute("BEGIN")
        try:
            rows = c.execute(f"{SELECT} WHERE {where} ORDER BY seq LIMIT ?", args + [limit]).fetchall()
            head = c.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
        finally:
            c.execute("COMMIT")
        events = [wire_event(_row(r), self.tz) for r in rows]
        next_since = events[-1]["seq"] if len(events) == limit else max(head, since)
        return Page(events, next_since)

    def get(self, event_id: str) -> dict[str, Any] | None:
        """See EventStore.get."""
        r = self._conn().execute(f"{SELECT} WHERE id = ?", (event_id,)).fetchone()
        return wire_event(_row(r), self.tz) if r else None

    def last_seq(self) -> int:
        """See EventStore.last_seq."""
        return self._conn().execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]

    def save_token(self, token: TokenRecord) -> None:
        """See EventStore.save_token."""
        self._conn().execute(
            "INSERT INTO tokens VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (token.id, token.hash, token.role, token.agency_id, token.label, token.created_at,
             token.expires_at, token.revoked_at, orjson.dumps(token.extra).decode()))

    def token_by_hash(self, token_hash: str) -> TokenRecord | None:
        """See EventStore.token_by_hash."""
        r = self._conn().execute("SELECT * FROM tokens WHERE hash = ?", (token_hash,)).fetchone()
        if r is None:
            return None
        d = dict(r)
        d["extra"] = orjson.loads(d["extra"])
        return TokenRecord(**d)

    def revoke_tokens(self, label: str, at: int) -> int:
        """See EventStore.revoke_tokens."""
        cur = self._conn().execute(
            "UPDATE tokens SET revoked_at = ? WHERE label = ? AND revoked_at IS NULL", (at, label))
        return cur.rowcount

    def close(self) -> None:
        """Close every connection opened by any thread."""
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
