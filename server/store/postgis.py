"""Production store: PostgreSQL + PostGIS through SQLAlchemy 2 Core and GeoAlchemy2.

Ordering across threads, processes and nodes: every writing transaction first locks the
``counters`` row of ``seq`` (``SELECT … FOR UPDATE``), takes its seqs from it and writes the new
head back. The row lock is held until commit, so writers commit one at a time in seq order and a
reader can never see a seq while a lower one is still uncommitted (see docs/ARCHITECTURE.md,
"Ordering"). Reads are single autocommit statements (one statement, one snapshot: ``since``
joins the head to its page); exports stream from one REPEATABLE READ snapshot.

Space is PostGIS's job: boxes and polygons are ``ST_Intersects`` on the GiST-indexed ``geom``,
nearest-N is the geography KNN ``<->`` on its own GiST index, and GeoJSON exports are written by
``ST_AsGeoJSON`` and ``json_build_object`` in the database, streamed by a server-side cursor.
"""
from __future__ import annotations

import logging
import threading
from datetime import timezone
from typing import TYPE_CHECKING, Any, Iterator

import orjson
import psycopg
import sqlalchemy as sa
from geoalchemy2.shape import from_shape
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY

from server.core.events import NewEvent, wire_event
from server.store import schema
from server.store.base import (EXPORT_COLUMNS, AppendResult, AuditEntry, CountQuery, EventQuery,
                               SESSION_LABEL, EventStore, OutboxItem, Page, Settled,
                               TokenRecord, check_changes,
                               check_replay,
                               check_status, plan_append, source_keys, stamp_audit)
from server.store.migrate import ensure_schema
from server.core.timefmt import offset_text

if TYPE_CHECKING:
    import geopandas

log = logging.getLogger(__name__)

E, COPIES, COUNTERS = schema.events.c, schema.event_copies, schema.counters
COLUMNS = [E[name] for name in ("seq", "id", "kind", "category", "lat", "lon", "cell", "area",
                                "agency_id", "observed_at", "received_at", "source_channel",
                                "source_ref", "severity", "status", "deadline", "props",
                                "copied_to")]
NEW_EVENT_FIELDS = [c.name for c in COLUMNS if c.name != "seq"]
IN_CHUNK = 5000
KNN_SLACK_M = 1e-6  # ST_DWithin and <-> may round differently: widen by a micrometre


def _json_dumps(obj: Any) -> str:
    return orjson.dumps(obj).decode()


def where(since: int, q: EventQuery) -> list[sa.ColumnElement[bool]]:
    """Return the SQL conditions of ``seq > since`` and an EventQuery (PostGIS does the space)."""
    conds = [E.seq > since]
    if q.kinds is not None:
        conds.append(E.kind.in_(sorted(q.kinds)))
    if q.category is not None:
        conds.append(E.category == q.category)
    if q.area is not None:
        conds.append(E.area == q.area)
    if q.agency_id is not None:
        copied = sa.select(COPIES.c.event_id).where(COPIES.c.agency_id == q.agency_id)
        conds.append(sa.or_(E.agency_id == q.agency_id, E.id.in_(copied)))
    if q.bbox is not None:
        x0, y0, x1, y1 = q.bbox
        envelope = sa.func.ST_MakeEnvelope(x0, y0, x1, y1, 4326)
        conds += [E.geom.op("&&")(envelope), E.lon.between(x0, x1), E.lat.between(y0, y1)]
    if q.polygon is not None:
        conds.append(sa.func.ST_Intersects(E.geom, from_shape(q.polygon, srid=4326)))
    return conds


def rfc3339(col: sa.ColumnElement, tz: timezone) -> sa.ColumnElement[str]:
    """Return SQL that writes a ``timestamptz`` exactly as ``server.core.timefmt.to_rfc3339``
    does."""
    local = sa.func.timezone(sa.literal(tz.utcoffset(None), sa.Interval), col)
    whole = sa.cast(sa.extract("microseconds", local), sa.BigInteger) % 1_000_000 == 0
    fraction = sa.case((whole, ""), else_=sa.func.to_char(local, ".US"))
    text = sa.func.to_char(local, 'YYYY-MM-DD"T"HH24:MI:SS', type_=sa.Text)
    return text.concat(fraction).concat(offset_text(tz))


