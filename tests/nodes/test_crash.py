"""Crash and retries under sustained ingest, on SQLite and PostGIS: ``kill -9`` of a real server
process while client threads post batches with Idempotency-Keys; every batch that got a 201 is
stored exactly once after the restart (retries of unanswered batches included), and a websocket
resumes with ``since`` without a gap. The same key posted at once to two nodes, and a retry after
a client timeout, store one copy."""
from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers.faults import (IngestClients, StreamRecorder, assert_once, log_lock_held,
                                  wait_until)
from tests.helpers import ServerProcess, ServerThread, http, report
from tests.helpers.nodes import create_token


def stored_events(url: str, token: str) -> list[tuple[int, str]]:
    """Return (seq, id) of every stored event through the API."""
    body = http("GET", url + "/api/v1/events?since=0&limit=10000", token=token).body
    return [(e["seq"], e["id"]) for e in body["events"]]


def test_kill_9_during_sustained_ingest_loses_no_acknowledged_event(empty_store_url):
    db = empty_store_url
    operator, wall = create_token(db, "operator"), create_token(db, "wall")
    first = ServerProcess(env={"DATABASE_URL": db})
    current = [first.url]
    recorder = StreamRecorder(first.url, wall, 0)
    recorder.start()
    assert recorder.subscribed.wait(10)
    clients = IngestClients(lambda: current[0], operator, threads=4, batch=10, batches=15,
                            retry_pause_s=0.2).start()
    wait_until(lambda: len(clients.acked) >= 12)
    first.kill()
    acked_at_kill = len(clients.acked)
    recorder.join(10)
    t0 = time.monotonic()
    second = ServerProcess(env={"DATABASE_URL": db})
    try:
        restart_s = time.monotonic() - t0
        current[0] = second.url
        clients.join()
        print(f"\nkill -9 ({db.split(':')[0]}): {acked_at_kill} batches acknowledged before, "
              f"{clients.lost} requests unanswered, {clients.replayed} retries answered as "
              f"replays; serving again {restart_s:.1f} s after the kill, every batch "
              f"acknowledged {time.monotonic() - t0:.1f} s after it")
        assert not clients.unexpected, clients.unexpected[:3]
        assert len(clients.acked) == 60
        stored = stored_events(second.url, operator)
        assert_once(stored, clients.event_ids)
        before = [e["seq"] for e in recorder.events]
        assert before == list(range(1, len(before) + 1))  # live until the kill, in order
        resumed = StreamRecorder(second.url, wall, recorder.last_seq, idle_s=3)
        resumed.run()
        assert before + [e["seq"] for e in resumed.events] == [s for s, _ in stored]
    finally:
        second.stop()


@pytest.fixture
def two_nodes(store_url, make_server):
    """Two servers on one database (two processes' worth: each its own store and writer)."""
    return [make_server(db=store_url) for _ in range(2)]


def test_one_key_posted_at_once_to_two_nodes_is_stored_once(two_nodes, store_url):
    token = two_nodes[0].token("operator")
    body = {"events": [report(), report(lat=16.47)]}
    for _ in range(4):
        key, start = str(uuid.uuid4()), threading.Barrier(2)

        def post(node: ServerThread):  # noqa: ANN202
            start.wait(5)
            return http("POST", node.url + "/api/v1/events", body, token,
                        headers={"Idempotency-Key": key})

        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(post, two_nodes))
        assert [a.status for a in answers] == [201, 201]
        ids = [[e["id"] for e in a.body["events"]] for a in answers]
        assert ids[0] == ids[1]
        assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    assert len(stored_events(two_nodes[1].url, token)) == 8


def test_a_retry_after_a_client_timeout_is_stored_once(any_server, store_url):
    token = any_server.token("operator")
    body, key = {"events": [report()]}, str(uuid.uuid4())
    with log_lock_held(store_url):  # the write cannot finish: the client gives up
        with pytest.raises(OSError):
            http("POST", any_server.url + "/api/v1/events", body, token,
                 headers={"Idempotency-Key": key}, timeout=1)
    retry = http("POST", any_server.url + "/api/v1/events", body, token,
                 headers={"Idempotency-Key": key})
    assert retry.status == 201 and retry.headers.get("Idempotent-Replayed") == "true"
    assert stored_events(any_server.url, token) == [(1, retry.body["events"][0]["id"])]
