"""The HTTP contract of /api/v1/events and the reference documents, on a real server."""
from __future__ import annotations

import re

import pytest

from tests.helpers import report


@pytest.fixture
def server(app_server):
    """In process: these handlers answer plain requests, no port is opened."""
    return app_server


CELL_RE = re.compile(r"^[0-9a-f]{15}$")
RFC3339_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")


def test_post_one_event_returns_stored_event(server, operator):
    res = server.http("POST", server.url + "/api/v1/events", report(), operator)
    assert res.status == 201
    [ev] = res.body["events"]
    assert ev["seq"] == 1 and ev["kind"] == "report"
    assert CELL_RE.match(ev["cell"])
    assert ev["area"] == "19789" and ev["agency_id"] == "hepco"  # waste in a central ward
    assert RFC3339_OFFSET.match(ev["observed_at"]) and ev["observed_at"].endswith("+07:00")
    assert RFC3339_OFFSET.match(ev["received_at"])
    assert ev["status"] == "routed" and ev["source"] == {"channel": "api", "ref": None}
    assert ev["copied_to"] == [] and ev["deadline"].endswith("+07:00")  # waste: 48 h
    assert server.http("GET", f"{server.url}/api/v1/events/{ev['id']}", token=operator).body == ev


def test_ids_are_time_ordered_and_seq_strictly_increasing(server, operator):
    res = server.post_events([report() for _ in range(50)], operator)
    events = res.body["events"]
    assert [e["seq"] for e in events] == list(range(1, 51))
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert len({e["id"] for e in events}) == 50


def test_get_since_pages_in_seq_order(server, operator):
    server.post_events([report() for _ in range(25)], operator)
    page1 = server.http("GET", server.url + "/api/v1/events?since=0&limit=10", token=operator).body
    assert [e["seq"] for e in page1["events"]] == list(range(1, 11))
    assert page1["next_since"] == 10
    rest = server.http("GET", server.url + "/api/v1/events?since=10&limit=100", token=operator).body
    assert [e["seq"] for e in rest["events"]] == list(range(11, 26))
    assert rest["next_since"] == 25


def test_filters_area_bbox_category(server, operator):
    server.post_events([report(), report(lat=16.55, lon=107.48, category="traffic.road_damage")],
                       operator)
    by_area = server.http("GET", server.url + "/api/v1/events?area=19789",
                          token=operator).body["events"]
    assert [e["area"] for e in by_area] == ["19789"]
    by_cat = server.http("GET", server.url + "/api/v1/events?category=traffic.road_damage",
                  token=operator).body["events"]
    assert [e["category"] for e in by_cat] == ["traffic.road_damage"]
    bbox = server.http("GET", server.url + "/api/v1/events?bbox=107.58,16.45,107.60,16.47",
                token=operator).body["events"]
    assert [(e["lat"], e["lon"]) for e in bbox] == [(16.4637, 107.5909)]
    by_kind = server.http("GET", server.url + "/api/v1/events?kind=report", token=operator)
    assert by_kind.status == 200


def test_point_at_sea_is_accepted_without_area(server, operator):
    call = {"kind": "hotline_call", "category": "flood.road_flooded", "lat": 16.9, "lon": 107.9,
            "props": {"note": "Thuyền trôi"}}
    res = server.http("POST", server.url + "/api/v1/events", call, operator)
    assert res.status == 201, res.body
    ev = res.body["events"][0]
    assert ev["area"] is None and ev["agency_id"] == "ioc"
    # a report is a land kind: it must lie in Huế's communes (tests/web/test_input_rules.py)
    res = server.http("POST", server.url + "/api/v1/events", report(lat=16.9, lon=107.9), operator)
    assert res.status == 422


def test_idempotency_key_stores_once(server, operator):
    hdr = {"Idempotency-Key": "abc-1"}
    first = server.post_events([report(), report()], operator, headers=hdr)
    again = server.post_events([report(), report()], operator, headers=hdr)
    assert first.status == again.status == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert [e["id"] for e in again.body["events"]] == [e["id"] for e in first.body["events"]]
    assert server.core.store.last_seq() == 2
    other = server.post_events([report(category="traffic.signals")], operator, headers=hdr)
    assert other.status == 409 and other.body["error"]["code"] == "conflict"


def test_source_ref_makes_retries_idempotent(server, operator):
    ev = report(source={"channel": "zalo", "ref": "msg-77"})
    a = server.http("POST", server.url + "/api/v1/events", ev, operator).body["events"][0]
    b = server.http("POST", server.url + "/api/v1/events", ev, operator).body["events"][0]
    assert a == b
    assert server.core.store.last_seq() == 1


def test_reference_documents(server):
    areas = server.http("GET", server.url + "/api/v1/areas").body
    assert areas["type"] == "FeatureCollection" and len(areas["features"]) == 40
    ring = areas["features"][0]["geometry"]["coordinates"][0]
    assert 106 < ring[0][0] < 109 and 15 < ring[0][1] < 18  # lon, lat order (RFC 7946)
    layers = server.http("GET", server.url + "/api/v1/layers").body["layers"]
    by_id = {layer["id"]: layer for layer in layers}
    assert {"areas", "rivers", "roads", "reports"} <= set(by_id)
    types = {d["spec"]["@@type"] for d in by_id["reports"]["deck"]}
    assert types == {"ScatterplotLayer", "H3HexagonLayer"}
    assert by_id["reports"]["title"]["vi"] == "Phản ánh hiện trường"
    cats = server.http("GET", server.url + "/api/v1/categories").body["categories"]
    assert all(c["vi"] and c["en"] for c in cats)
    rivers = server.http("GET", server.url + "/api/v1/basemap/rivers").body
    assert rivers["type"] == "FeatureCollection" and rivers["features"]


def test_wall_page_and_bundle_are_served_locally(server):
    page = server.http("GET", server.url + "/wall")
    assert page.status == 200 and b"/vendor/deck/index.js" in page.raw
    assert b"https://" not in page.raw and b"http://" not in page.raw
    bundle = server.http("GET", server.url + "/vendor/deck/index.js")
    assert bundle.status == 200 and b"createDeck" in bundle.raw
    assert server.http("GET", server.url + "/static/js/wall/main.js").status == 200
