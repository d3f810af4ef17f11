"""Flooded roads: the segment network, the mark/clear API (validation, snapping, one event per
segment updated in place, state kept over a restart on both stores), automatic marks from
flooded-road calls, and the layer's catalog entry."""
from __future__ import annotations

import asyncio

import pytest
from shapely.geometry import LineString, Point

from geo.roads import road_network, to_metres
from server.features.flood_roads.kinds import FloodRoadKind
from server.features.flood_roads.book import FloodRoads
from tests.helpers import ServerThread
from tests.helpers import wait_until as wait_for
from tests.helpers.sensors import reading


@pytest.fixture
def server(app_server):
    """In process: these handlers answer plain requests, no port is opened."""
    return app_server


URL = "/api/v1/flood-roads"
# A point 2.5 m off Quốc lộ 1A in Thuận Hóa (between two of its vertices, read from the file).
NEAR_QL1A = (16.47155, 107.57860)


def test_segments_cover_the_roads_and_snapping_picks_the_nearest():
    net = road_network()
    assert len(net.segments) > 100 and all(s.length_m <= 1000.5 for s in net.segments)
    assert not any(s.road_class == "Đường sắt" for s in net.segments)
    seg, dist = net.nearest(*NEAR_QL1A, 300)
    # brute force over every segment in the same projection: the tree found the nearest one
    x, y = to_metres(NEAR_QL1A[1], NEAR_QL1A[0])
    dists = [LineString(list(zip(*to_metres(*zip(*s.path))))).distance(Point(x, y))
             for s in net.segments]
    nearest = net.segments[dists.index(min(dists))]
    assert seg is nearest and dist == pytest.approx(min(dists), abs=0.1)
    assert seg.name == "Quốc lộ 1A" and dist < 30
    assert net.nearest(16.2, 107.9, 300) is None  # at sea
    assert net.get(seg.road_id, seg.index) is seg and net.get(seg.road_id, 10_000) is None


def test_mark_validation_errors(server, operator):
    def post(body, token=operator):  # noqa: ANN001, ANN202
        return server.http("POST", server.url + URL, body, token=token)

    for body, field in (({"status": "flooded"}, ""), ({"road_id": "quoc-lo-1a-328"}, ""),
                        ({"lat": 16.46, "lon": 107.59, "road_id": "quoc-lo-1a-328",
                          "segment": 1}, ""),
                        ({"road_id": "no-such-road", "segment": 0}, "road_id"),
                        ({"road_id": "quoc-lo-1a-328", "segment": 999}, "segment"),
                        ({"lat": 16.2, "lon": 107.9}, "lat"),
                        ({"lat": NEAR_QL1A[0], "lon": NEAR_QL1A[1], "depth_m": -1}, "depth_m"),
                        ({"lat": NEAR_QL1A[0], "lon": NEAR_QL1A[1], "status": "wet"}, "status"),
                        ({"lat": NEAR_QL1A[0], "lon": NEAR_QL1A[1], "source": {"type": "rumour"}},
                         "source.type")):
        r = post(body)
        assert r.status == 422, (body, r.body)
        assert r.body["error"]["code"] == "validation_failed"
        assert any(d["path"] == field for d in r.body["error"]["details"]), (body, r.body)
    r = post({"road_id": "quoc-lo-1a-328", "segment": 999})
    assert "segments 0 to" in r.body["error"]["details"][0]["message"]
    by_wall = post({"road_id": "quoc-lo-1a-328", "segment": 3}, token=server.token("wall"))
    assert by_wall.status == 403
    assert post({"road_id": "quoc-lo-1a-328", "segment": 3}, token=None).status == 401
    # clearing a segment that is not flooded is a conflict
    assert post({"road_id": "quoc-lo-1a-328", "segment": 3, "status": "cleared"}).status == 409


def test_flood_road_events_are_not_taken_from_the_event_api(server, operator):
    """A flood_road posted to /api/v1/events would bypass the book (one event per segment, its
    state): it is refused, naming the endpoint to use, and nothing of the batch is stored."""
    lat, lon = NEAR_QL1A
    road = {"kind": "flood_road", "category": "flood.road_flooded", "lat": lat, "lon": lon,
            "status": "flooded", "source": {"channel": "operator"},
            "props": FloodRoadKind.example_props}
    fine = {"kind": "report", "category": "flood.road_flooded", "lat": lat, "lon": lon,
            "source": {"channel": "app"}, "props": {"description": "Ngập sâu"}}
    before = server.core.store.last_seq()
    r = server.post_events([fine, road], operator)
    assert r.status == 422, r.body
    [d] = r.body["error"]["details"]
    assert d["path"] == "events[1].kind" and "POST /api/v1/flood-roads" in d["message"]
    assert server.core.store.last_seq() == before


