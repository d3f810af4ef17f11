"""Embedded store: SQLite in WAL mode with ``synchronous=FULL`` (a commit is on disk).

The schema comes from the shared Alembic history (``server.store.migrate``); reads and writes
use plain ``sqlite3`` for speed. Writers serialise on ``BEGIN IMMEDIATE`` (threads and
processes alike), so ``seq``, taken from the ``counters`` row inside the writing transaction,
commits in order. Polygons are tested with shapely on the rows of their bounding box; nearest-N
widens a box around the point until it holds N events within its inscribed circle.
"""
from __future__ import annotations

import dataclasses
import logging
import sqlite3
import threading
from datetime import timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import numpy as np
import orjson
import shapely

from geo.sphere import EARTH_RADIUS_M, bbox_around, distance_m
from server.core.events import NewEvent, wire_event, wire_feature
from server.store.base import (EXPORT_COLUMNS, AppendResult, AuditEntry, CountQuery, EventQuery,
                               SESSION_LABEL, EventStore, OutboxItem, Page, Settled,
                               TokenRecord, UpdateItem,
                               check_changes,
                               check_replay, check_status, intersect_boxes, plan_append,
                               source_keys, stamp_audit)

if TYPE_CHECKING:
    import geopandas

log = logging.getLogger(__name__)

COLUMNS = ("seq", "id", "kind", "category", "lat", "lon", "cell", "area", "agency_id",
           "observed_at", "received_at", "source_channel", "source_ref", "severity", "status",
           "deadline", "props", "copied_to")
JSON_COLUMNS = ("props", "copied_to")
SELECT = "SELECT " + ", ".join(COLUMNS) + " FROM events"
INSERT = (f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})")
SCAN_BATCH = 1000
FIRST_RADIUS_M = 1000.0


#: SQLite result codes that say the database cannot write or be read now, not that the request
#: is wrong: busy/locked past the timeout, disk full, I/O error, cannot open, read-only file.
UNAVAILABLE_CODES = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_FULL", "SQLITE_IOERR",
                     "SQLITE_CANTOPEN", "SQLITE_READONLY")


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


def where_clause(since: int, q: EventQuery) -> tuple[str, list[Any]]:
    """Return the SQL WHERE text and parameters of an EventQuery (``?`` placeholders); a polygon
    contributes its bounding box only (``_inside`` tests the rows)."""
    sql, args = ["seq > ?"], [since]
    if q.kinds is not None:
        sql.append(f"kind IN ({', '.join('?' * len(q.kinds))})")
        args.extend(sorted(q.kinds))
    for col in ("category", "area"):
        if getattr(q, col) is not None:
            sql.append(f"{col} = ?")
            args.append(getattr(q, col))
    if q.agency_id is not None:
        sql.append("(agency_id = ? OR id IN "
                   "(SELECT event_id FROM event_copies WHERE agency_id = ?))")
        args.extend([q.agency_id, q.agency_id])
    box = q.search_box()
    if box is not None:
        sql.append("lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?")
        args.extend([box[1], box[3], box[0], box[2]])
    return " AND ".join(sql), args


def _inside(rows: list, polygon: Any) -> list:
    """Return the rows (with ``lat``/``lon``) whose point intersects ``polygon`` (all if None)."""
    if polygon is None or not rows:
        return rows
    lon = np.fromiter((r["lon"] for r in rows), np.float64, len(rows))
    lat = np.fromiter((r["lat"] for r in rows), np.float64, len(rows))
    keep = shapely.intersects_xy(polygon, lon, lat)
    return [r for r, k in zip(rows, keep) if k]


