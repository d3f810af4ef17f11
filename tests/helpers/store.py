"""Light helpers for store tests (importable by spawned writer processes: no Tornado here)."""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from typing import Iterator

import numpy as np

from server.core.events import NewEvent
from server.core.timefmt import now_micros


def new_event(i: int = 0, ref: str | None = None, kind: str = "report", area: str = "19789",
              lat: float = 16.4637, lon: float = 107.5909) -> NewEvent:
    """Return a routed event ``#i`` (default: central Huế, commune 19789)."""
    import uuid6
    now = now_micros()
    return NewEvent(id=str(uuid6.uuid7()), kind=kind, category="environment.waste", lat=lat,
                    lon=lon, cell=0x89659da2a13ffff, area=area, agency_id=f"ubnd-{area}",
                    observed_at=now, received_at=now, source_channel="api", source_ref=ref,
                    severity="minor", status="routed", props={"description": f"#{i}"})


def scattered(n: int, seed: int = 7) -> list[NewEvent]:
    """Return ``n`` events at seeded random points around central Huế (every third an sos)."""
    rng = np.random.default_rng(seed)
    return [new_event(i, kind="report" if i % 3 else "sos", lat=float(16.40 + rng.random() * 0.12),
                      lon=float(107.52 + rng.random() * 0.12)) for i in range(n)]


def append_batches(url: str, batches: int, size: int, acked, start) -> None:  # noqa: ANN001
    """Writer process: open the store at ``url``, wait at the ``start`` barrier with the other
    writers, append ``batches`` batches of ``size`` events, and put the list of acknowledged seqs
    on the ``acked`` queue."""
    from server.store import open_store
    from server.core.timefmt import parse_offset
    store = open_store(url, parse_offset("+07:00"))
    try:
        start.wait(90)
        seqs = [e["seq"] for _ in range(batches)
                for e in store.append([new_event(i) for i in range(size)]).events]
    finally:
        store.close()
    acked.put(seqs)


@contextmanager
def writer_lock_held(url: str) -> Iterator[None]:
    """Hold, from a connection of its own, the lock a store's writers queue on (SQLite: the
    database write lock; PostGIS: the row of the seq counter) until the block ends."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
    else:
        import psycopg
        conn = psycopg.connect(url.replace("+psycopg", ""))
        conn.execute("SELECT value FROM counters WHERE name = 'seq' FOR UPDATE")
    try:
        yield
    finally:
        conn.rollback() if not isinstance(conn, sqlite3.Connection) else conn.execute("ROLLBACK")
        conn.close()
