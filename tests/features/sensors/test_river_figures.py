"""Readings posted through the events API pass the sensor checks and rules (units, companions,
levels, alerts); the wall's river and reservoir figures read the latest of them."""
from __future__ import annotations

import pytest

from tests.helpers import wait_until as wait_for
from tests.helpers.sensors import reading, reservoir
from tests.helpers.server import flushed as _flushed


@pytest.fixture
def server(app_server):
    """In process: these handlers answer plain requests, no port is opened."""
    return app_server


def figures(server, token: str) -> dict:  # noqa: ANN001
    """Return the KPI items by id, once the hub has published every stored event (the cache is
    keyed by the published head)."""
    server.call(_flushed(server))
    items = server.http("GET", server.url + "/api/v1/kpis", token=token).body["items"]
    return {i["id"]: i for i in items}


def test_posted_readings_are_checked_converted_and_raise_alerts(server, operator):
    r = server.post_events([reading("kim-long", 220, unit="cm", level=0)], operator)
    assert r.status == 201, r.body
    ev = r.body["events"][0]
    assert ev["props"]["value"] == 2.2 and ev["props"]["unit"] == "m"
    # the server's level, not the client's
    assert ev["props"]["level"] == 2 and ev["severity"] == "moderate"
    server.call(server.features.get("sensors").service.settle())
    alerts = wait_for(lambda: server.http("GET", server.url + "/api/v1/events?kind=alert",
                                          token=operator).body["events"])
    assert alerts[0]["props"]["level_name"] == "BĐ2"
    assert alerts[0]["props"]["subject_id"] == "kim-long"
    for bad, why in ((reading("nowhere", 1.0), "no station 'nowhere'"),
                     (reading("kim-long", 3, unit="ft"), "unit 'ft'"),
                     (reading("kim-long", 500.0), "outside"),
                     (reading("kim-long", 1.0, category="sensor.rain"), "category must be"),
                     (reservoir("binh-dien", 80.0, rain_1h=3.0), "may not be sent"),
                     (reservoir("binh-dien", 80.0, outflow=-5.0), "outside")):
        r = server.post_events([reading("phu-oc", 1.0), bad], operator)
        assert r.status == 422 and why in r.body["error"]["details"][0]["message"], (why, r.body)
        assert r.body["error"]["details"][0]["path"] == "events[1].props"
    sensors = server.http("GET", server.url + "/api/v1/sensors", token=operator).body
    assert sensors["feed"]["posted"] == 1  # the refused batches stored nothing


def test_a_retried_reading_is_not_evaluated_twice(server, operator):
    """The same batch sent again with its Idempotency-Key is answered from the store: the rain
    it carries is counted once in the hourly sum."""
    def rain(mm: float) -> dict:
        return reading("a-luoi-rain", mm, unit="mm", quantity="rain", category="sensor.rain")

    key = {"Idempotency-Key": "gateway-batch-7"}
    first = server.post_events([rain(12)], operator, headers=key)
    again = server.post_events([rain(12)], operator, headers=key)
    assert first.status == again.status == 201, (first.body, again.body)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.body["events"] == first.body["events"]
    nxt = server.post_events([rain(11)], operator)
    assert nxt.body["events"][0]["props"]["derived"]["rain_1h"] == 23  # 12 + 11, not 12 + 12 + 11
    # other data, same key
    assert server.post_events([rain(13)], operator, headers=key).status == 409


def test_river_and_reservoir_figures(server, operator, wall):
    before = figures(server, wall)
    assert before["flood.rivers.kim-long"]["status"] == "unknown"
    assert not any(k.startswith("flood.reservoirs.") for k in before)
    server.post_events([reading("kim-long", 2.2), reading("phu-oc", 4.6),
                        reservoir("binh-dien", 83.9, reservoir_volume=95.9, outflow=1442.0)],
                       operator)
    got = figures(server, wall)
    kl, po = got["flood.rivers.kim-long"], got["flood.rivers.phu-oc"]
    assert (kl["value"], kl["status"], kl["unit"]) == (2.2, "warn", "m")
    assert kl["label"] == {"vi": "Kim Long: trên BĐ2", "en": "Kim Long: above BĐ2"}
    assert (po["value"], po["status"], po["label"]["vi"]) == (4.6, "alarm", "Phú Ốc: trên BĐ3")
    assert got["flood.reservoirs.binh-dien.level"]["value"] == 83.9
    assert got["flood.reservoirs.binh-dien.level"]["status"] == "ok"  # below its 85 m normal level
    assert got["flood.reservoirs.binh-dien.release"]["value"] == 1442.0
    assert got["flood.reservoirs.binh-dien.release"]["unit"] == "m³/s"
    # the river falls back below BĐ1 (past the hysteresis), the reservoir reaches its normal level
    server.post_events([reading("kim-long", 0.9), reservoir("binh-dien", 85.2, outflow=300.0)],
                       operator)
    got = figures(server, wall)
    river = got["flood.rivers.kim-long"]
    assert (river["status"], river["label"]["en"]) == \
        ("ok", "Kim Long: below BĐ1")
    assert got["flood.reservoirs.binh-dien.level"]["status"] == "warn"
    assert got["flood.reservoirs.binh-dien.release"]["value"] == 300.0
    series = server.http("GET", server.url + "/api/v1/sensors/binh-dien/series?quantity=outflow",
                         token=wall).body
    assert series["v"] == [1442.0, 300.0] and series["unit"] == "m³/s"
