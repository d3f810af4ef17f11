"""The ``ioc`` command as a user runs it: the demo server and scenario replay."""
from __future__ import annotations

import json
import subprocess
from contextlib import contextmanager

from tests.helpers import ServerProcess, http, ioc_command, recv_json
from tests.helpers.nodes import create_token


@contextmanager
def demo_stream(tmp_path, scenario: str, speed: str, layers: list[str]):  # noqa: ANN001, ANN201
    """Run ``ioc serve --demo --scenario SCENARIO`` on SQLite in ``tmp_path`` and yield
    (server, websocket subscribed to ``layers`` since 0, wall token); stop it after."""
    from websockets.sync.client import connect
    demo = ServerProcess("--db", f"sqlite:///{tmp_path / 'demo.sqlite3'}", "--demo", "--scenario",
                         scenario, "--speed", speed, env={"IOC_DATA_DIR": str(tmp_path)})
    try:
        token = demo.wait_for(r"/wall#token=(\S+)")
        with connect(demo.url.replace("http", "ws") + f"/ws?token={token}", open_timeout=10) as ws:
            ws.send(json.dumps({"op": "subscribe", "layers": layers, "since": 0}))
            assert recv_json(ws)["op"] == "subscribed"
            yield demo, ws, token
    finally:
        demo.stop()

def test_demo_prints_wall_url_and_streams_reports(tmp_path):
    db = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    demo = ServerProcess("--db", db, "--demo", "--speed", "20000")
    try:
        link = demo.wait_for(r"(http://\S+/password#code=\S+)")  # the first administrator
        wall_url = demo.wait_for(r"(http://\S+/wall#token=\S+)")
        token = wall_url.split("#token=")[1]
        page = http("GET", wall_url.split("#")[0])
        assert page.status == 200 and "Màn hình tường" in page.raw.decode()
        from websockets.sync.client import connect
        with connect(demo.url.replace("http", "ws") + f"/ws?token={token}", open_timeout=10) as ws:
            ws.send(json.dumps({"op": "subscribe", "layers": ["reports"], "since": 0}))
            assert recv_json(ws)["op"] == "subscribed"
            frame = recv_json(ws, timeout=20)
            assert frame["op"] == "events" and frame["events"][0]["kind"] == "report"
            assert all(e["area"] for e in frame["events"])
        hotline = demo.wait_for(r"(http://\S+/hotline#token=\S+)").split("#token=")[1]
        tablet = demo.wait_for(r"(http://\S+/tablet#token=\S+)").split("#token=")[1]
        units = http("GET", demo.url + "/api/v1/units", token=hotline).body["units"]
        assert len(units) == 18 and all(u["props"]["illustrative"] for u in units)
        mine = http("GET", demo.url + "/api/v1/units/me", token=tablet).body
        assert mine["unit"]["props"]["unit_id"] == "qs-xuong-01" and mine["calls"] == []
        code, password = link.split("#code=")[1], "Thừa Thiên Huế 2025"
        assert http("POST", demo.url + "/auth/password",
                    {"code": code, "password": password}).body == {"username": "admin"}
        signed = http("POST", demo.url + "/auth/login", {"username": "admin",
                                                         "password": password})
        assert signed.status == 200 and signed.body["home"] == "/admin"
    finally:
        demo.stop()


def test_token_create_binds_a_responder_to_a_registered_unit(tmp_path):
    db = f"sqlite:///{tmp_path / 'ioc.sqlite3'}"
    create = lambda *args: subprocess.run(ioc_command() + ["token", "create", "--db", db, *args],  # noqa: E731
                                          capture_output=True, text=True, timeout=120)
    missing = create("--role", "responder")
    assert missing.returncode != 0 and "unit" in missing.stderr
    unknown = create("--role", "responder", "--unit", "tn-nowhere")
    assert unknown.returncode != 0 and "no responder unit 'tn-nowhere'" in unknown.stderr
    operator = create("--role", "operator").stdout.strip()
    srv = ServerProcess("--db", db)
    try:
        unit = {"name": "Đội xuồng thử", "type": "volunteer_boat", "capabilities": ["boat"],
                "home": {"name": "Bến Kim Long", "lat": 16.4598, "lon": 107.5616}}
        assert http("PUT", srv.url + "/api/v1/units/tn-thu", unit, operator).status == 200
    finally:
        srv.stop()
    made = create("--role", "responder", "--unit", "tn-thu")
    assert made.returncode == 0, made.stderr
    srv = ServerProcess("--db", db)
    try:
        view = http("GET", srv.url + "/api/v1/units/me", token=made.stdout.strip())
        assert view.status == 200 and view.body["unit"]["props"]["unit_id"] == "tn-thu"
    finally:
        srv.stop()