def feature_sql(tz: timezone) -> sa.ColumnElement[str]:
    """Return SQL building ``server.core.events.wire_feature`` of a row as JSON text."""
    props = sa.func.json_build_object(
        "id", E.id, "seq", E.seq, "kind", E.kind, "category", E.category,
        "cell", sa.func.lpad(sa.func.to_hex(E.cell), 15, "0"), "area", E.area,
        "agency_id", E.agency_id, "copied_to", E.copied_to, "deadline", rfc3339(E.deadline, tz),
        "observed_at", rfc3339(E.observed_at, tz), "received_at", rfc3339(E.received_at, tz),
        "source", sa.func.json_build_object("channel", E.source_channel, "ref", E.source_ref),
        "severity", E.severity, "status", E.status, "props", E.props)
    geometry = sa.cast(sa.func.ST_AsGeoJSON(E.geom, 15), sa.JSON)
    return sa.cast(sa.func.json_build_object("type", "Feature", "id", E.id, "geometry", geometry,
                                             "properties", props), sa.Text)


#: Seconds to wait for a new connection to the server, and for a free one of the pool, before
#: the call fails (and the service answers 503) instead of hanging while the server is away.
CONNECT_TIMEOUT_S = 5
POOL_TIMEOUT_S = 10
#: libpq socket options: a connection whose peer went silent (a network cut that closes
#: nothing) fails after about 15 s of unacknowledged data or of unanswered keepalives, instead of
#: the kernel's many minutes, so the thread blocked on it is freed (the request itself already
#: answered 503 after ``store_timeout_s``: ``EventService.read``/``write``).
SOCKET_OPTIONS = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2,
                  "keepalives_count": 5, "tcp_user_timeout": 15_000}


