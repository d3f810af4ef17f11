"""Spatial and durability contract of the HTTP API on each store backend (``any_server``):
nearest-N, polygon search, idempotent retries."""
from __future__ import annotations

import pytest

from geo.sphere import distance_m
from server.core.events import wire_feature
from tests.helpers import report


@pytest.fixture
def any_server(store_url, make_server):
    """In process, on each store backend: these handlers answer plain requests."""
    return make_server(db=store_url, listen=False)


# Central Huế (Phú Xuân), the citadel, across the river, and further south.
POINTS = [(16.4637, 107.5909), (16.4700, 107.5780), (16.4560, 107.5990), (16.4300, 107.6000)]
SQUARE = {"type": "Polygon", "coordinates": [[[107.57, 16.46], [107.595, 16.46], [107.595, 16.475],
                                              [107.57, 16.475], [107.57, 16.46]]]}


@pytest.fixture
def posted(any_server) -> list[dict]:
    """The events stored at POINTS (the third one a road problem)."""
    token = any_server.token("operator")
    docs = [report(lat=lat, lon=lon) for lat, lon in POINTS]
    docs[2]["category"] = "traffic.road_damage"
    res = any_server.post_events(docs, token)
    assert res.status == 201
    return res.body["events"]


def get(server, path: str, role: str = "operator", **kw):  # noqa: ANN001, ANN201
    return server.http("GET", server.url + path, token=server.token(role), **kw)


def test_nearest_orders_by_distance(any_server, posted):
    lat, lon = 16.4650, 107.5880
    res = get(any_server, f"/api/v1/events/nearest?lat={lat}&lon={lon}&n=3")
    assert res.status == 200
    events = res.body["events"]
    expected = sorted(posted, key=lambda e: distance_m(lat, lon, [e["lat"]], [e["lon"]])[0])[:3]
    assert [e["id"] for e in events] == [e["id"] for e in expected]
    assert events[0]["distance_m"] == pytest.approx(distance_m(lat, lon, [16.4637], [107.5909])[0])
    roads = get(any_server,
                f"/api/v1/events/nearest?lat={lat}&lon={lon}&category=traffic.road_damage")
    assert [e["id"] for e in roads.body["events"]] == [posted[2]["id"]]


def test_nearest_refuses_bad_input_and_the_public_view(any_server, posted):
    missing = get(any_server, "/api/v1/events/nearest?lon=107.5")
    assert missing.status == 400 and missing.body["error"]["details"][0]["path"] == "lat"
    assert get(any_server, "/api/v1/events/nearest?lat=16.4&lon=107.5&n=0").status == 400
    assert get(any_server, "/api/v1/events/nearest?lat=16.4&lon=107.5&kind=ufo").status == 400
    public = get(any_server, "/api/v1/events/nearest?lat=16.4&lon=107.5", role="public")
    assert public.status == 403 and public.body["error"]["code"] == "forbidden"
    anonymous = any_server.http("GET", any_server.url + "/api/v1/events/nearest?lat=16.4&lon=107.5")
    assert anonymous.status == 401


def test_polygon_search_pages(any_server, posted):
    token = any_server.token("operator")
    url = any_server.url + "/api/v1/events/search"
    first = any_server.http("POST", url, {"intersects": SQUARE, "limit": 1}, token)
    assert first.status == 200 and [e["id"] for e in first.body["events"]] == [posted[0]["id"]]
    rest = any_server.http("POST", url, {"intersects": SQUARE, "since": first.body["next_since"]},
                           token)
    assert [e["id"] for e in rest.body["events"]] == [posted[1]["id"]]
    assert rest.body["next_since"] == posted[-1]["seq"]
    roads = any_server.http("POST", url, {"intersects": SQUARE, "category": "traffic.road_damage"},
                            token)
    assert roads.body["events"] == []


def test_polygon_search_explains_bad_polygons(any_server, posted):
    token = any_server.token("operator")
    url = any_server.url + "/api/v1/events/search"
    bowtie = {"type": "Polygon", "coordinates": [[[107.5, 16.4], [107.6, 16.5], [107.5, 16.5],
                                                  [107.6, 16.4], [107.5, 16.4]]]}
    res = any_server.http("POST", url, {"intersects": bowtie}, token)
    assert res.status == 422 and "Self-intersection" in res.body["error"]["details"][0]["message"]
    res = any_server.http("POST", url,
                          {"intersects": {"type": "Point", "coordinates": [107.5, 16.4]}}, token)
    assert res.status == 422 and res.body["error"]["details"][0]["path"] == "intersects"
    res = any_server.http("POST", url, {"intersects": SQUARE, "radius": 3}, token)
    assert res.status == 422 and res.body["error"]["details"][0]["path"] == "radius"
    as_public = any_server.http("POST", url, {"intersects": SQUARE}, any_server.token("public"))
    assert as_public.status == 403


def test_agency_sees_only_its_events_nearby(any_server, posted):
    agency = posted[1]["agency_id"]
    assert len({e["agency_id"] for e in posted}) > 1
    token = any_server.token("agency", agency)
    res = any_server.http("GET",
                          any_server.url + "/api/v1/events/nearest?lat=16.46&lon=107.59&n=10",
                          token=token)
    assert res.status == 200 and res.body["events"]
    assert {e["agency_id"] for e in res.body["events"]} == {agency}


def test_idempotent_retry_stores_once(any_server):
    token = any_server.token("operator")
    hdr = {"Idempotency-Key": "retry-7"}
    first = any_server.post_events([report(), report(lat=16.47)], token, headers=hdr)
    again = any_server.post_events([report(), report(lat=16.47)], token, headers=hdr)
    assert first.status == again.status == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.body["events"] == first.body["events"]
    assert any_server.core.store.last_seq() == 2
    listed = any_server.http("GET", any_server.url + "/api/v1/events", token=token).body["events"]
    assert listed == first.body["events"]
    other = any_server.post_events([report(lat=16.48)], token, headers=hdr)
    assert other.status == 409


def test_geojson_export_streams_what_the_caller_may_see(any_server, posted):
    url = any_server.url + "/api/v1/events.geojson"
    res = any_server.http("GET", url, token=any_server.token("operator"))
    assert res.status == 200 and res.headers["Content-Type"] == "application/geo+json"
    assert res.body["type"] == "FeatureCollection"
    assert res.body["features"] == [wire_feature(e) for e in posted]
    since = any_server.http("GET", url + f"?since={posted[1]['seq']}&category=traffic.road_damage",
                 token=any_server.token("operator"))
    assert [f["id"] for f in since.body["features"]] == [posted[2]["id"]]
    agency = posted[0]["agency_id"]
    scoped = any_server.http("GET", url, token=any_server.token("agency", agency)).body["features"]
    assert scoped and {f["properties"]["agency_id"] for f in scoped} == {agency}
    public = any_server.http("GET", url, token=any_server.token("public"))
    assert public.status == 403 and public.body["error"]["code"] == "forbidden"
    ufo = any_server.http("GET", url + "?kind=ufo", token=any_server.token("operator"))
    assert ufo.status == 400