def test_replay_posts_scenario_with_progress(tmp_path):
    db = f"sqlite:///{tmp_path / 'ioc.sqlite3'}"
    token = create_token(db, "operator")
    srv = ServerProcess("--db", db)
    try:
        run = subprocess.run(ioc_command() + ["replay", "normal_day", "--speed", "0",
                                              "--limit", "30", "--url", srv.url, "--token", token],
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        assert "30/30" in run.stderr and "sent 30 events" in run.stdout
        events = http("GET", srv.url + "/api/v1/events?limit=100", token=token).body["events"]
        assert len(events) == 30
        assert {e["source"]["channel"] for e in events} == {"hue-s"}
        bad = subprocess.run(ioc_command() + ["replay", "no_such_day", "--token", token,
                                              "--url", srv.url],
                             capture_output=True, text=True, timeout=120)
        assert bad.returncode == 2 and "normal_day" in bad.stderr
        refused = subprocess.run(ioc_command() + ["replay", "normal_day", "--speed", "0",
                                                  "--limit", "3", "--url", srv.url,
                                                  "--token", "ioc_wrong"],
                                 capture_output=True, text=True, timeout=120)
        assert refused.returncode == 1 and "401" in refused.stderr
    finally:
        srv.stop()


def test_ais_replay_sends_a_recording(tmp_path):
    from scenarios.fleet import Fleet, tag
    db = f"sqlite:///{tmp_path / 'ioc.sqlite3'}"
    token = create_token(db, "operator")
    fleet = Fleet(12, seed=3)
    recording = tmp_path / "ais.nmea"
    lines = fleet.statics() + [tag(ln, 1_763_340_000) for ln in fleet.positions()] + ["junk"]
    recording.write_text("\n".join(lines) + "\n")
    srv = ServerProcess("--db", db)
    try:
        run = subprocess.run(ioc_command() + ["ais", "replay", str(recording), "--url", srv.url,
                                              "--token", token],
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        assert f"{len(lines)}/{len(lines)}" in run.stderr and "'corrupt': 1" in run.stdout
        vessels = http("GET", srv.url + "/api/v1/vessels", token=token).body["vessels"]
        assert sorted(v["mmsi"] for v in vessels) == sorted(b.mmsi for b in fleet.boats)
        assert all(v["name"].startswith("TTH ") for v in vessels)
        assert all(v["last_seen"].startswith("2025-11-17T07:40:00") for v in vessels)
    finally:
        srv.stop()


def test_demo_normal_month_streams_reports_through_their_lifecycle(tmp_path):
    seen: set[str] = set()
    with demo_stream(tmp_path, "normal_month", "20000", ["reports"]) as (demo, ws, _):
        demo.wait_for(r"(/public)")
        while not {"accepted", "resolved"} <= seen:
            frame = recv_json(ws, timeout=30)
            seen |= {e["status"] for e in frame.get("events", [])}
        page = http("GET", demo.url + "/public")
        assert page.status == 200 and "Kết quả xử lý phản ánh" in page.raw.decode()


def test_demo_flood_streams_real_levels_and_calls(tmp_path):
    kinds: dict[str, list] = {}
    with demo_stream(tmp_path, "flood_2025_11", "50000",
                     ["sensors", "sos", "hotline_calls"]) as (_, ws, _t):
        for _ in range(200):
            if {"sensor_reading", "hotline_call", "sos"} <= set(kinds):
                break
            for e in recv_json(ws, timeout=30).get("events", []):
                kinds.setdefault(e["kind"], []).append(e)
    first = kinds["sensor_reading"][0]["props"]
    # 15 Nov 2025 00:00, the first hour of the file's window: Kim Long read 1.15 m
    assert (first["station"], first["value"], first["level"]) == ("kim-long", 1.15, 1)
    assert all(c["props"]["triage"]["priority"] for c in kinds["hotline_call"])
