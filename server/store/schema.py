"""SQLAlchemy 2 models of the PostGIS store (the SQLite store uses the same tables through plain
``sqlite3``). The DDL itself lives in the Alembic migrations (``server/store/migrations``), which
create these tables on PostgreSQL and their plain-typed twins on SQLite;
``tests/test_migrations.py`` checks that migrations and models agree.

Times are epoch microseconds in Python and ``timestamptz`` in PostgreSQL (``Micros``); the point
``geom`` is computed by PostgreSQL from ``lon``/``lat``, so writers never send it.
"""
from __future__ import annotations

from typing import Any

from geoalchemy2 import Geography, Geometry
from sqlalchemy import (BigInteger, Computed, Double, Index, Integer, Text, TypeDecorator, func,
                        text)
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from server.core.timefmt import from_micros, to_micros

POINT_SQL = "ST_SetSRID(ST_MakePoint(lon, lat), 4326)"


def geography(geom: Any) -> Any:
    """Return the SQL ``geography(geom)``: the expression that ``events_geog`` indexes for KNN."""
    return func.geography(geom, type_=Geography)


class Micros(TypeDecorator):
    """Epoch microseconds (int) in Python, ``timestamptz`` in PostgreSQL (same precision)."""

    impl = TIMESTAMP(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: Any) -> Any:
        """Return the datetime to send for ``value`` microseconds."""
        return None if value is None else from_micros(value)

    def process_result_value(self, value: Any, dialect: Any) -> int | None:
        """Return the stored time as epoch microseconds."""
        return None if value is None else to_micros(value)


class Base(DeclarativeBase):
    """Declarative base of the store's tables."""


class Event(Base):
    """One geo-event; ``seq`` is its place in the log (it changes when the event changes)."""

    __tablename__ = "events"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    id: Mapped[str] = mapped_column(Text, unique=True)
    kind: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(Text)
    lat: Mapped[float] = mapped_column(Double)
    lon: Mapped[float] = mapped_column(Double)
    geom: Mapped[Any] = mapped_column(Geometry("POINT", 4326, spatial_index=False),
                                      Computed(POINT_SQL, persisted=True))
    cell: Mapped[int] = mapped_column(BigInteger)
    area: Mapped[str | None] = mapped_column(Text)
    agency_id: Mapped[str] = mapped_column(Text)
    observed_at: Mapped[int] = mapped_column(Micros)
    received_at: Mapped[int] = mapped_column(Micros)
    source_channel: Mapped[str] = mapped_column(Text)
    source_ref: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    props: Mapped[dict] = mapped_column(JSONB)
    copied_to: Mapped[list] = mapped_column(JSONB, server_default=text("'[]'"))
    deadline: Mapped[int | None] = mapped_column(Micros)


class EventCopy(Base):
    """An agency an event is copied to (so copies are found by agency through an index)."""

    __tablename__ = "event_copies"
    agency_id: Mapped[str] = mapped_column(Text, primary_key=True)
    event_id: Mapped[str] = mapped_column(Text, primary_key=True)


class Counter(Base):
    """Named counters; ``seq`` is the head of the log. Its row lock orders the writers."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class Audit(Base):
    """Append-only audit trail."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[int] = mapped_column(Micros)
    event_id: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'"))


class Idempotency(Base):
    """Idempotency keys and the ids of the events their first request stored."""

    __tablename__ = "idempotency"
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    request_hash: Mapped[str] = mapped_column(Text)
    event_ids: Mapped[list] = mapped_column(JSONB)
    created_at: Mapped[int] = mapped_column(Micros)


class Token(Base):
    """Access tokens (only the SHA-256 of the secret)."""

    __tablename__ = "tokens"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    hash: Mapped[str] = mapped_column(Text, unique=True)
    role: Mapped[str] = mapped_column(Text)
    agency_id: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text, server_default=text("''"))
    created_at: Mapped[int] = mapped_column(Micros)
    expires_at: Mapped[int | None] = mapped_column(Micros)
    revoked_at: Mapped[int | None] = mapped_column(Micros)
    extra: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'"))
    owner: Mapped[str | None] = mapped_column(Text)
    last_used_at: Mapped[int | None] = mapped_column(Micros)


class Record(Base):
    """Keyed records: one JSON document per (kind, key) — feature state that is not an event."""

    __tablename__ = "records"
    kind: Mapped[str] = mapped_column(Text, primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    doc: Mapped[dict] = mapped_column(JSONB)
    updated_at: Mapped[int] = mapped_column(Micros)


class Outbox(Base):
    """Messages to send, stored before they are sent (``server/features/notify``)."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(Text, unique=True)
    topic: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text)
    recipient: Mapped[str | None] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSONB)
    state: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    next_at: Mapped[int] = mapped_column(Micros)
    claimed_by: Mapped[str | None] = mapped_column(Text)
    claimed_until: Mapped[int | None] = mapped_column(Micros)
    created_at: Mapped[int] = mapped_column(Micros)
    sent_at: Mapped[int | None] = mapped_column(Micros)
    last_error: Mapped[str | None] = mapped_column(Text)


class AreaRow(Base):
    """Administrative areas of each boundary generation (PostGIS only; the embedded store keeps
    them in memory through ``geo.areas``)."""

    __tablename__ = "areas"
    generation: Mapped[str] = mapped_column(Text, primary_key=True)
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    full_name: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(Text)
    geom: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON", 4326, spatial_index=False))


events = Event.__table__
event_copies = EventCopy.__table__
counters = Counter.__table__
audit = Audit.__table__
idempotency = Idempotency.__table__
tokens = Token.__table__
records = Record.__table__
outbox = Outbox.__table__
areas = AreaRow.__table__

Index("events_kind_seq", events.c.kind, events.c.seq)
Index("events_area_seq", events.c.area, events.c.seq)
Index("events_agency_seq", events.c.agency_id, events.c.seq)
Index("events_cell", events.c.cell)
Index("events_received", events.c.received_at)
Index("events_source_ref", events.c.source_channel, events.c.source_ref, unique=True,
      postgresql_where=events.c.source_ref.isnot(None))
Index("events_geom", events.c.geom, postgresql_using="gist")
Index("events_geog", geography(events.c.geom), postgresql_using="gist")
Index("event_copies_event", event_copies.c.event_id)
Index("audit_event", audit.c.event_id, audit.c.id)
Index("audit_at", audit.c.at, audit.c.id)
Index("tokens_owner", tokens.c.owner)
Index("outbox_due", outbox.c.state, outbox.c.next_at)
Index("outbox_source", outbox.c.source)
Index("areas_geom", areas.c.geom, postgresql_using="gist")
