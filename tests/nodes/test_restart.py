"""Each store survives a crash: acknowledged events are there after kill -9, seq continues
without reuse, a websocket resumes from ``since``. Runs the real ``ioc`` command as a child
process, on SQLite and on PostGIS."""
from __future__ import annotations

import asyncio
import subprocess

import pytest

from server.core.errors import Unavailable
from server.core.kit.follow import LoadGate
from tests.helpers import (ServerProcess, collect_events, http, ioc_command, report, run_async)
from tests.helpers.nodes import create_token, subscribe_ws


def test_store_survives_kill_and_websocket_resumes(empty_store_url):
    """The real ``ioc serve`` on each backend: it migrates the empty database, streams what it
    acknowledged, survives kill -9, continues seq and resumes a websocket with ``since``."""
    first = ServerProcess(env={"DATABASE_URL": empty_store_url})
    token, wall = create_token(empty_store_url, "operator"), create_token(empty_store_url, "wall")
    try:
        with subscribe_ws(first.url, wall, 0) as ws:
            acked = []
            for _ in range(10):
                res = http("POST", first.url + "/api/v1/events", {"events": [report()] * 5}, token)
                assert res.status == 201
                acked += res.body["events"]
            assert collect_events(ws, acked[-1]["seq"]) == acked
    finally:
        first.kill()
    second = ServerProcess("--db", empty_store_url)
    try:
        stored = http("GET", second.url + "/api/v1/events?since=0&limit=1000", token=token).body
        assert stored["events"] == acked
        with subscribe_ws(second.url, wall, acked[-5]["seq"]) as ws:
            new = http("POST", second.url + "/api/v1/events", report(), token).body["events"][0]
            assert new["seq"] == acked[-1]["seq"] + 1
            assert collect_events(ws, new["seq"]) == acked[-4:] + [new]
    finally:
        second.stop()


def test_token_create_rejects_bad_role_and_agency(tmp_path):
    db = f"sqlite:///{tmp_path / 'ioc.sqlite3'}"
    bad = subprocess.run(ioc_command() + ["token", "create", "--role", "agency", "--db", db],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "agency" in bad.stderr
    bad = subprocess.run(ioc_command() + ["token", "create", "--role", "agency", "--agency",
                                          "ubnd-99999", "--db", db],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "unknown agency" in bad.stderr
    ok = create_token(db, "wall")
    assert ok.startswith("ioc_")


def test_a_request_waits_for_the_state_read_back_then_is_refused_503():
    """LoadGate: a request that needs a feature's stored state waits for it after a restart;
    if the store never answers it gets Unavailable (503, retry later), not a wrong answer."""
    async def scenario() -> None:
        gate = LoadGate("the flooded-road book", timeout_s=0.05)
        with pytest.raises(Unavailable, match="the flooded-road book is not loaded"):
            await gate.wait()
        gate.timeout_s = 5
        waiting = asyncio.ensure_future(gate.wait())
        await asyncio.sleep(0.02)
        assert not waiting.done()
        gate.open()
        await asyncio.wait_for(waiting, 1)
    run_async(scenario())
