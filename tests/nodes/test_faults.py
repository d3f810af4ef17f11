"""Faults under sustained ingest: the database goes away (PostGIS cut behind a proxy, SQLite's
disk full, a locked SQLite file). Every 201 is stored exactly once, the refusals are 503 with
``Retry-After`` in the one error shape, reads too, health says degraded, and the server recovers
by itself. Recovery times are printed (``pytest -s``) and quoted in docs/RELIABILITY.md."""
from __future__ import annotations

import resource
import sqlite3
import time
from urllib.parse import urlsplit

import psycopg
import pytest
from websockets.exceptions import ConnectionClosed

from server.core.timefmt import parse_offset
from server.features import Settings
from server.store import open_store
from tests.helpers import (
    ServerProcess,
    ServerThread,
    assert_error,
    collect_events,
    http,
    open_ws,
    report,
    subscribe,
)
from tests.helpers.faults import (
    IngestClients,
    assert_once,
    log_lock_held,
    proxied_server,
    wait_until,
)
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


def timed(method: str, url: str, token: str | None = None,
          **kw) -> tuple[float, object]:  # noqa: ANN003
    """Return (seconds it took, the Response) of one request (it must answer within 8 s)."""
    start = time.monotonic()
    res = http(method, url, token=token, timeout=8, **kw)
    return time.monotonic() - start, res


def test_a_silent_postgis_partition_answers_503_within_seconds_and_loses_nothing(pg_database,
                                                                                 router):
    """The proxy stops forwarding without closing anything (a network cut that closes nothing):
    requests answer within a few seconds (503 + Retry-After; KPIs ``unknown``) instead of
    hanging for the cut's whole length, and every acknowledged event is stored once after."""
    with proxied_server(pg_database, router, store_retry_after_s=1,
                        store_timeout_s=1.5) as (srv, proxy):
        operator = srv.token("operator")
        clients = IngestClients(lambda: srv.url, operator, threads=2, batches=8).start()
        wait_until(lambda: len(clients.acked) >= 3)
        proxy.stall()
        took, res = timed("POST", srv.url + "/api/v1/events", operator, body={"events": [report()]},
                          headers={"Idempotency-Key": "partition-1"})
        assert_unavailable(res)
        assert took < 4, took
        took, res = timed("GET", srv.url + "/api/v1/events?since=0", operator)
        assert_unavailable(res)
        assert took < 4, took
        took, res = timed("GET", srv.url + "/api/v1/kpis", operator)
        assert res.status == 200 and took < 6, (res.status, took)
        assert health(srv.url)["status"] == "degraded"
        time.sleep(1.0)
        acked_during = len(clients.acked)
        proxy.restore()
        wait_until(lambda: health(srv.url)["status"] == "ok")
        clients.join()
        assert not clients.unexpected, clients.unexpected[:3]
        assert len(clients.acked) == 16 and clients.refusals >= 1 and acked_during < 16
        retry = http("POST", srv.url + "/api/v1/events", {"events": [report()]}, operator,
                     headers={"Idempotency-Key": "partition-1"})
        assert retry.status == 201
        stored = stored_ids_pg(pg_database)
        assert_once(stored, clients.event_ids + [e["id"] for e in retry.body["events"]])


@pytest.mark.parametrize("backend", ["sqlite", "postgis"])
def test_a_held_write_lock_answers_503_within_seconds_and_the_retry_is_stored_once(
        backend, tmp_path, request, router):
    """Another writer holds the store's lock (SQLite: a busy database; PostgreSQL: the seq row):
    a POST answers 503 + Retry-After after ``store_timeout_s``, not after the lock is gone; the
    retry with the same key is stored once."""
    db = (f"sqlite:///{tmp_path / 'ioc.sqlite3'}" if backend == "sqlite"
          else request.getfixturevalue("pg_database"))
    srv = ServerThread(Settings(port=0, db=db, flush_ms=50, store_timeout_s=1,
                                store_retry_after_s=1), router).start()
    try:
        token, body = srv.token("operator"), {"events": [report()]}
        with log_lock_held(db):
            took, res = timed("POST", srv.url + "/api/v1/events", token, body=body,
                              headers={"Idempotency-Key": "held"})
            assert_unavailable(res)
            assert took < 4, took
        retry = http("POST", srv.url + "/api/v1/events", body, token,
                     headers={"Idempotency-Key": "held"})
        assert retry.status == 201
        stored = http("GET", srv.url + "/api/v1/events?since=0", token=token).body["events"]
        assert [(e["seq"], e["id"]) for e in stored] == [(1, retry.body["events"][0]["id"])]
    finally:
        srv.stop()


def test_a_server_started_while_postgis_is_down_serves_503_and_starts_when_it_answers(
        pg_database, router):
    """The database refuses every connection when the server starts (the proxy is cut): the
    server starts anyway, answers 503 (``/ready`` too, ``/health`` degraded) and, once the
    database answers, serves and streams without a restart."""
    from server.core.auth import new_token
    from tests.helpers.faults import CuttableProxy
    store = open_store(pg_database, parse_offset("+07:00"))
    operator, record = new_token("operator")
    store.save_token(record)
    store.close()
    target = urlsplit(pg_database)
    proxy = CuttableProxy((target.hostname, target.port or 5432))
    proxy.cut()
    srv = ServerThread(Settings(port=0, db=proxy.url_for(pg_database), flush_ms=50,
                                store_retry_after_s=1), router).start()
    try:
        assert_unavailable(http("GET", srv.url + "/api/v1/ready", timeout=15))
        doc = health(srv.url)
        assert doc["status"] == "degraded" and doc["store"]["state"] == "unavailable"
        res = http("POST", srv.url + "/api/v1/events", {"events": [report()]}, operator,
                   timeout=15)
        assert res.status == 503 and res.headers["Retry-After"] == "1", res.body
        proxy.restore()
        wait_until(lambda: http("GET", srv.url + "/api/v1/ready").status == 200, 30)
        assert health(srv.url)["status"] == "ok"
        with open_ws(srv, operator) as ws:
            subscribe(ws, since=0)
            res = http("POST", srv.url + "/api/v1/events", {"events": [report()]}, operator)
            assert res.status == 201
            live = collect_events(ws, res.body["events"][0]["seq"])
            assert [e["id"] for e in live] == [res.body["events"][0]["id"]]
    finally:
        srv.stop()
        proxy.close()
