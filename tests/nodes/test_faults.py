"""Faults under sustained ingest: the database goes away (PostGIS cut behind a proxy, SQLite's
disk full, a locked SQLite file). Every 201 is stored exactly once, the refusals are 503 with
``Retry-After`` in the one error shape, reads too, health says degraded, and the server recovers
by itself. Recovery times are printed (``pytest -s``) and quoted in docs/RELIABILITY.md."""
from __future__ import annotations

import resource
import sqlite3
import time

import psycopg
import pytest
from websockets.exceptions import ConnectionClosed

from server.store import open_store
from server.core.timefmt import parse_offset
from tests.helpers.faults import IngestClients, assert_once, proxied_server, wait_until
from tests.helpers import ServerProcess, collect_events, http, open_ws, subscribe
from tests.helpers import assert_error
from tests.helpers.nodes import create_token

def health(url: str) -> dict:
    """Return the health document (no token)."""
    res = http("GET", url + "/api/v1/health", timeout=15)
    assert res.status == 200, res.body
    return res.body


def assert_unavailable(res) -> None:  # noqa: ANN001
    """A 503 in the one error shape with a Retry-After of whole seconds."""
    err = assert_error(res, 503, "unavailable")
    assert "database" in err["message"]
    assert int(res.headers["Retry-After"]) >= 1


def stored_ids_pg(db_url: str) -> list[tuple[int, str]]:
    """Return (seq, id) of every stored event, read in PostgreSQL itself."""
    with psycopg.connect(db_url.replace("+psycopg", "")) as conn:
        return conn.execute("SELECT seq, id::text FROM events ORDER BY seq").fetchall()


def assert_resume_refused(srv, token: str) -> None:  # noqa: ANN001
    """A client resuming while the store is away is closed with 1013 and told to resume."""
    with open_ws(srv, token) as late:
        subscribe(late, since=0)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                late.recv(timeout=30)
    assert closed.value.rcvd.code == 1013 and "since" in closed.value.rcvd.reason


def test_postgis_cut_mid_stream_refuses_with_503_loses_nothing_and_recovers(pg_database, router):
    with proxied_server(pg_database, router, store_retry_after_s=1) as (srv, proxy):
        operator, wall = srv.token("operator"), srv.token("wall")
        with open_ws(srv, wall) as ws:
            subscribe(ws, since=0)
            clients = IngestClients(lambda: srv.url, operator, threads=3, batches=12).start()
            wait_until(lambda: len(clients.acked) >= 5)
            proxy.cut()
            acked_before = len(clients.acked)
            wait_until(lambda: clients.refusals >= 3)
            assert_unavailable(http("GET", srv.url + "/api/v1/events?since=0", token=operator))
            assert http("GET", srv.url + "/api/v1/kpis", token=operator).status == 200  # figures
            # the store cannot answer come back "unknown" (server.core.kpis), the document
            # still does
            assert_unavailable(http("GET", srv.url + "/api/v1/ready"))
            doc = health(srv.url)
            assert doc["status"] == "degraded" and doc["store"]["state"] == "unavailable"
            assert_resume_refused(srv, wall)
            time.sleep(1.0)
            assert len(clients.acked) == acked_before  # nothing acknowledged while it is away
            proxy.restore()
            recovery = wait_until(lambda: health(srv.url)["status"] == "ok")
            clients.join()
            print(f"\nPostGIS cut: {clients.refusals} refusals (503), {clients.lost} lost "
                  f"connections, back {recovery:.2f} s after the database returned")
            assert not clients.unexpected, clients.unexpected[:3]
            assert len(clients.acked) == 36
            stored = stored_ids_pg(pg_database)
            assert_once(stored, clients.event_ids)
            live = collect_events(ws, stored[-1][0], timeout=10)
            assert [e["seq"] for e in live] == [s for s, _ in stored]  # the wall missed nothing
        assert health(srv.url)["store"]["outages"] == 1


def test_sqlite_disk_full_refuses_with_503_and_recovers_when_space_returns(tmp_path):
    """The server's process may not grow files past their size (RLIMIT_FSIZE: writes fail as on
    a full disk); then the limit is lifted, as when space is freed."""
    db = f"sqlite:///{tmp_path / 'ioc.sqlite3'}"
    operator = create_token(db, "operator")
    server = ServerProcess(env={"DATABASE_URL": db, "IOC_STORE_RETRY_AFTER_S": "1"})
    try:
        first = IngestClients(lambda: server.url, operator, threads=1, batches=3).start()
        first.join()
        assert len(first.acked) == 3
        sizes = [p.stat().st_size for p in tmp_path.glob("ioc.sqlite3*")]
        _, hard = resource.prlimit(server.proc.pid, resource.RLIMIT_FSIZE)
        resource.prlimit(server.proc.pid, resource.RLIMIT_FSIZE, (max(sizes) + 8192, hard))
        clients = IngestClients(lambda: server.url, operator, threads=2, batch=50,
                                batches=6).start()
        wait_until(lambda: clients.refusals >= 2 or clients.unexpected, 20)
        assert not clients.unexpected, clients.unexpected[:3]
        doc = health(server.url)
        assert doc["status"] == "degraded" and "Error" in doc["store"]["error"]
        assert doc["store"]["failing"] == ["write"]  # it still reads
        resource.prlimit(server.proc.pid, resource.RLIMIT_FSIZE, (hard, hard))
        recovery = wait_until(lambda: health(server.url)["status"] == "ok")
        clients.join()
        print(f"\nSQLite disk full: {clients.refusals} refusals (503), back {recovery:.2f} s "
              "after space returned")
        assert not clients.unexpected, clients.unexpected[:3]
        events = http("GET", server.url + "/api/v1/events?since=0&limit=10000", token=operator).body
        stored = [(e["seq"], e["id"]) for e in events["events"]]
        assert_once(stored, first.event_ids + clients.event_ids)
    finally:
        server.stop()
    with sqlite3.connect(tmp_path / "ioc.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_locked_sqlite_database_is_unavailable_not_a_bug(tmp_path):
    """``database is locked`` (another writer past the busy timeout) is a 503, a SQL error is
    not."""
    path = tmp_path / "ioc.sqlite3"
    store = open_store(f"sqlite:///{path}", parse_offset("+07:00"))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        other = sqlite3.connect(path, isolation_level=None, timeout=0.1)
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            locked = exc
        assert store.unavailable(locked)
        try:
            other.execute("SELECT * FROM no_such_table")
        except sqlite3.OperationalError as exc:
            wrong = exc
        assert not store.unavailable(wrong)
        other.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        store.close()
