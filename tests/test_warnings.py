"""Public warnings on a real server: river gauge crossings of the real Nov 2025 series posted
through the API draft warnings at the right hours; the lifecycle with its role refusals; the
reach before sending; the public Atom feed and CAP messages."""
from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from server.config import Settings
from tests.helpers import ServerThread, http, open_ws, subscribe
from tests.test_vessels import receive, wait_for

ROOT = Path(__file__).resolve().parents[1]
SERIES = ROOT / "geo" / "data" / "hue_water_levels_2025-11.csv"
GAUGE_AREAS = json.loads((ROOT / "geo" / "data" / "warning_gauge_areas.json").read_text("utf-8"))
HUE = timezone(timedelta(hours=7))
HYSTERESIS = 0.05  # geo/data/sensor_rules.json, rule river_level
STATIONS = {"71520": "kim-long", "71518": "phu-oc"}
ATOM = "{http://www.w3.org/2005/Atom}"
KIM_LONG, PHU_XUAN, THUAN_AN = "19774", "19753", "19900"


@pytest.fixture
def wserver(tmp_path, router):
    settings = Settings(port=0, db=f"sqlite:///{tmp_path / 'ioc.sqlite3'}", flush_ms=50,
                        feed_flush_ms=50, data_dir=tmp_path / "data")
    srv = ServerThread(settings, router).start()
    yield srv
    srv.stop()


def series() -> dict[str, list[tuple[str, float, list[float]]]]:
    """The river rows of the CSV per station id: (local time, level m, [BĐ1, BĐ2, BĐ3])."""
    out: dict[str, list] = {sid: [] for sid in STATIONS.values()}
    with SERIES.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["kind"] == "river_station" and row["station_code"] in STATIONS:
                out[STATIONS[row["station_code"]]].append(
                    (row["time_local"], float(row["water_level_m"]),
                     [float(row[k]) for k in ("bd1_m", "bd2_m", "bd3_m")]))
    return {sid: sorted(rows) for sid, rows in out.items()}


def expected_drafts(rows: list[tuple[str, float, list[float]]]) -> list[tuple[str, int]]:
    """(local time, level) of each reading that lifts the level above every level drafted
    before: levels go up when a value reaches a threshold and come down only 5 cm below it."""
    level, highest, out = 0, 0, []
    for t, v, ths in rows:
        raw = sum(v >= th for th in ths)
        held = sum(v >= th - HYSTERESIS for th in ths[:level])
        level = raw if raw >= level else max(raw, held)
        if level > highest:
            out.append((t, level))
            highest = level
    return out


def post_series(srv: ServerThread, token: str, station: str, rows: list) -> None:
    readings = [{"quantity": "water_level", "value": v, "unit": "m",
                 "observed_at": datetime.strptime(t, "%Y-%m-%d %H:%M").replace(tzinfo=HUE).isoformat()}
                for t, v, _ in rows]
    for i in range(0, len(readings), 250):
        r = http("POST", f"{srv.url}/api/v1/sensors/{station}/readings",
                 {"readings": readings[i:i + 250]}, token)
        assert r.status == 200, r.body


def warnings(srv: ServerThread, token: str, **query: str) -> list[dict]:
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    r = http("GET", f"{srv.url}/api/v1/warnings?{qs}", token=token)
    assert r.status == 200, r.body
    return r.body["warnings"]


def test_real_series_drafts_warnings_at_the_crossing_hours(wserver):
    op = wserver.token("operator")
    data = series()
    expected = {sid: expected_drafts(rows) for sid, rows in data.items()}
    assert expected["kim-long"] and expected["phu-oc"]  # the Nov 2025 flood crossed alarm levels
    for sid, rows in data.items():
        post_series(wserver, op, sid, rows)
    total = sum(len(v) for v in expected.values())
    got = wait_for(lambda: len(w := warnings(wserver, op)) >= total and w, timeout=30)
    assert len(got) == total
    for sid, exp in expected.items():
        mine = [w for w in got if w["props"]["gauge"]["station"] == sid]
        hours = [(datetime.fromisoformat(w["observed_at"]).astimezone(HUE).strftime("%Y-%m-%d %H:%M"),
                  w["props"]["gauge"]["level"]) for w in mine]
        assert hours == exp, sid
        for w in mine:
            level = str(min(w["props"]["gauge"]["level"], 3))
            assert w["props"]["communes"] == GAUGE_AREAS["gauges"][sid]["levels"][level]
            assert w["category"] == "warning.flood" and w["agency_id"] == "bch-ptds-hue"
            assert w["props"]["gauge"]["level_name"] == f"BĐ{level}"
        # only the highest level's draft is still open: a higher crossing superseded the others
        assert [w["status"] for w in mine] == ["cancelled"] * (len(mine) - 1) + ["draft"]
    assert http("POST", f"{wserver.url}/api/v1/sensors/kim-long/readings",
                {"readings": [{"quantity": "water_level", "value": 1}]},
                wserver.token("wall")).status == 403
