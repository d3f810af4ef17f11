"""The flood_2025_11 scenario: the real levels of the CSV at their hours (read here on its own),
call volumes, kinds and places, determinism, and an accelerated run through a real server in
which the real levels raise the BĐ alerts, fill the river figures and mark flooded roads."""
from __future__ import annotations

import asyncio
import csv
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from geo.router import service_region
from scenarios.flood_2025_11 import COMMUNES, Flood2025
from scenarios.player import http_sink, play
from server.core.events import EventValidator
from server.features import default_kinds
from tests.helpers import http
from tests.helpers.server import ROOT

CSV = ROOT / "geo" / "data" / "hue_water_levels_2025-11.csv"
ICT = timezone(timedelta(hours=7))
T0, T1 = datetime(2025, 11, 15, tzinfo=ICT), datetime(2025, 11, 21, tzinfo=ICT)
IDS = {"Kim Long": "kim-long", "Phú Ốc": "phu-oc", "Bình Điền": "binh-dien",
       "Hương Điền": "huong-dien", "Tả Trạch": "ta-trach"}
BD = {"kim-long": (1.0, 2.0, 3.5), "phu-oc": (1.5, 3.0, 4.5)}  # VNDMS alarm levels
EMERGENCY_NEEDS = {"labour", "cardiac", "medical"}


def csv_rows() -> list[dict]:
    """Return the file's rows of the scenario window, read with nothing of the project."""
    out = []
    with CSV.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            at = datetime.strptime(r["time_local"], "%Y-%m-%d %H:%M").replace(tzinfo=ICT)
            if T0 <= at < T1:
                out.append({**r, "at": at})
    return out


@pytest.fixture(scope="module")
def scenario() -> Flood2025:
    return Flood2025()


@pytest.fixture(scope="module")
def events(scenario) -> list:
    return list(scenario.events(11))


def test_the_real_levels_come_at_their_hours(events):
    got = sorted((t.offset_s, t.event["props"]["station"], t.event["props"]["value"],
                  t.event["props"].get("derived", {}).get("outflow"))
                 for t in events if t.event["kind"] == "sensor_reading")
    want = sorted(((r["at"] - T0).total_seconds(), IDS[r["station_name"]],
                   float(r["water_level_m"]),
                   float(r["outflow_m3s"]) if r["outflow_m3s"] else None) for r in csv_rows())
    assert got == want and len(got) > 400
    peak = max((r for r in csv_rows() if r["station_name"] == "Phú Ốc"),
               key=lambda r: float(r["water_level_m"]))
    at_peak = [t for t in events if t.event["kind"] == "sensor_reading"
               and t.event["props"]["station"] == "phu-oc"
               and t.offset_s == (peak["at"] - T0).total_seconds()]
    assert at_peak[0].event["props"]["value"] == 4.96


def test_call_volumes_kinds_and_places(events, router):
    hotline = [t for t in events if t.event["kind"] == "hotline_call"]
    sos = [t for t in events if t.event["kind"] == "sos"]
    assert len(hotline) == 700 and len(sos) == 250
    span = max(t.offset_s for t in hotline) - min(t.offset_s for t in hotline)
    assert span <= 72 * 3600  # ~700 calls in three days
    needs = [set(t.event["props"].get("needs", ())) for t in hotline]
    assert sum(bool(n & EMERGENCY_NEEDS) for n in needs) == 255
    assert sum("labour" in n for n in needs) == 8 and sum("cardiac" in n for n in needs) > 0
    assert any(t.event["category"] == "rescue.patient_transport" for t in hotline)
    # the places: low-lying communes along the rivers and the lagoon only
    validator = EventValidator(default_kinds(), router.categories, service_region(router.areaset),
                               router, 10_000)
    stored = validator.validate([t.event for t in hotline + sos], "events")
    low = {code for codes in COMMUNES.values() for code in codes}
    areas = Counter(e.area for e in stored)
    assert set(areas) <= low and len(areas) >= 15
    assert not {"20044", "20050", "20161", "20179"} & set(areas)  # mountains: A Lưới, Nam Đông


