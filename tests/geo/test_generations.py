"""Boundary generations: the switch on 2025-07-01, the diff of the real 2019 → 2025 change, and
re-routing stored events in bulk (the ``ioc`` command and the HTTP API, audited and streamed)."""
from __future__ import annotations

import json
import subprocess
from datetime import date

import h3
import pytest

from geo.areas import local_day_start_us
from geo.diff import diff_generations
from server.core.timefmt import parse_rfc3339
from tests.helpers import http, ioc_command, open_ws, recv_json, report

THUAN_HOA = (16.4539, 107.5831)     # commune 19789 in the 2025 generation, district 474 before
PHU_VINH = (16.4582, 107.7747)      # commune 19945, district 478 (Phú Vang) before
SWITCH = "2025-07-01T00:00:00+07:00"
LAST_DISTRICT_US = parse_rfc3339(SWITCH) - 1


def test_the_generation_switches_at_local_midnight_on_2025_07_01(router):
    assert router.generations.starts_us[1] == local_day_start_us(date(2025, 7, 1)) \
        == parse_rfc3339(SWITCH)
    before = router.route(*THUAN_HOA, "urban_order.sidewalk", LAST_DISTRICT_US)
    after = router.route(*THUAN_HOA, "urban_order.sidewalk", LAST_DISTRICT_US + 1)
    assert before == (before.cell, "474", "ubnd-474", (), 72, "districts-2019")
    assert after == (after.cell, "19789", "ubnd-19789", (), 72, "communes-2025")
    early = router.route(*THUAN_HOA, "urban_order.sidewalk", 0)
    assert early.generation == "districts-2019"


def test_the_api_routes_with_the_generation_in_force_at_observed_at(server, operator):
    times = ["2025-06-30T23:59:59+07:00", SWITCH]
    events = [report(*THUAN_HOA, category="urban_order.sidewalk", observed_at=t) for t in times]
    stored = server.post_events(events, operator).body["events"]
    assert [(e["area"], e["agency_id"]) for e in stored] == [
        ("474", "ubnd-474"), ("19789", "ubnd-19789")]
    gens = http("GET", server.url + "/api/v1/generations").body
    assert [g["id"] for g in gens["generations"]] == ["districts-2019", "communes-2025"]
    assert gens["current"] == "communes-2025" and gens["generations"][0]["valid_to"] == "2025-06-30"
    areas = http("GET", server.url + "/api/v1/generations/districts-2019/areas").body
    assert len(areas["features"]) == 9
    missing = http("GET", server.url + "/api/v1/generations/districts-1900/areas")
    assert missing.status == 404 and "communes-2025" in missing.body["error"]["message"]