def test_mark_snap_update_clear_and_restart(store_url, make_server, monkeypatch):
    def start() -> ServerThread:
        return make_server(db=store_url)

    srv = start()
    try:
        seg, event = _mark_and_deepen(srv)
    finally:
        srv.stop()
    # after a restart the book is read back slowly: requests must wait for it, not answer from
    # an empty book (an empty list, "not marked flooded")
    read_back = FloodRoads.run

    async def slow_run(self):  # noqa: ANN001, ANN202
        await asyncio.sleep(0.5)
        await read_back(self)
    monkeypatch.setattr(FloodRoads, "run", slow_run)
    listed = start()
    try:
        flooded = listed.http("GET", listed.url + URL + "?status=flooded",
                              token=listed.token("operator"))
        assert [s["id"] for s in flooded.body["segments"]] == [seg["id"]]
    finally:
        listed.stop()
    again = start()
    try:
        op = again.token("operator")
        cleared = again.http("POST", again.url + URL,
                             {"road_id": seg["road_id"], "segment": seg["index"],
                              "status": "cleared"}, token=op)
        assert cleared.status == 200, cleared.body
        cleared_event = cleared.body["event"]
        assert cleared_event["id"] == event["id"] and cleared_event["status"] == "cleared"
        still = again.http("GET", again.url + URL + "?status=flooded", token=op)
        assert still.body["segments"] == []
        history = again.http("GET", again.url + f"/api/v1/events/{event['id']}/history",
                             token=op).body
        actions = [h["action"] for h in history["history"]]
        assert actions.count("flood_road.flooded") == 1 and actions.count("flood_road.cleared") == 1
    finally:
        again.stop()


def _mark_and_deepen(srv: ServerThread) -> tuple[dict, dict]:
    """Mark the segment near NEAR_QL1A, then the same by id deeper; return (segment, event)."""
    op = srv.token("operator")
    r = srv.http("POST", srv.url + URL, {"lat": NEAR_QL1A[0], "lon": NEAR_QL1A[1], "depth_m": 0.4,
                                     "source": {"type": "camera", "ref": "cam-7"}}, token=op)
    assert r.status == 201, r.body
    seg, event = r.body["segment"], r.body["event"]
    assert seg["name"] == "Quốc lộ 1A" and seg["status"] == "flooded"
    assert 0 < r.body["snapped_m"] < 30
    assert event["kind"] == "flood_road" and event["status"] == "flooded"
    assert event["props"]["segment_id"] == seg["id"] and event["props"]["depth_m"] == 0.4
    assert event["props"]["source"] == {"type": "camera", "ref": "cam-7"}
    assert len(event["props"]["path"]) >= 2 and event["severity"] == "moderate"
    # the same segment by id: the same event, updated (new seq), deeper
    deeper = srv.http("POST", srv.url + URL, {"road_id": seg["road_id"], "segment": seg["index"],
                                          "depth_m": 0.8}, token=op)
    assert deeper.status == 200 and deeper.body["event"]["id"] == event["id"]
    deeper_event = deeper.body["event"]
    assert deeper_event["seq"] > event["seq"] and deeper_event["severity"] == "severe"
    listed = srv.http("GET", srv.url + URL + "?status=flooded", token=srv.token("wall")).body
    assert [s["id"] for s in listed["segments"]] == [seg["id"]] and listed["flooded"] == 1
    assert listed["flooded_km"] == round(seg["length_m"] / 1000, 1)
    return seg, event


def test_flooded_road_calls_and_camera_hits_mark_the_nearest_segment(server, operator):
    call = {"kind": "hotline_call", "category": "flood.road_flooded", "lat": NEAR_QL1A[0],
            "lon": NEAR_QL1A[1], "props": {"water_depth_m": 0.6, "note": "Ngập qua bánh xe"}}
    far = {**call, "lat": 16.2, "lon": 107.9}  # at sea: no road near, nothing marked
    stored = server.post_events([call, far], operator).body["events"]
    wait_for(lambda: server.http("GET", server.url + URL, token=operator).body["flooded"] == 1)
    seg = server.http("GET", server.url + URL, token=operator).body["segments"][0]
    assert seg["source"] == {"type": "hotline_call", "ref": stored[0]["id"]}
    assert seg["depth_m"] == 0.6
    assert seg["name"] == "Quốc lộ 1A"


def test_layer_catalog_entry(server, wall):
    layers = server.http("GET", server.url + "/api/v1/layers", token=wall).body["layers"]
    entry = next(e for e in layers if e["id"] == "flood_roads")
    assert entry["kinds"] == ["flood_road"] and entry["statuses"] == ["flooded", "cleared"]
    spec = entry["deck"][0]["spec"]
    assert spec["@@type"] == "PathLayer" and spec["getPath"] == "@@=props.path"
    assert [row["en"] for row in entry["legend"]][-1] == "Cleared" and len(entry["legend"]) == 4


def test_illustrative_gauge_rule_marks_and_clears_the_segments_near_the_gauge(server, operator):
    def flooded() -> list[dict]:
        server.call(server.features.get("flood_roads").book.settle())
        return server.http("GET", server.url + URL + "?status=flooded",
                           token=operator).body["segments"]

    server.post_events([reading("phu-oc", 4.4)], operator)  # BĐ2: nothing
    assert flooded() == []
    server.post_events([reading("phu-oc", 4.6)], operator)  # BĐ3
    marked = flooded()
    near = road_network().within(16.533001, 107.467003, 2000)
    assert sorted(s["id"] for s in marked) == sorted(s.id for s in near) and len(near) >= 3
    assert {s["source"]["ref"] for s in marked} == {"phu-oc:BĐ3"}
    assert len({s["event_id"] for s in marked}) == len(marked)  # one event per segment
    # an operator confirms one stretch: it stays flooded when the gauge falls back
    kept = near[0]
    server.http("POST", server.url + URL,
                {"road_id": kept.road_id, "segment": kept.index, "depth_m": 0.7},
                token=operator)
    server.post_events([reading("phu-oc", 4.3)], operator)  # below BĐ3 by more than the hysteresis
    assert [s["id"] for s in flooded()] == [kept.id]