def test_calls_follow_the_water(events):
    """Hourly calls rise and fall with Phú Ốc's level (read from the file here)."""
    level = np.zeros(144)
    for r in csv_rows():
        if r["station_name"] == "Phú Ốc":
            level[int((r["at"] - T0).total_seconds() // 3600):] = float(r["water_level_m"])
    calls = np.zeros(144)
    for t in events:
        if t.event["kind"] in ("sos", "hotline_call"):
            calls[int(t.offset_s // 3600)] += 1
    assert np.corrcoef(level, calls)[0, 1] > 0.6
    smooth = np.convolve(calls, np.ones(12), mode="same")
    assert abs(int(np.argmax(smooth)) - int(np.argmax(level))) <= 24
    below_bd2 = level < BD["phu-oc"][1]
    assert calls[below_bd2].mean() < calls[~below_bd2].mean() / 3


def test_deterministic_for_a_seed(scenario, events):
    assert list(scenario.events(11)) == events
    other = list(scenario.events(12))
    assert [t for t in other if t.event["kind"] == "sensor_reading"] == \
        [t for t in events if t.event["kind"] == "sensor_reading"]
    assert other != events


def test_an_accelerated_run_through_a_real_server(server, scenario):
    op = server.token("operator")
    # its own thread and loop: the browser tests leave a running loop in this one
    with ThreadPoolExecutor(1) as pool:
        sent = pool.submit(asyncio.run, play(scenario, http_sink(server.url, op), speed=500_000,
                                             seed=3, progress=False, run_id="t")).result(120)
    assert sent == scenario.count(3)
    server.call(server.features.get("sensors").service.settle())
    server.call(server.features.get("flood_roads").book.settle())
    rows = csv_rows()
    for station, gauge in (("kim-long", "Kim Long"), ("phu-oc", "Phú Ốc")):
        values = [float(r["water_level_m"]) for r in rows if r["station_name"] == gauge]
        latest = http("GET", server.url + f"/api/v1/sensors/{station}", token=op).body["latest"]
        assert latest["water_level"]["value"] == values[-1]
        # the highest BĐ level reached in life is the highest alert raised
        want = sum(max(values) >= bd for bd in BD[station])
        alerts = http("GET", server.url + "/api/v1/events?kind=alert&limit=1000",
                      token=op).body["events"]
        mine = [a["props"]["level"] for a in alerts if a["props"]["subject_id"] == station]
        assert max(mine) == want, (station, mine)
    kpis = {i["id"]: i for i in http("GET", server.url + "/api/v1/kpis", token=op).body["items"]}
    last_kl = [float(r["water_level_m"]) for r in rows if r["station_name"] == "Kim Long"][-1]
    assert kpis["flood.rivers.kim-long"]["value"] == last_kl
    last_bd = [r for r in rows if r["station_name"] == "Bình Điền"][-1]
    assert kpis["flood.reservoirs.binh-dien.release"]["value"] == float(last_bd["outflow_m3s"])
    counts = Counter(e["kind"] for e in http("GET", server.url + "/api/v1/events?limit=5000",
                                             token=op).body["events"])
    assert counts["hotline_call"] == 700 and counts["sos"] >= 200
    roads = http("GET", server.url + "/api/v1/flood-roads?status=flooded", token=op).body
    assert roads["flooded"] > 0
    assert "hotline_call" in {s["source"]["type"] for s in roads["segments"]}
    # Phú Ốc passed BĐ3 and fell back: the illustrative gauge rule marked and cleared its roads
    every = http("GET", server.url + "/api/v1/flood-roads", token=op).body["segments"]
    by_gauge = [s for s in every if s["source"] == {"type": "gauge", "ref": "phu-oc:BĐ3"}]
    assert by_gauge and {s["status"] for s in by_gauge} == {"cleared"}