def test_diff_of_the_real_2019_to_2025_change(tmp_path):
    out = tmp_path / "diff.geojson"
    run = subprocess.run(ioc_command() + ["areas", "diff", "districts-2019", "communes-2025",
                                          "--geojson", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert any("478 Huyện Phú Vang" in ln and "19909 Phường Dương Nỗ" in ln for ln in lines)
    doc = json.loads(out.read_text())
    diff = doc["diff"]
    assert diff["from"] == "districts-2019" and diff["res"] == 9
    assert diff["cells_changed"] == diff["cells_total"] > 40_000   # every code changes
    assert f"{diff['cells_changed']} / {diff['cells_total']}" in lines[-2]
    pairs = {(f["properties"]["from"], f["properties"]["to"]): f["properties"]
             for f in doc["features"]}
    assert pairs[("478", "19909")]["share_of_to"] > 0.99     # Dương Nỗ came from Phú Vang (2021)
    assert pairs[("480", "19804")]["share_of_to"] > 0.5      # Hương An from Hương Trà
    assert sum(p["cell_count"] for p in pairs.values()) == diff["cells_total"]
    sample = pairs[("483", "20179")]                         # Nam Đông district → Nam Đông commune
    cells = h3.uncompact_cells(sample["cells"], 9)
    assert len(cells) == sample["cell_count"] > 1000 and sample["share_of_from"] > 0.25


def test_diff_of_a_generation_with_itself_changes_nothing(router):
    diff = diff_generations(router.locators[0], router.locators[0], 8)
    assert diff.cells_changed == 0 and diff.cells_total > 5000
    assert all(not h.changes_hands for h in diff.handovers)
    assert all(h.share_of_source > 0.99 for h in diff.handovers if h.source)


def seed_old_events(server, operator) -> list[dict]:
    """Two events of the district era (2024) and one of the commune era (2026)."""
    events = [report(*THUAN_HOA, category="urban_order.sidewalk",
                     observed_at="2024-05-01T08:00:00+07:00"),
              report(*PHU_VINH, category="security.theft", observed_at="2024-10-10T20:00:00+07:00"),
              report(*PHU_VINH, category="security.theft", observed_at="2026-01-02T08:00:00+07:00")]
    return server.post_events(events, operator).body["events"]


def reroute_cli(db: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(ioc_command() + ["areas", "reroute", "--db", db, *args],
                          capture_output=True, text=True, timeout=300)


def test_reroute_with_the_command_is_audited_and_idempotent(server, operator, settings):
    stored = seed_old_events(server, operator)
    assert [e["agency_id"] for e in stored] == ["ubnd-474", "ca-478", "ca-19945"]
    dry = reroute_cli(settings.db, "--generation", "communes-2025", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "3 sự kiện đã xét / scanned, 3 chọn / selected, 2 sẽ đổi" in dry.stdout
    unchanged = http("GET", f"{server.url}/api/v1/events/{stored[0]['id']}", token=operator)
    assert unchanged.body == stored[0]
    run = reroute_cli(settings.db, "--generation", "communes-2025")
    assert run.returncode == 0 and "2 đã đổi" in run.stdout
    assert "ubnd-474 → ubnd-19789" in run.stdout
    page = http("GET", server.url + "/api/v1/events?since=3", token=operator).body["events"]
    assert [(e["area"], e["agency_id"], e["seq"]) for e in page] == [
        ("19789", "ubnd-19789", 4), ("19945", "ca-19945", 5)]
    [entry] = server.call(server.core.history(stored[0]["id"]))
    assert (entry.action, entry.role) == ("reroute", "admin")
    assert entry.reason == "boundary generation communes-2025"
    assert entry.data["from"] == {"area": "474", "agency_id": "ubnd-474"}
    again = reroute_cli(settings.db, "--generation", "communes-2025")
    assert "0 đã đổi" in again.stdout
    back = reroute_cli(settings.db, "--observed-from", "2024-06-01", "--observed-to", "2025-07-01")
    assert "3 sự kiện đã xét / scanned, 1 chọn / selected, 1 đã đổi" in back.stdout
    bad = reroute_cli(settings.db, "--generation", "communes-1999")
    assert bad.returncode == 2 and "districts-2019" in bad.stderr


def test_reroute_over_the_api_streams_the_changes(server, operator):
    stored = seed_old_events(server, operator)
    admin = server.token("admin")
    url = server.url + "/api/v1/areas/reroute"
    assert http("POST", url, {"generation": "communes-2025"}, operator).status == 403
    bad = http("POST", url, {"generation": "x", "colour": "red"}, admin)
    assert bad.status == 422 and {d["path"] for d in bad.body["error"]["details"]} == {"colour"}
    unknown = http("POST", url, {"generation": "x"}, admin)
    assert unknown.status == 422 and unknown.body["error"]["details"][0]["path"] == "generation"
    with open_ws(server, server.token("wall")) as ws:
        ws.send(json.dumps({"op": "subscribe", "layers": ["reports"], "since": 3}))
        assert recv_json(ws)["op"] == "subscribed"
        res = http("POST", url, {"generation": "communes-2025", "kinds": ["report"]}, admin)
        assert res.status == 200, res.body
        assert res.body["changed"] == 2 and {"from": "ubnd-474", "to": "ubnd-19789", "events": 1} \
            in res.body["moves"]
        frame = recv_json(ws)
        while frame["op"] != "events":
            frame = recv_json(ws)
        assert [(e["id"], e["agency_id"]) for e in frame["events"]] == [
            (stored[0]["id"], "ubnd-19789"), (stored[1]["id"], "ca-19945")]


@pytest.mark.parametrize("body", [{"observed_from": "2025-01-01T00:00:00+07:00",
                                   "observed_to": "2024-01-01T00:00:00+07:00"}])
def test_reroute_refuses_an_empty_period(server, body):
    res = http("POST", server.url + "/api/v1/areas/reroute", body, server.token("admin"))
    assert res.status == 422 and res.body["error"]["details"][0]["path"] == "observed_to"
