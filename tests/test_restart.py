"""The embedded store survives a crash: acknowledged events are there after kill -9, and seq
continues without reuse. Runs the real ``ioc`` command as a child process."""
from __future__ import annotations

import subprocess

from tests.helpers import ServerProcess, http, ioc_command, report


def create_token(db: str, role: str) -> str:
    out = subprocess.run(ioc_command() + ["token", "create", "--role", role, "--db", db],
                         capture_output=True, text=True, timeout=120, check=True)
    return out.stdout.strip().splitlines()[-1]


def test_store_survives_kill_and_seq_continues(tmp_path):
    db = f"sqlite:///{tmp_path / 'ioc.sqlite3'}"
    token = create_token(db, "operator")
    assert token.startswith("ioc_")
    first = ServerProcess("--db", db)
    try:
        acked = []
        for _ in range(10):
            res = http("POST", first.url + "/api/v1/events", {"events": [report()] * 5}, token)
            assert res.status == 201
            acked += res.body["events"]
    finally:
        first.kill()
    second = ServerProcess("--db", db)
    try:
        stored = http("GET", second.url + "/api/v1/events?since=0&limit=1000", token=token).body
        assert stored["events"] == acked
        new = http("POST", second.url + "/api/v1/events", report(), token).body["events"][0]
        assert new["seq"] == acked[-1]["seq"] + 1
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
