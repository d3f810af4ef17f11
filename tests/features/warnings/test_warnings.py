"""Public warnings on a real server: river gauge crossings of the real Nov 2025 series posted
through the API draft warnings at the right hours; the lifecycle with its role refusals; the
reach before sending; the public Atom feed and CAP messages."""
from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta


from tests.helpers import ServerThread, http, open_ws, subscribe
from tests.helpers import wait_until as wait_for
from tests.helpers.feeds import receive
from tests.helpers.warnings import HUE, KIM_LONG, THUAN_AN, act, draft
from tests.helpers.server import ROOT

SERIES = ROOT / "geo" / "data" / "hue_water_levels_2025-11.csv"
GAUGE_AREAS = json.loads((ROOT / "geo" / "data" / "warning_gauge_areas.json").read_text("utf-8"))
HYSTERESIS = 0.05  # geo/data/sensor_rules.json, rule river_level
STATIONS = {"71520": "kim-long", "71518": "phu-oc"}


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
                 "observed_at": datetime.strptime(t, "%Y-%m-%d %H:%M")
                 .replace(tzinfo=HUE).isoformat()}
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


def test_real_series_drafts_warnings_at_the_crossing_hours(any_store_server):
    wserver = any_store_server
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
        hours = [(datetime.fromisoformat(w["observed_at"]).astimezone(HUE)
                  .strftime("%Y-%m-%d %H:%M"),
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


# -- lifecycle, roles, audit, stream ---------------------------------------------------------------
def danger_zones(srv: ServerThread, token: str) -> dict[str, str]:
    """The vessels' danger zones: id → name."""
    zones = http("GET", f"{srv.url}/api/v1/vessels/zones", token=token).body["features"]
    return {z["id"]: z["properties"]["name"] for z in zones
            if z["properties"].get("kind") == "danger_zone"}


def receive_until(ws, done, limit: int = 100) -> list[dict]:  # noqa: ANN001
    """Return the streamed events up to the first for which ``done(event)`` is true."""
    got: list[dict] = []
    while len(got) < limit:
        got += receive(ws, 1)
        if any(done(e) for e in got):
            return got
    raise AssertionError(f"not seen in {limit} events")


def test_lifecycle_roles_audit_and_stream(any_store_server):
    wserver = any_store_server
    op, sup, wall = wserver.token("operator"), wserver.token("supervisor"), wserver.token("wall")
    public = wserver.token("public")
    cell = "8965b5a5c0bffff"  # an H3 res-9 cell in Thuận An
    with open_ws(wserver, wall) as ws:
        subscribe(ws, layers=("warnings",))
        w = draft(wserver, op, cells=[cell])
        got = (w["status"], w["props"]["origin"], w["props"]["cells"])
        assert got == ("draft", "manual", [cell])
        for token, status in ((wall, 403), (public, 403), (None, 401)):
            r = http("POST", f"{wserver.url}/api/v1/warnings", {"headline": {"vi": "x", "en": "x"},
                                                               "communes": [KIM_LONG]}, token)
            assert r.status == status and r.body["error"]["code"] in ("forbidden", "unauthorized")
        bad = http("POST", f"{wserver.url}/api/v1/warnings",
                   {"headline": {"vi": "x", "en": "x"}, "communes": ["99999"], "cells": ["zz"]}, op)
        paths = {d["path"] for d in bad.body["error"]["details"]}
        assert bad.status == 422 and paths == {"communes[0]", "cells[0]"}
        as_public = http("GET", f"{wserver.url}/api/v1/events/{w['id']}", token=public)
        assert as_public.body["props"] == {}
        # operators draft; only supervisors and admins approve and send
        assert act(wserver, w["id"], op, "approve").status == 403
        assert act(wserver, w["id"], sup, "send").status == 409  # not approved yet
        assert act(wserver, w["id"], sup, "fly").status == 422
        edited = act(wserver, w["id"], op, "edit", content={"communes": [KIM_LONG]}).body["warning"]
        assert edited["props"]["communes"] == [KIM_LONG] and edited["area"] == KIM_LONG
        assert act(wserver, w["id"], sup, "approve").body["warning"]["status"] == "approved"
        assert act(wserver, w["id"], op, "send").status == 403
        sent = act(wserver, w["id"], sup, "send").body["warning"]
        assert sent["status"] == "sent" and set(sent["props"]["reach"]) >= {"sos_open", "contacts"}
        assert danger_zones(wserver, op) == {f"warning-{w['id']}": "Cảnh báo ngập sâu"}
        seen = http("GET", f"{wserver.url}/api/v1/events/{w['id']}", token=public).body["props"]
        assert seen["headline"]["vi"] == "Cảnh báo ngập sâu" and not {"by", "reach"} & set(seen)
        # an update of a sent warning is a new draft that references it; sending it retires the old
        upd = act(wserver, w["id"], op, "update",
                  content={"cap_severity": "Extreme",
                           "communes": [KIM_LONG, THUAN_AN]}).body["warning"]
        assert upd["status"] == "draft" and upd["props"]["updates"] == w["id"]
        ref = upd["props"]["references"][0].split(",")
        assert ref[1] == w["props"]["identifier"] and ref[2] == sent["props"]["sent"]
        act(wserver, upd["id"], sup, "approve")
        assert act(wserver, upd["id"], sup, "send").body["warning"]["status"] == "sent"
        superseded = http("GET", f"{wserver.url}/api/v1/warnings/{w['id']}",
                          token=op).body["warning"]
        assert superseded["status"] == "updated"
        # cancel: supervisors only, with a reason
        assert act(wserver, upd["id"], op, "cancel", reason="x").status == 403
        assert act(wserver, upd["id"], sup, "cancel").status == 422
        assert danger_zones(wserver, op) == {f"warning-{upd['id']}": "Cảnh báo ngập sâu"}
        cancelled = act(wserver, upd["id"], sup, "cancel", reason="Nước đã rút").body["warning"]
        assert danger_zones(wserver, op) == {}
        assert cancelled["status"] == "cancelled"
        assert cancelled["props"]["cancel"]["reason"] == "Nước đã rút"
        stream = receive_until(ws, lambda e: e["id"] == upd["id"] and e["status"] == "cancelled")
    # every change was streamed, in order (the hub may send only the newest version of an event
    # changed twice within one flush)
    seen = {wid: [e["status"] for e in stream if e["id"] == wid] for wid in (w["id"], upd["id"])}
    assert seen[w["id"]][-2:] == ["sent", "updated"]
    assert seen[upd["id"]][-2:] == ["sent", "cancelled"]
    assert [e["seq"] for e in stream] == sorted(e["seq"] for e in stream)
    one = http("GET", f"{wserver.url}/api/v1/warnings/{w['id']}", token=op).body
    assert [h["action"] for h in one["history"]][-4:] == ["warning.edit", "warning.approve",
                                                          "warning.send", "warning.supersede"]
    assert one["actions"] == []
    d2 = draft(wserver, sup)  # supervisors draft too
    actions = http("GET", f"{wserver.url}/api/v1/warnings/actions", token=op).body["actions"]
    assert {a["name"]: a["roles"] for a in actions}["send"] == ["admin", "supervisor"]
    assert act(wserver, d2["id"], op, "discard").status == 422
    discarded = act(wserver, d2["id"], op, "discard", reason="trùng").body["warning"]
    assert discarded["status"] == "cancelled"


def test_a_higher_level_after_sending_drafts_an_update(wserver):
    op, sup = wserver.token("operator"), wserver.token("supervisor")
    now = datetime.now(HUE).replace(second=0, microsecond=0)

    def post(minutes: int, value: float) -> None:
        at = (now - timedelta(minutes=60 - minutes)).isoformat()
        r = http("POST", f"{wserver.url}/api/v1/sensors/kim-long/readings",
                 {"readings": [{"quantity": "water_level", "value": value * 100, "unit": "cm",
                                "observed_at": at}]}, op)
        assert r.status == 200, r.body

    post(0, 0.8)
    post(10, 1.1)   # BĐ1 (1.0 m)
    first = wait_for(lambda: warnings(wserver, op))[0]
    assert (first["props"]["gauge"]["level_name"], first["props"]["communes"]) == \
        ("BĐ1", GAUGE_AREAS["gauges"]["kim-long"]["levels"]["1"])
    act(wserver, first["id"], sup, "approve")
    sent = act(wserver, first["id"], sup, "send").body["warning"]
    post(20, 0.97)  # under BĐ1 but within the 5 cm hysteresis: still level 1
    post(30, 1.2)
    assert len(warnings(wserver, op)) == 1
    post(40, 2.05)  # BĐ2 (2.0 m)
    second = wait_for(lambda: [w for w in warnings(wserver, op) if w["id"] != first["id"]])[0]
    assert second["status"] == "draft" and second["props"]["updates"] == first["id"]
    assert second["props"]["references"] == \
        [f"canhbao@ioc.hue.gov.vn,{first['props']['identifier']},{sent['props']['sent']}"]
    assert second["props"]["cap_severity"] == "Severe" and KIM_LONG in second["props"]["communes"]
    act(wserver, second["id"], sup, "approve")
    act(wserver, second["id"], sup, "send")
    statuses = {w["id"]: w["status"] for w in warnings(wserver, op)}
    assert statuses == {first["id"]: "updated", second["id"]: "sent"}
