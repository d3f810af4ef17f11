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
from server.store.base import (UPDATABLE, AppendResult, AuditEntry, EventQuery, EventStore, Page,
                               TokenRecord, UpdateItem)
from server.timefmt import now_micros

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL, category TEXT NOT NULL,
    lat REAL NOT NULL, lon REAL NOT NULL, cell INTEGER NOT NULL,
    area TEXT, agency_id TEXT NOT NULL,
    observed_at INTEGER NOT NULL, received_at INTEGER NOT NULL,
    source_channel TEXT NOT NULL, source_ref TEXT,
    severity TEXT NOT NULL, status TEXT NOT NULL,
    props TEXT NOT NULL, copied_to TEXT NOT NULL DEFAULT '[]', deadline INTEGER
);
CREATE TABLE IF NOT EXISTS event_copies (
    event_id TEXT NOT NULL, agency_id TEXT NOT NULL, PRIMARY KEY (agency_id, event_id)
);
CREATE INDEX IF NOT EXISTS events_kind_seq ON events (kind, seq);
CREATE INDEX IF NOT EXISTS events_area_seq ON events (area, seq);
CREATE INDEX IF NOT EXISTS events_agency_seq ON events (agency_id, seq);
CREATE INDEX IF NOT EXISTS events_cell ON events (cell);
CREATE UNIQUE INDEX IF NOT EXISTS events_source_ref ON events (source_channel, source_ref)
    WHERE source_ref IS NOT NULL;
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counters VALUES ('seq', 0);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, event_id TEXT, action TEXT NOT NULL,
    actor TEXT, role TEXT NOT NULL, reason TEXT, data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS audit_event ON audit (event_id, id);
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

COLUMNS = ("seq", "id", "kind", "category", "lat", "lon", "cell", "area", "agency_id", "observed_at",
           "received_at", "source_channel", "source_ref", "severity", "status", "deadline", "props",
           "copied_to")
JSON_COLUMNS = ("props", "copied_to")
SELECT = "SELECT " + ", ".join(COLUMNS) + " FROM events"
INSERT = (f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})")


def sqlite_path(url: str) -> Path:
    """Return the file path of a ``sqlite:///PATH`` URL (relative paths stay relative)."""
    return Path(url.removeprefix("sqlite:///"))


def _row(r: sqlite3.Row) -> dict[str, Any]:
    d = dict(r)
    for col in JSON_COLUMNS:
        d[col] = orjson.loads(d[col])
    return d


def _column_value(col: str, value: Any) -> Any:
    return orjson.dumps(value).decode() if col in JSON_COLUMNS else value


def _check_updatable(changes: dict[str, Any]) -> None:
    bad = set(changes) - UPDATABLE
    if bad:
        raise ValueError(f"cannot update {sorted(bad)}")


def where_clause(since: int, q: EventQuery) -> tuple[str, list[Any]]:
    """Return the SQL WHERE text and parameters of an EventQuery (``?`` placeholders)."""
    sql, args = ["seq > ?"], [since]
    if q.kinds is not None:
        sql.append(f"kind IN ({', '.join('?' * len(q.kinds))})")
        args.extend(sorted(q.kinds))
    for col in ("category", "area"):
        if getattr(q, col) is not None:
            sql.append(f"{col} = ?")
            args.append(getattr(q, col))
    if q.agency_id is not None:
        sql.append("(agency_id = ? OR id IN (SELECT event_id FROM event_copies WHERE agency_id = ?))")
        args.extend([q.agency_id, q.agency_id])
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

    def _write(self, fn, *args):  # noqa: ANN001, ANN202
        c = self._conn()
        c.execute("BEGIN IMMEDIATE")
        try:
            result = fn(c, *args)
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        return result

    @staticmethod
    def _next_seq(c: sqlite3.Connection) -> int:
        return c.execute("UPDATE counters SET value = value + 1 WHERE name = 'seq' "
                         "RETURNING value").fetchone()[0]

    def append(self, events: list[NewEvent], idem_key: str | None = None,
               idem_hash: str | None = None) -> AppendResult:
        """See EventStore.append."""
        return self._write(self._append_tx, events, idem_key, idem_hash)

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
        values = [self._next_seq(c)] + [_column_value(col, getattr(ev, col)) for col in COLUMNS[1:]]
        c.execute(INSERT, values)
        self._set_copies(c, ev.id, ev.copied_to)
        return ev.id

    @staticmethod
    def _set_copies(c: sqlite3.Connection, event_id: str, agencies: list[str]) -> None:
        c.execute("DELETE FROM event_copies WHERE event_id = ?", (event_id,))
        c.executemany("INSERT INTO event_copies VALUES (?, ?)", [(event_id, a) for a in agencies])

    def update(self, event_id: str, changes: dict[str, Any], audit: AuditEntry,
               expect_status: str | None = None) -> dict[str, Any] | None:
        """See EventStore.update."""
        _check_updatable(changes)
        return self._write(self._update_tx, event_id, changes, audit, expect_status)

    def update_many(self, changes: list[UpdateItem]) -> list[dict[str, Any]]:
        """See EventStore.update_many: here in one transaction."""
        for _, change, _ in changes:
            _check_updatable(change)
        return self._write(self._update_many_tx, changes)

    def _update_many_tx(self, c: sqlite3.Connection,
                        changes: list[UpdateItem]) -> list[dict[str, Any]]:
        updated = [self._update_tx(c, event_id, change, audit, None)
                   for event_id, change, audit in changes]
        return [e for e in updated if e is not None]

    def _update_tx(self, c: sqlite3.Connection, event_id: str, changes: dict[str, Any],
                   audit: AuditEntry, expect_status: str | None) -> dict[str, Any] | None:
        row = c.execute("SELECT status FROM events WHERE id = ?", (event_id,)).fetchone()
        if row is None:
            return None
        if expect_status is not None and row["status"] != expect_status:
            raise Conflict(f"the event is {row['status']!r}, not {expect_status!r}; reload it")
        values = {k: _column_value(k, v) for k, v in changes.items()}
        values["seq"] = self._next_seq(c)
        sets = ", ".join(f"{k} = ?" for k in values)
        c.execute(f"UPDATE events SET {sets} WHERE id = ?", [*values.values(), event_id])
        if "copied_to" in changes:
            self._set_copies(c, event_id, changes["copied_to"])
        audit.event_id, audit.at = event_id, audit.at or now_micros()
        self._insert_audit(c, audit)
        return self._by_ids(c, [event_id])[0]

    @staticmethod
    def _insert_audit(c: sqlite3.Connection, e: AuditEntry) -> None:
        c.execute("INSERT INTO audit (at, event_id, action, actor, role, reason, data) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?)",
                  (e.at or now_micros(), e.event_id, e.action, e.actor, e.role, e.reason,
                   orjson.dumps(e.data).decode()))

    def history(self, event_id: str) -> list[AuditEntry]:
        """See EventStore.history."""
        rows = self._conn().execute(
            "SELECT action, actor, role, event_id, reason, data, at FROM audit "
            "WHERE event_id = ? ORDER BY id", (event_id,)).fetchall()
        return [AuditEntry(**{**dict(r), "data": orjson.loads(r["data"])}) for r in rows]

    def record_audit(self, entry: AuditEntry) -> None:
        """See EventStore.record_audit."""
        self._write(self._insert_audit, entry)

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
            head = c.execute("SELECT value FROM counters WHERE name = 'seq'").fetchone()[0]
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
        return self._conn().execute("SELECT value FROM counters WHERE name = 'seq'").fetchone()[0]

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
