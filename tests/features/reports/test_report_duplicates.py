"""Duplicates: a report of the same category in the same or a neighbouring H3 cell within the
window is stored, linked to the open case (counted there), not handed to the unit again, and the
reporter is told."""

from __future__ import annotations

import pytest

import h3

from tests.helpers.cases import HOUR, act, desk, file_report
from tests.helpers import report


@pytest.fixture
def cserver(make_server, clock):
    """In process, on ``clock``: these handlers answer plain requests, no port is opened."""
    return make_server(clock, listen=False)


LAT, LON = 16.4637, 107.5909


def _centre_at(lat: float, lon: float, steps: int) -> tuple[float, float]:
    """Return the centre of a cell ``steps`` rings away from the cell of (lat, lon)."""
    cell = h3.latlng_to_cell(lat, lon, 9)
    ring = sorted(h3.grid_ring(cell, steps))
    return h3.cell_to_latlng(ring[0])


def test_same_and_neighbouring_cells_are_linked(cserver):
    pub = cserver.token("public")
    original = file_report(cserver, pub, lat=LAT, lon=LON).body
    same = file_report(cserver, pub, lat=LAT + 1e-5, lon=LON).body
    near_lat, near_lon = _centre_at(LAT, LON, 1)
    near = file_report(cserver, pub, lat=near_lat, lon=near_lon).body
    far_lat, far_lon = _centre_at(LAT, LON, 2)
    far = file_report(cserver, pub, lat=far_lat, lon=far_lon).body
    other = file_report(cserver, pub, lat=LAT, lon=LON, category="urban_order.streetlight").body
    oid = original["case"]["id"]
    assert same["duplicate_of"] == near["duplicate_of"] == oid
    assert same["case"]["status"] == "duplicate" and same["case"]["deadline"] is None
    assert "đã được phản ánh trước đó" in same["notice"]["vi"] and oid in same["notice"]["en"]
    assert far["duplicate_of"] is None and other["duplicate_of"] is None
    agency = cserver.token("agency", original["case"]["agency_id"])
    detail = cserver.http("GET", f"{cserver.url}/api/v1/reports/{oid}", token=agency).body
    assert detail["case"]["props"]["case"]["linked"] == 2
    assert detail["duplicates"] == sorted([same["case"]["id"], near["case"]["id"]])
    assert detail["case"]["seq"] == original["case"]["seq"]  # the case was not sent again
    assert detail["history"] == []
    worklist = cserver.http("GET", cserver.url + "/api/v1/reports?status=open",
                            token=agency).body["cases"]
    assert oid in [c["id"] for c in worklist]
    assert not {same["case"]["id"], near["case"]["id"]} & {c["id"] for c in worklist}
    feed = cserver.http("GET", cserver.url + "/api/v1/public/reports").body["cases"]
    assert same["case"]["id"] not in [c["id"] for c in feed]
    assert [c["props"]["case"]["linked"] for c in feed if c["id"] == oid] == [2]


def test_window_and_closed_cases_end_linking(cserver, clock):
    pub = cserver.token("public")
    first = file_report(cserver, pub).body["case"]
    clock.advance(73 * HOUR)  # past the 72 h window
    late = file_report(cserver, pub).body
    assert late["duplicate_of"] is None
    agency = cserver.token("agency", late["case"]["agency_id"])
    for case in (first, late["case"]):
        act(cserver, case["id"], "accept", agency)
        act(cserver, case["id"], "resolve", agency, reason="xong")
    again = file_report(cserver, pub).body
    assert again["duplicate_of"] is None and again["case"]["status"] == "routed"


def test_batch_and_retries(cserver):
    operator = cserver.token("operator")
    res = cserver.post_events(
        [
            report(source={"channel": "zalo", "ref": "m-1"}),
            report(source={"channel": "zalo", "ref": "m-2"}),
        ],
        operator,
    )
    first, second = res.body["events"]
    assert first["status"] == "routed" and second["status"] == "duplicate"
    assert second["props"]["case"]["duplicate_of"] == first["id"]
    retry = cserver.post_events([report(source={"channel": "zalo", "ref": "m-2"})], operator)
    assert retry.body["events"][0]["id"] == second["id"]
    assert desk(cserver).book.get(first["id"]).linked == 1 and cserver.core.store.last_seq() == 2


def test_citizen_of_a_duplicate_rates_the_case_it_joined(cserver):
    pub = cserver.token("public")
    first = file_report(cserver, pub).body["case"]
    joined = file_report(cserver, pub).body
    agency = cserver.token("agency", first["agency_id"])
    act(cserver, first["id"], "accept", agency)
    act(cserver, first["id"], "resolve", agency, reason="xong")
    seen = cserver.http("GET", f"{cserver.url}/api/v1/reports/{first['id']}",
        headers={"X-Citizen-Token": joined["citizen_token"]},
    )
    assert seen.status == 200 and seen.body["actions"] == ["rate", "dispute"]
    rated = act(
        cserver, joined["case"]["id"], "rate", citizen=joined["citizen_token"], rating="accepted"
    ).body["case"]
    assert rated["id"] == first["id"] and rated["status"] == "closed"
    assert desk(cserver).book.get(first["id"]).rating == "accepted"