class PostGISStore(EventStore):
    """The PostGIS store: a connection pool shared by the service's threads."""

    def __init__(self, url: str, tz: timezone, pool_size: int = 8):
        super().__init__(tz)
        self.engine = sa.create_engine(
            url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
            json_serializer=_json_dumps, json_deserializer=orjson.loads,
            pool_timeout=POOL_TIMEOUT_S,
            connect_args={"application_name": "hue-ioc", "options": "-c synchronous_commit=on",
                          "connect_timeout": CONNECT_TIMEOUT_S, **SOCKET_OPTIONS})
        self._schema_ready = False
        self._schema_lock = threading.Lock()
        try:
            self.prepare()
        except Exception as exc:
            if not self.unavailable(exc):
                raise
            log.warning("database unavailable at start (%s): the schema is checked when it "
                        "answers", type(exc).__name__)
        self._reads = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._snapshot = self.engine.execution_options(isolation_level="REPEATABLE READ",
                                                       postgresql_readonly=True)

    def prepare(self) -> None:
        """See EventStore.prepare: migrate the schema to head the first time the database
        answers."""
        if self._schema_ready:
            return
        with self._schema_lock:
            if not self._schema_ready:
                ensure_schema(self.engine)
                self._schema_ready = True

    def unavailable(self, exc: BaseException) -> bool:
        """See EventStore.unavailable: connection errors (refused, lost, invalidated), the
        server shutting down or out of resources, and a pool with no free connection."""
        if isinstance(exc, (sa.exc.TimeoutError, psycopg.OperationalError, psycopg.InterfaceError)):
            return True
        if isinstance(exc, sa.exc.DBAPIError):
            return exc.connection_invalidated or isinstance(
                exc.orig, (psycopg.OperationalError, psycopg.InterfaceError))
        return False

    # -- writing --------------------------------------------------------------------------------
    @staticmethod
    def _lock_log(conn: sa.Connection) -> int:
        """Lock the seq counter until commit (the writers' queue) and return the head."""
        return conn.execute(sa.select(COUNTERS.c.value).where(COUNTERS.c.name == "seq")
                            .with_for_update()).scalar_one()

    @staticmethod
    def _set_head(conn: sa.Connection, head: int) -> None:
        conn.execute(sa.update(COUNTERS).where(COUNTERS.c.name == "seq").values(value=head))

    def append(self, events: list[NewEvent], idem_key: str | None = None,
               idem_hash: str | None = None) -> AppendResult:
        """See EventStore.append."""
        with self.engine.begin() as conn:
            head = self._lock_log(conn)
            if idem_key is not None:
                prior = self._replayed(conn, idem_key, idem_hash)
                if prior is not None:
                    return prior
            fresh, ids = plan_append(events, self._stored_refs(conn, events))
            if fresh:
                self._insert(conn, fresh, head)
            if idem_key is not None:
                conn.execute(sa.insert(schema.idempotency).values(
                    key=idem_key, request_hash=idem_hash, event_ids=ids,
                    created_at=events[0].received_at))
            return AppendResult(self._by_ids(conn, ids), False)

    def replayed(self, idem_key: str, idem_hash: str | None) -> AppendResult | None:
        """See EventStore.replayed."""
        with self._reads.connect() as conn:
            return self._replayed(conn, idem_key, idem_hash)

    def _replayed(self, conn: sa.Connection, idem_key: str,
                  idem_hash: str | None) -> AppendResult | None:
        prior = conn.execute(sa.select(schema.idempotency).where(
            schema.idempotency.c.key == idem_key)).mappings().first()
        if prior is None:
            return None
        check_replay(prior["request_hash"], idem_hash)
        return AppendResult(self._by_ids(conn, prior["event_ids"]), True)

    @staticmethod
    def _stored_refs(conn: sa.Connection, events: list[NewEvent]) -> dict[tuple[str, str], str]:
        keys = source_keys(events)
        if not keys:
            return {}
        rows = conn.execute(sa.select(E.source_channel, E.source_ref, E.id).where(
            sa.tuple_(E.source_channel, E.source_ref).in_(keys)))
        return {(ch, ref): event_id for ch, ref, event_id in rows}

    def _insert(self, conn: sa.Connection, events: list[NewEvent], head: int) -> None:
        """Insert ``events`` after ``head`` (an executemany: psycopg pipelines it; RETURNING would
        make SQLAlchemy send one huge statement instead) and move the head."""
        rows = [{"seq": head + i, **{f: getattr(ev, f) for f in NEW_EVENT_FIELDS}}
                for i, ev in enumerate(events, 1)]
        conn.execute(sa.insert(schema.events), rows)
        copies = [{"event_id": ev.id, "agency_id": a} for ev in events for a in ev.copied_to]
        if copies:
            conn.execute(sa.insert(COPIES), copies)
        self._set_head(conn, head + len(events))

    def update(self, event_id: str, changes: dict[str, Any], audit: AuditEntry,
               expect_status: str | None = None) -> dict[str, Any] | None:
        """See EventStore.update."""
        check_changes(changes)
        with self.engine.begin() as conn:
            head = self._lock_log(conn)
            status = conn.execute(sa.select(E.status).where(E.id == event_id)).scalar()
            if status is None:
                return None
            check_status(status, expect_status)
            conn.execute(sa.update(schema.events).where(E.id == event_id)
                         .values(**changes, seq=head + 1))
            if "copied_to" in changes:
                conn.execute(sa.delete(COPIES).where(COPIES.c.event_id == event_id))
                if changes["copied_to"]:
                    conn.execute(sa.insert(COPIES), [{"event_id": event_id, "agency_id": a}
                                                     for a in changes["copied_to"]])
            self._set_head(conn, head + 1)
            self._insert_audit(conn, stamp_audit(audit, event_id))
            return self._by_ids(conn, [event_id])[0]

    @staticmethod
    def _insert_audit(conn: sa.Connection, e: AuditEntry) -> None:
        conn.execute(sa.insert(schema.audit).values(
            at=e.at, event_id=e.event_id, action=e.action, actor=e.actor, role=e.role,
            reason=e.reason, data=e.data))

    def history(self, event_id: str) -> list[AuditEntry]:
        """See EventStore.history."""
        a = schema.audit.c
        with self._reads.connect() as conn:
            rows = conn.execute(sa.select(a.action, a.actor, a.role, a.event_id, a.reason, a.data,
                                          a.at).where(a.event_id == event_id).order_by(a.id))
            return [AuditEntry(**row) for row in rows.mappings()]

    def record_audits(self, entries: list[AuditEntry]) -> None:
        """See EventStore.record_audits (one executemany)."""
        if not entries:
            return
        rows = [vars(stamp_audit(e, e.event_id)) for e in entries]
        with self.engine.begin() as conn:
            conn.execute(sa.insert(schema.audit), rows)

    def audit_page(self, after_id: int, since_at: int, limit: int) -> list[tuple[int, AuditEntry]]:
        """See EventStore.audit_page."""
        a = schema.audit.c
        with self._reads.connect() as conn:
            rows = conn.execute(sa.select(a.id, a.action, a.actor, a.role, a.event_id, a.reason,
                                          a.data, a.at)
                                .where(a.id > after_id, a.at >= since_at).order_by(a.id)
                                .limit(limit)).mappings().all()
        return [(r["id"], AuditEntry(**{k: v for k, v in r.items() if k != "id"})) for r in rows]

    # -- reading --------------------------------------------------------------------------------
    def _wire(self, row: sa.RowMapping) -> dict[str, Any]:
        return wire_event(row, self.tz)

    def _by_ids(self, conn: sa.Connection, ids: list[Any], key: str = "id") -> list[dict[str, Any]]:
        rows: dict[Any, dict] = {}
        for start in range(0, len(ids), IN_CHUNK):
            chunk = ids[start:start + IN_CHUNK]
            ids_param = sa.bindparam("ids", chunk, type_=ARRAY(E[key].type))
            for row in conn.execute(sa.select(*COLUMNS)
                                    .where(E[key] == sa.any_(ids_param))).mappings():
                rows[row[key]] = self._wire(row)
        return [rows[i] for i in ids]

    def since(self, since: int, query: EventQuery, limit: int) -> Page:
        """See EventStore.since. One statement, hence one snapshot, reads the page and the head:
        ``head LEFT JOIN page``, so that the head comes back even when the page is empty."""
        head = sa.select(COUNTERS.c.value.label("head")).where(COUNTERS.c.name == "seq").subquery()
        page = (sa.select(*COLUMNS).where(*where(since, query)).order_by(E.seq).limit(limit)
                .subquery())
        stmt = (sa.select(head.c.head, page).select_from(head.outerjoin(page, sa.true()))
                .order_by(page.c.seq))
        with self._reads.connect() as conn:
            rows = conn.execute(stmt).mappings().all()
        events = [self._wire(r) for r in rows if r["seq"] is not None]
        top = rows[0]["head"]
        return Page(events, events[-1]["seq"] if len(events) == limit else max(top, since))

    @staticmethod
    def _head(conn: sa.Connection) -> int:
        return conn.execute(sa.select(COUNTERS.c.value)
                            .where(COUNTERS.c.name == "seq")).scalar_one()

    def nearest(self, lat: float, lon: float, n: int, query: EventQuery) -> list[dict[str, Any]]:
        """See EventStore.nearest.

        The KNN index scan finds the n-th distance; a second indexed pass (``ST_DWithin``) takes
        every event up to it, so that equal distances are broken by seq exactly as documented.
        """
        point = schema.geography(sa.func.ST_SetSRID(sa.func.ST_MakePoint(lon, lat), 4326))
        dist = schema.geography(E.geom).op("<->", return_type=sa.Double)(point)
        conds = where(0, query)
        knn = sa.select(dist.label("d")).where(*conds).order_by(dist).limit(n).subquery()
        edge = sa.select(sa.func.max(knn.c.d)).scalar_subquery()
        near = sa.func.ST_DWithin(schema.geography(E.geom), point, edge + KNN_SLACK_M, False)
        stmt = (sa.select(*COLUMNS, dist.label("distance_m")).where(*conds, near, dist <= edge)
                .order_by(dist, E.seq).limit(n))
        with self._reads.connect() as conn:
            return [{**self._wire(r), "distance_m": r["distance_m"]}
                    for r in conn.execute(stmt).mappings()]

    def count(self, since: int, query: EventQuery) -> int:
        """See EventStore.count."""
        with self._reads.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(schema.events)
                                .where(*where(since, query))).scalar_one()

    def tally(self, query: CountQuery) -> dict[tuple, int]:
        """See EventStore.tally (one GROUP BY query)."""
        E = schema.events.c
        conds = where(0, query.event_query())
        if query.received_from is not None:
            conds.append(E.received_at >= query.received_from)
        if query.exclude_statuses:
            conds.append(E.status.not_in(sorted(query.exclude_statuses)))
        if query.deadline_before is not None:
            conds.append(E.deadline < query.deadline_before)
        cols = [E[name] for name in query.group_by]
        stmt = sa.select(*cols, sa.func.count().label("n")).where(*conds).group_by(*cols)
        with self._reads.connect() as conn:
            return {tuple(r)[:-1]: r[-1] for r in conn.execute(stmt) if r[-1]}

    def _streamed(self, stmt: sa.Select, chunk: int) -> Iterator[list[sa.Row]]:
        """Yield lists of result rows from a server-side cursor in one snapshot."""
        with self._snapshot.connect() as conn, conn.begin():
            result = conn.execution_options(stream_results=True, yield_per=chunk).execute(stmt)
            yield from result.partitions(chunk)

    def export_geojson(self, since: int, query: EventQuery, chunk: int) -> Iterator[list[str]]:
        """See EventStore.export_geojson."""
        stmt = sa.select(feature_sql(self.tz)).where(*where(since, query)).order_by(E.seq)
        for rows in self._streamed(stmt, chunk):
            yield [r[0] for r in rows]

    def export_frames(self, since: int, query: EventQuery, chunk: int
                      ) -> Iterator["geopandas.GeoDataFrame"]:
        """See EventStore.export_frames (``geopandas.read_postgis`` on a server-side cursor)."""
        import geopandas as gpd
        text_cols = {"props", "copied_to"}
        cols = [sa.cast(E[name], sa.Text).label(name) if name in text_cols else E[name]
                for name in EXPORT_COLUMNS]
        geom = sa.type_coerce(sa.func.ST_AsBinary(E.geom), sa.LargeBinary).label("geometry")
        stmt = sa.select(*cols, geom).where(*where(since, query)).order_by(E.seq)
        with self._snapshot.connect() as conn, conn.begin():
            yield from gpd.read_postgis(stmt, conn.execution_options(stream_results=True),
                                        geom_col="geometry", crs="EPSG:4326", chunksize=chunk)

    def get(self, event_id: str) -> dict[str, Any] | None:
        """See EventStore.get."""
        with self._reads.connect() as conn:
            row = conn.execute(sa.select(*COLUMNS).where(E.id == event_id)).mappings().first()
        return self._wire(row) if row else None

    def last_seq(self) -> int:
        """See EventStore.last_seq."""
        with self._reads.connect() as conn:
            return self._head(conn)

    # -- tokens ---------------------------------------------------------------------------------
    def put_records(self, kind: str, records: dict[str, dict[str, Any] | None], at: int) -> None:
        """See EventStore.put_records."""
        r = schema.records.c
        gone = [key for key, doc in records.items() if doc is None]
        kept = [{"kind": kind, "key": key, "doc": doc, "updated_at": at}
                for key, doc in records.items() if doc is not None]
        with self.engine.begin() as conn:
            if gone:
                conn.execute(sa.delete(schema.records).where(r.kind == kind, r.key.in_(gone)))
            if kept:
                stmt = postgresql.insert(schema.records).values(kept)
                conn.execute(stmt.on_conflict_do_update(
                    index_elements=[r.kind, r.key],
                    set_={"doc": stmt.excluded.doc, "updated_at": stmt.excluded.updated_at}))

    def records(self, kind: str) -> dict[str, dict[str, Any]]:
        """See EventStore.records."""
        r = schema.records.c
        with self._reads.connect() as conn:
            rows = conn.execute(sa.select(r.key, r.doc).where(r.kind == kind).order_by(r.key))
            return {key: doc for key, doc in rows}

    def record(self, kind: str, key: str) -> dict[str, Any] | None:
        """See EventStore.record."""
        r = schema.records.c
        with self._reads.connect() as conn:
            return conn.execute(sa.select(r.doc).where(r.kind == kind, r.key == key)).scalar()

    def add_record(self, kind: str, key: str, doc: dict[str, Any], at: int) -> bool:
        """See EventStore.add_record."""
        stmt = postgresql.insert(schema.records).values(kind=kind, key=key, doc=doc, updated_at=at)
        with self.engine.begin() as conn:
            added = conn.execute(stmt.on_conflict_do_nothing().returning(schema.records.c.key))
            return added.first() is not None

    def take_record(self, kind: str, key: str) -> dict[str, Any] | None:
        """See EventStore.take_record."""
        r = schema.records.c
        with self.engine.begin() as conn:
            return conn.execute(sa.delete(schema.records).where(r.kind == kind, r.key == key)
                                .returning(r.doc)).scalar()

    # -- the outbox -----------------------------------------------------------------------------
    def enqueue(self, items: list[OutboxItem], at: int) -> int:
        """See EventStore.enqueue."""
        if not items:
            return 0
        rows = [{"key": i.key, "topic": i.topic, "source": i.source, "channel": i.channel,
                 "address": i.address, "recipient": i.recipient, "lang": i.lang, "text": i.text,
                 "data": i.data, "state": "pending", "attempts": 0, "next_at": i.next_at or at,
                 "created_at": at} for i in items]
        o = schema.outbox.c
        added = 0
        with self.engine.begin() as conn:
            for start in range(0, len(rows), 1000):
                stmt = postgresql.insert(schema.outbox).values(rows[start:start + 1000])
                added += len(conn.execute(stmt.on_conflict_do_nothing(index_elements=[o.key])
                                          .returning(o.id)).all())
        return added

    def claim(self, node: str, now: int, until: int, limit: int) -> list[OutboxItem]:
        """See EventStore.claim: ``FOR UPDATE SKIP LOCKED``, so nodes claiming at once take
        different messages."""
        o = schema.outbox.c
        due = (sa.select(o.id).where(o.state == "pending", o.next_at <= now,
                                     sa.or_(o.claimed_until.is_(None),
                                            o.claimed_until < now))
               .order_by(o.id).limit(limit).with_for_update(skip_locked=True))
        stmt = (sa.update(schema.outbox).where(o.id.in_(due.scalar_subquery()))
                .values(claimed_by=node, claimed_until=until).returning(schema.outbox))
        with self.engine.begin() as conn:
            rows = conn.execute(stmt).mappings().all()
        return sorted((OutboxItem(**row) for row in rows), key=lambda i: i.id)

    def settle(self, node: str, results: list[Settled], at: int) -> int:
        """See EventStore.settle."""
        o = schema.outbox.c
        done = 0
        with self.engine.begin() as conn:
            for r in results:
                values = {"state": "pending" if r.outcome == "retry" else r.outcome,
                          "attempts": o.attempts + 1, "last_error": r.error,
                          "sent_at": at if r.outcome == "sent" else None,
                          "claimed_by": None, "claimed_until": None}
                if r.next_at is not None:
                    values["next_at"] = r.next_at
                done += conn.execute(sa.update(schema.outbox).where(
                    o.id == r.id, o.claimed_by == node, o.state == "pending")
                    .values(**values)).rowcount
        return done

    def outbox_page(self, before_id: int | None, limit: int, source: str | None = None,
                    state: str | None = None) -> list[OutboxItem]:
        """See EventStore.outbox_page."""
        o = schema.outbox.c
        query = sa.select(schema.outbox).order_by(o.id.desc()).limit(limit)
        if before_id is not None:
            query = query.where(o.id < before_id)
        if source is not None:
            query = query.where(o.source == source)
        if state is not None:
            query = query.where(o.state == state)
        with self._reads.connect() as conn:
            return [OutboxItem(**row) for row in conn.execute(query).mappings()]

    def outbox_counts(self, since_at: int) -> dict[tuple[str, str, str], int]:
        """See EventStore.outbox_counts."""
        o = schema.outbox.c
        query = (sa.select(o.topic, o.channel, o.state, sa.func.count())
                 .where(o.created_at >= since_at)
                 .group_by(o.topic, o.channel, o.state))
        with self._reads.connect() as conn:
            return {(t, c, s): n for t, c, s, n in conn.execute(query)}

    def save_token(self, token: TokenRecord) -> None:
        """See EventStore.save_token."""
        with self.engine.begin() as conn:
            conn.execute(sa.insert(schema.tokens).values(**vars(token)))

    def token_by_hash(self, token_hash: str) -> TokenRecord | None:
        """See EventStore.token_by_hash."""
        with self._reads.connect() as conn:
            row = conn.execute(sa.select(schema.tokens).where(
                schema.tokens.c.hash == token_hash)).mappings().first()
        return TokenRecord(**row) if row else None

    def list_tokens(self, sessions: bool = True) -> list[TokenRecord]:
        """See EventStore.list_tokens."""
        t = schema.tokens.c
        query = sa.select(schema.tokens).order_by(t.created_at, t.id)
        if not sessions:
            query = query.where(t.label != SESSION_LABEL)
        with self._reads.connect() as conn:
            return [TokenRecord(**row) for row in conn.execute(query).mappings()]

    def revoke_owned(self, owner: str, at: int, sessions_only: bool = True) -> int:
        """See EventStore.revoke_owned."""
        t = schema.tokens.c
        where = [t.owner == owner, t.revoked_at.is_(None)]
        if sessions_only:
            where.append(t.label == SESSION_LABEL)
        with self.engine.begin() as conn:
            return conn.execute(sa.update(schema.tokens).where(*where)
                                .values(revoked_at=at)).rowcount

    def touch_tokens(self, used: dict[str, int]) -> None:
        """See EventStore.touch_tokens."""
        t = schema.tokens.c
        if not used:
            return
        stmt = (sa.update(schema.tokens).where(t.id == sa.bindparam("tid"))
                .values(last_used_at=sa.func.greatest(sa.func.coalesce(
                    t.last_used_at, sa.bindparam("at", type_=schema.Micros)),
                    sa.bindparam("at", type_=schema.Micros))))
        with self.engine.begin() as conn:
            conn.execute(stmt, [{"tid": k, "at": v} for k, v in used.items()])

    def revoke_token(self, token_id: str, at: int) -> bool:
        """See EventStore.revoke_token."""
        t = schema.tokens.c
        with self.engine.begin() as conn:
            return conn.execute(sa.update(schema.tokens).where(t.id == token_id,
                                                               t.revoked_at.is_(None))
                                .values(revoked_at=at)).rowcount == 1

    def revoke_tokens(self, label: str, at: int) -> int:
        """See EventStore.revoke_tokens."""
        t = schema.tokens.c
        with self.engine.begin() as conn:
            return conn.execute(sa.update(schema.tokens)
                                .where(t.label == label, t.revoked_at.is_(None))
                                .values(revoked_at=at)).rowcount

    def close(self) -> None:
        """Close the pool's connections."""
        self.engine.dispose()