class SQLiteStore(EventStore):
    """The embedded store: one connection per thread; writers serialise on the database lock."""

    def __init__(self, path: str | Path, tz: timezone):
        super().__init__(tz)
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._migrate()

    def _migrate(self) -> None:
        from server.store.migrate import engine_for, ensure_schema
        engine = engine_for(f"sqlite:///{self.path}")
        try:
            ensure_schema(engine)
        finally:
            engine.dispose()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=60, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
            with self._lock:
                self._all.append(conn)
        return conn

    def _write(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._transaction(self._conn(), "BEGIN IMMEDIATE", fn, *args)

    @staticmethod
    def _transaction(c: sqlite3.Connection, begin: str, fn: Callable[..., Any], *args: Any) -> Any:
        c.execute(begin)
        try:
            result = fn(c, *args)
            c.execute("COMMIT")
        except BaseException:
            if c.in_transaction:  # SQLite rolls back by itself on a full disk or I/O error
                c.execute("ROLLBACK")
            raise
        return result

    @staticmethod
    def _take_seqs(c: sqlite3.Connection, n: int) -> range:
        top = c.execute("UPDATE counters SET value = value + ? WHERE name = 'seq' RETURNING value",
                        (n,)).fetchone()[0]
        return range(top - n + 1, top + 1)

    def unavailable(self, exc: BaseException) -> bool:
        """See EventStore.unavailable: SQLite's busy, locked, full, I/O, cannot-open and
        read-only errors."""
        name = getattr(exc, "sqlite_errorname", "") or ""
        return isinstance(exc, sqlite3.Error) and name.startswith(UNAVAILABLE_CODES)

    # -- writing --------------------------------------------------------------------------------
    def append(self, events: list[NewEvent], idem_key: str | None = None,
               idem_hash: str | None = None) -> AppendResult:
        """See EventStore.append."""
        return self._write(self._append_tx, events, idem_key, idem_hash)

    def replayed(self, idem_key: str, idem_hash: str | None) -> AppendResult | None:
        """See EventStore.replayed."""
        return self._replayed(self._conn(), idem_key, idem_hash)

    def _replayed(self, c: sqlite3.Connection, idem_key: str,
                  idem_hash: str | None) -> AppendResult | None:
        prior = c.execute("SELECT request_hash, event_ids FROM idempotency WHERE key = ?",
                          (idem_key,)).fetchone()
        if prior is None:
            return None
        check_replay(prior["request_hash"], idem_hash)
        return AppendResult(self._by_ids(c, orjson.loads(prior["event_ids"])), True)

    def _append_tx(self, c: sqlite3.Connection, events: list[NewEvent], idem_key: str | None,
                   idem_hash: str | None) -> AppendResult:
        if idem_key is not None:
            prior = self._replayed(c, idem_key, idem_hash)
            if prior is not None:
                return prior
        fresh, ids = plan_append(events, self._stored_refs(c, events))
        if fresh:
            self._insert(c, fresh)
        if idem_key is not None:
            c.execute("INSERT INTO idempotency VALUES (?, ?, ?, ?)",
                      (idem_key, idem_hash, orjson.dumps(ids).decode(), events[0].received_at))
        return AppendResult(self._by_ids(c, ids), False)

    @staticmethod
    def _stored_refs(c: sqlite3.Connection, events: list[NewEvent]) -> dict[tuple[str, str], str]:
        found: dict[tuple[str, str], str] = {}
        for ch, ref in source_keys(events):
            hit = c.execute("SELECT id FROM events WHERE source_channel = ? AND source_ref = ?",
                            (ch, ref)).fetchone()
            if hit is not None:
                found[(ch, ref)] = hit["id"]
        return found

    def _insert(self, c: sqlite3.Connection, events: list[NewEvent]) -> None:
        seqs = self._take_seqs(c, len(events))
        c.executemany(INSERT, [[seq] + [_column_value(col, getattr(ev, col)) for col in COLUMNS[1:]]
                               for seq, ev in zip(seqs, events)])
        c.executemany("INSERT INTO event_copies (event_id, agency_id) VALUES (?, ?)",
                      [(ev.id, a) for ev in events for a in ev.copied_to])

    def update(self, event_id: str, changes: dict[str, Any], audit: AuditEntry,
               expect_status: str | None = None) -> dict[str, Any] | None:
        """See EventStore.update."""
        check_changes(changes)
        return self._write(self._update_tx, event_id, changes, audit, expect_status)

    def update_many(self, changes: list[UpdateItem]) -> list[dict[str, Any]]:
        """See EventStore.update_many: here in one transaction."""
        for _, change, _ in changes:
            check_changes(change)
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
        check_status(row["status"], expect_status)
        values = {k: _column_value(k, v) for k, v in changes.items()}
        values["seq"] = self._take_seqs(c, 1)[0]
        sets = ", ".join(f"{k} = ?" for k in values)
        c.execute(f"UPDATE events SET {sets} WHERE id = ?", [*values.values(), event_id])
        if "copied_to" in changes:
            c.execute("DELETE FROM event_copies WHERE event_id = ?", (event_id,))
            c.executemany("INSERT INTO event_copies (event_id, agency_id) VALUES (?, ?)",
                          [(event_id, a) for a in changes["copied_to"]])
        self._insert_audit(c, stamp_audit(audit, event_id))
        return self._by_ids(c, [event_id])[0]

    @staticmethod
    def _insert_audit(c: sqlite3.Connection, e: AuditEntry) -> None:
        c.execute("INSERT INTO audit (at, event_id, action, actor, role, reason, data) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?)",
                  (e.at, e.event_id, e.action, e.actor, e.role, e.reason,
                   orjson.dumps(e.data).decode()))

    def history(self, event_id: str) -> list[AuditEntry]:
        """See EventStore.history."""
        rows = self._conn().execute(
            "SELECT action, actor, role, event_id, reason, data, at FROM audit "
            "WHERE event_id = ? ORDER BY id", (event_id,)).fetchall()
        return [AuditEntry(**{**dict(r), "data": orjson.loads(r["data"])}) for r in rows]

    def record_audits(self, entries: list[AuditEntry]) -> None:
        """See EventStore.record_audits."""
        self._write(lambda c: [self._insert_audit(c, stamp_audit(e, e.event_id))
                               for e in entries])

    def audit_page(self, after_id: int, since_at: int, limit: int) -> list[tuple[int, AuditEntry]]:
        """See EventStore.audit_page."""
        rows = self._conn().execute(
            "SELECT id, action, actor, role, event_id, reason, data, at FROM audit "
            "WHERE id > ? AND at >= ? ORDER BY id LIMIT ?", (after_id, since_at, limit)).fetchall()
        return [(r["id"], AuditEntry(**{**{k: r[k] for k in r.keys() if k != "id"},
                                        "data": orjson.loads(r["data"])})) for r in rows]

    # -- reading --------------------------------------------------------------------------------
    def _by_ids(self, c: sqlite3.Connection, ids: list[str],
                key: str = "id") -> list[dict[str, Any]]:
        rows: dict[Any, dict] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            q = f"{SELECT} WHERE {key} IN ({', '.join('?' * len(chunk))})"
            rows.update({r[key]: _row(r) for r in c.execute(q, chunk)})
        return [wire_event(rows[i], self.tz) for i in ids]

    @staticmethod
    def _pages(c: sqlite3.Connection, since: int, query: EventQuery, batch: int) -> Iterator[list]:
        """Yield lists of matching rows in ascending seq (keyset pages of ``batch`` rows)."""
        where, args = where_clause(since, query)
        sql = f"{SELECT} WHERE {where} ORDER BY seq LIMIT ?"
        while True:
            rows = c.execute(sql, [*args, batch]).fetchall()
            if rows:
                yield _inside(rows, query.polygon)
            if len(rows) < batch:
                return
            args[0] = rows[-1]["seq"]

    def since(self, since: int, query: EventQuery, limit: int) -> Page:
        """See EventStore.since."""
        return self._transaction(self._conn(), "BEGIN", self._since_tx, since, query, limit)

    def _since_tx(self, c: sqlite3.Connection, since: int, query: EventQuery, limit: int) -> Page:
        batch = limit if query.polygon is None else max(limit, SCAN_BATCH)
        rows: list = []
        for page in self._pages(c, since, query, batch):
            rows.extend(page[:limit - len(rows)])
            if len(rows) == limit:
                break
        head = c.execute("SELECT value FROM counters WHERE name = 'seq'").fetchone()[0]
        events = [wire_event(_row(r), self.tz) for r in rows]
        return Page(events, events[-1]["seq"] if len(events) == limit else max(head, since))

    def _points(self, c: sqlite3.Connection, query: EventQuery) -> tuple[np.ndarray, ...]:
        """Return (seq, lat, lon) arrays of every matching event (polygon tested)."""
        where, args = where_clause(0, query)
        rows = _inside(c.execute(f"SELECT seq, lat, lon FROM events WHERE {where}",
                                 args).fetchall(),
                       query.polygon)
        arr = np.array([tuple(r) for r in rows], dtype=np.float64).reshape(-1, 3)
        return arr[:, 0].astype(np.int64), arr[:, 1], arr[:, 2]

    def nearest(self, lat: float, lon: float, n: int, query: EventQuery) -> list[dict[str, Any]]:
        """See EventStore.nearest."""
        c = self._conn()
        radius = FIRST_RADIUS_M
        while True:
            box = intersect_boxes(query.bbox, bbox_around(lat, lon, radius))
            seq, lats, lons = self._points(c, dataclasses.replace(query, bbox=box))
            dist = distance_m(lat, lon, lats, lons)
            within = dist <= radius
            if within.sum() >= n or radius > np.pi * EARTH_RADIUS_M:
                break
            radius *= 4
        order = np.lexsort((seq[within], dist[within]))[:n]
        chosen, meters = seq[within][order].tolist(), dist[within][order].tolist()
        events = self._by_ids(c, chosen, key="seq")
        return [{**ev, "distance_m": m} for ev, m in zip(events, meters)]

    def count(self, since: int, query: EventQuery) -> int:
        """See EventStore.count."""
        c = self._conn()
        if query.polygon is None:
            where, args = where_clause(since, query)
            return c.execute(f"SELECT count(*) FROM events WHERE {where}", args).fetchone()[0]
        return int((self._points(c, query)[0] > since).sum())

    def _exporting(self, since: int, query: EventQuery, chunk: int) -> Iterator[list]:
        """Yield pages of matching rows from one snapshot, on a connection of its own."""
        c = self._connect()
        try:
            c.execute("BEGIN")
            yield from self._pages(c, since, query, chunk)
            c.execute("COMMIT")
        finally:
            c.close()

    def export_geojson(self, since: int, query: EventQuery, chunk: int) -> Iterator[list[str]]:
        """See EventStore.export_geojson."""
        for rows in self._exporting(since, query, chunk):
            yield [orjson.dumps(wire_feature(wire_event(_row(r), self.tz))).decode() for r in rows]

    def export_frames(self, since: int, query: EventQuery, chunk: int
                      ) -> Iterator["geopandas.GeoDataFrame"]:
        """See EventStore.export_frames."""
        import geopandas as gpd
        import pandas as pd
        for rows in self._exporting(since, query, chunk):
            df = pd.DataFrame([tuple(r) for r in rows], columns=COLUMNS)[list(EXPORT_COLUMNS)]
            yield gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]),
                                   crs="EPSG:4326")

    def tally(self, query: CountQuery) -> dict[tuple, int]:
        """See EventStore.tally (one GROUP BY query)."""
        where, args = where_clause(0, query.event_query())
        sql, more = [where], []
        if query.received_from is not None:
            sql.append("received_at >= ?")
            more.append(query.received_from)
        if query.exclude_statuses:
            sql.append(f"status NOT IN ({', '.join('?' * len(query.exclude_statuses))})")
            more.extend(sorted(query.exclude_statuses))
        if query.deadline_before is not None:
            sql.append("deadline < ?")
            more.append(query.deadline_before)
        cols = ", ".join(query.group_by)
        select = f"SELECT {cols + ', ' if cols else ''}COUNT(*) AS n FROM events"
        group = f" GROUP BY {cols}" if cols else ""
        rows = self._conn().execute(f"{select} WHERE {' AND '.join(sql)}{group}", args + more)
        return {tuple(r)[:-1]: r["n"] for r in rows if r["n"]}

    def get(self, event_id: str) -> dict[str, Any] | None:
        """See EventStore.get."""
        r = self._conn().execute(f"{SELECT} WHERE id = ?", (event_id,)).fetchone()
        return wire_event(_row(r), self.tz) if r else None

    def last_seq(self) -> int:
        """See EventStore.last_seq."""
        return self._conn().execute("SELECT value FROM counters WHERE name = 'seq'").fetchone()[0]

    def put_records(self, kind: str, records: dict[str, dict[str, Any] | None], at: int) -> None:
        """See EventStore.put_records."""
        self._write(self._put_records_tx, kind, records, at)

    @staticmethod
    def _put_records_tx(c: sqlite3.Connection, kind: str, records: dict[str, dict[str, Any] | None],
                        at: int) -> None:
        gone = [(kind, k) for k, doc in records.items() if doc is None]
        kept = [(kind, k, orjson.dumps(doc).decode(), at) for k, doc in records.items()
                if doc is not None]
        c.executemany("DELETE FROM records WHERE kind = ? AND key = ?", gone)
        c.executemany("INSERT INTO records VALUES (?, ?, ?, ?) ON CONFLICT (kind, key) "
                      "DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at", kept)

    def records(self, kind: str) -> dict[str, dict[str, Any]]:
        """See EventStore.records."""
        rows = self._conn().execute("SELECT key, doc FROM records WHERE kind = ? ORDER BY key",
                                    (kind,)).fetchall()
        return {r["key"]: orjson.loads(r["doc"]) for r in rows}

    def record(self, kind: str, key: str) -> dict[str, Any] | None:
        """See EventStore.record."""
        row = self._conn().execute("SELECT doc FROM records WHERE kind = ? AND key = ?",
                                   (kind, key)).fetchone()
        return orjson.loads(row["doc"]) if row else None

    def add_record(self, kind: str, key: str, doc: dict[str, Any], at: int) -> bool:
        """See EventStore.add_record."""
        cur = self._conn().execute(
            "INSERT INTO records VALUES (?, ?, ?, ?) ON CONFLICT (kind, key) DO NOTHING",
            (kind, key, orjson.dumps(doc).decode(), at))
        return cur.rowcount == 1

    def take_record(self, kind: str, key: str) -> dict[str, Any] | None:
        """See EventStore.take_record."""
        row = self._conn().execute("DELETE FROM records WHERE kind = ? AND key = ? RETURNING doc",
                                   (kind, key)).fetchone()
        return orjson.loads(row["doc"]) if row else None

    # -- the outbox -----------------------------------------------------------------------------
    def enqueue(self, items: list[OutboxItem], at: int) -> int:
        """See EventStore.enqueue."""
        rows = [(i.key, i.topic, i.source, i.channel, i.address, i.recipient, i.lang, i.text,
                 orjson.dumps(i.data).decode(), "pending", 0, i.next_at or at, at) for i in items]
        return self._write(self._enqueue_tx, rows)

    @staticmethod
    def _enqueue_tx(c: sqlite3.Connection, rows: list[tuple]) -> int:
        before = c.total_changes
        c.executemany(f"INSERT INTO outbox ({OUTBOX_INSERT}) VALUES "
                      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING", rows)
        return c.total_changes - before

    def claim(self, node: str, now: int, until: int, limit: int) -> list[OutboxItem]:
        """See EventStore.claim."""
        return self._write(self._claim_tx, node, now, until, limit)

    @staticmethod
    def _claim_tx(c: sqlite3.Connection, node: str, now: int, until: int,
                  limit: int) -> list[OutboxItem]:
        rows = c.execute(
            "UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id IN (SELECT id FROM "
            "outbox WHERE state = 'pending' AND next_at <= ? AND (claimed_until IS NULL OR "
            "claimed_until < ?) ORDER BY id LIMIT ?) RETURNING *",
            (node, until, now, now, limit)).fetchall()
        return sorted((_outbox_item(r) for r in rows), key=lambda i: i.id)

    def settle(self, node: str, results: list[Settled], at: int) -> int:
        """See EventStore.settle."""
        return self._write(self._settle_tx, node, results, at)

    @staticmethod
    def _settle_tx(c: sqlite3.Connection, node: str, results: list[Settled], at: int) -> int:
        before = c.total_changes
        for r in results:
            state = "pending" if r.outcome == "retry" else r.outcome
            c.execute("UPDATE outbox SET state = ?, attempts = attempts + 1, next_at = "
                      "COALESCE(?, next_at), sent_at = ?, last_error = ?, claimed_by = NULL, "
                      "claimed_until = NULL WHERE id = ? AND claimed_by = ? AND state = 'pending'",
                      (state, r.next_at, at if r.outcome == "sent" else None, r.error, r.id,
                       node))
        return c.total_changes - before

    def outbox_page(self, before_id: int | None, limit: int, source: str | None = None,
                    state: str | None = None) -> list[OutboxItem]:
        """See EventStore.outbox_page."""
        where, args = ["id < ?"], [before_id if before_id is not None else 2**62]
        for column, value in (("source", source), ("state", state)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        rows = self._conn().execute(f"SELECT * FROM outbox WHERE {' AND '.join(where)} "
                                    "ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
        return [_outbox_item(r) for r in rows]

    def outbox_counts(self, since_at: int) -> dict[tuple[str, str, str], int]:
        """See EventStore.outbox_counts."""
        rows = self._conn().execute(
            "SELECT topic, channel, state, COUNT(*) AS n FROM outbox WHERE created_at >= ? "
            "GROUP BY topic, channel, state", (since_at,)).fetchall()
        return {(r["topic"], r["channel"], r["state"]): r["n"] for r in rows}

    # -- tokens ---------------------------------------------------------------------------------
    def save_token(self, token: TokenRecord) -> None:
        """See EventStore.save_token."""
        self._conn().execute(
            "INSERT INTO tokens (id, hash, role, agency_id, label, created_at, expires_at, "
            "revoked_at, extra, owner, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (token.id, token.hash, token.role, token.agency_id, token.label, token.created_at,
             token.expires_at, token.revoked_at, orjson.dumps(token.extra).decode(), token.owner,
             token.last_used_at))

    def token_by_hash(self, token_hash: str) -> TokenRecord | None:
        """See EventStore.token_by_hash."""
        r = self._conn().execute("SELECT * FROM tokens WHERE hash = ?", (token_hash,)).fetchone()
        return None if r is None else _token(r)

    def list_tokens(self, sessions: bool = True) -> list[TokenRecord]:
        """See EventStore.list_tokens."""
        where = "" if sessions else f"WHERE label != '{SESSION_LABEL}' "
        rows = self._conn().execute(f"SELECT * FROM tokens {where}ORDER BY created_at, id")
        return [_token(r) for r in rows.fetchall()]

    def revoke_owned(self, owner: str, at: int, sessions_only: bool = True) -> int:
        """See EventStore.revoke_owned."""
        only = f" AND label = '{SESSION_LABEL}'" if sessions_only else ""
        cur = self._conn().execute(
            f"UPDATE tokens SET revoked_at = ? WHERE owner = ? AND revoked_at IS NULL{only}",
            (at, owner))
        return cur.rowcount

    def touch_tokens(self, used: dict[str, int]) -> None:
        """See EventStore.touch_tokens."""
        self._conn().executemany(
            "UPDATE tokens SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?",
            [(at, token_id) for token_id, at in used.items()])

    def revoke_token(self, token_id: str, at: int) -> bool:
        """See EventStore.revoke_token."""
        cur = self._conn().execute(
            "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (at, token_id))
        return cur.rowcount == 1

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


#: The columns ``enqueue`` writes.
OUTBOX_INSERT = ("key, topic, source, channel, address, recipient, lang, text, data, state, "
                 "attempts, next_at, created_at")


def _outbox_item(row: sqlite3.Row) -> OutboxItem:
    """Return the OutboxItem of an ``outbox`` row."""
    return OutboxItem(**{**dict(row), "data": orjson.loads(row["data"])})


def _token(row: sqlite3.Row) -> TokenRecord:
    """Return the TokenRecord of a ``tokens`` row."""
    return TokenRecord(**{**dict(row), "extra": orjson.loads(row["extra"])})
