"""Sensors over MQTT on the real broker (Mosquitto, 127.0.0.1:1883): publish → event on the
websocket, units checked, threshold alerts with hysteresis, rain sums, series, registration."""
from __future__ import annotations

import json
import secrets
import time

import paho.mqtt.client as mqtt
import pytest

from tests.helpers import http, open_ws
from tests.helpers import wait_until as wait_for
from tests.helpers.feeds import receive, subscribe

BROKER = ("127.0.0.1", 1883)


@pytest.fixture
def prefix() -> str:
    """A topic prefix of this test only (other engineers share the broker)."""
    return f"ioc-test-{secrets.token_hex(6)}/sensors"


@pytest.fixture
def mqtt_server(make_server, prefix):
    """A server subscribed to the broker under this test's prefix."""
    srv = make_server(feed_flush_ms=50, mqtt_url=f"mqtt://{BROKER[0]}:{BROKER[1]}",
                      mqtt_topic_prefix=prefix)
    op = srv.token("operator")
    wait_for(lambda: http("GET", srv.url + "/api/v1/sensors", token=op).body["feed"]["subscribed"])
    return srv


@pytest.fixture
def publisher():
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.connect(*BROKER)
    client.loop_start()

    def publish(topic: str, payload) -> None:  # noqa: ANN001
        body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
        client.publish(topic, body, qos=1).wait_for_publish(5)

    yield publish
    client.loop_stop()
    client.disconnect()


def test_publish_reaches_the_websocket_with_units_checked(mqtt_server, publisher, prefix):
    wall, op = mqtt_server.token("wall"), mqtt_server.token("operator")
    with open_ws(mqtt_server, wall) as ws:
        subscribe(ws, layers=("sensors",))
        publisher(f"{prefix}/kim-long/water_level", "0.85")
        publisher(f"{prefix}/kim-long/water_level", {"value": 92, "unit": "cm"})
        publisher(f"{prefix}/kim-long/water_level", {"value": 1, "unit": "ft"})  # unknown unit
        publisher(f"{prefix}/kim-long/water_level", "high")                      # not a number
        publisher(f"{prefix}/nowhere/water_level", "1")                          # unknown station
        publisher(f"{prefix}/kim-long/salinity", "1")                            # unknown quantity
        publisher(f"{prefix}/kim-long/water_level/extra", "1")                   # bad topic
        publisher(f"{prefix}/kim-long/water_level", "250")                       # out of range
        got = receive(ws, 2)
    assert [(e["props"]["value"], e["props"]["unit"]) for e in got] == [(0.85, "m"), (0.92, "m")]
    assert got[0]["kind"] == "sensor_reading" and got[0]["category"] == "sensor.water_level"
    assert got[0]["props"]["station_name"].startswith("Kim Long") and got[0]["props"]["level"] == 0
    feed = wait_for(lambda: (f := http("GET", mqtt_server.url + "/api/v1/sensors",
                                       token=op).body["feed"])
                    ["received"] == 8 and f)
    counts = (feed["accepted"], feed["bad_unit"], feed["bad_payload"], feed["unknown_station"],
              feed["unknown_quantity"], feed["bad_topic"], feed["out_of_range"])
    assert counts == (2, 1, 1, 1, 1, 1, 1)
    series = http("GET", mqtt_server.url + "/api/v1/sensors/kim-long/series", token=wall).body
    assert series["v"] == [0.85, 0.92] and series["thresholds"] == [1.0, 2.0, 3.5]


def test_river_alarm_levels_with_hysteresis(mqtt_server, publisher, prefix):
    wall = mqtt_server.token("wall")
    levels = [1.2, 1.55, 1.48, 1.52, 1.47, 1.46, 3.1, 2.97, 3.02, 1.2]  # Phú Ốc: BĐ1 1.5, BĐ2 3.0
    with open_ws(mqtt_server, wall) as ws:
        subscribe(ws, layers=("alerts",))
        for v in levels:
            publisher(f"{prefix}/phu-oc/water_level", str(v))
        alerts = receive(ws, 4)
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.5)
    # BĐ1 raised once although the value hovers at 1.5; BĐ2 replaces it and holds at 2.97;
    # back under BĐ1 clears it.
    story = [(a["props"]["level_name"], a["status"]) for a in alerts]
    assert story == [("BĐ1", "active"), ("BĐ1", "cleared"), ("BĐ2", "active"), ("BĐ2", "cleared")]
    assert alerts[0]["category"] == "alert.river_level" and alerts[0]["props"]["threshold"] == 1.5
    station = http("GET", mqtt_server.url + "/api/v1/sensors/phu-oc", token=wall).body
    assert station["latest"]["water_level"]["level"] == 0


def test_rain_sums_raise_rain_alerts(mqtt_server, publisher, prefix):
    wall = mqtt_server.token("wall")
    with open_ws(mqtt_server, wall) as ws:
        subscribe(ws, layers=("alerts", "sensors"))
        for mm in (12, 11, 10):  # 33 mm within the hour
            publisher(f"{prefix}/a-luoi-rain/rain", {"value": mm, "unit": "mm"})
        got = receive(ws, 4)
    readings = [e for e in got if e["kind"] == "sensor_reading"]
    alerts = [e for e in got if e["kind"] == "alert"]
    assert [r["props"]["derived"]["rain_1h"] for r in readings] == [12, 23, 33]
    assert [a["props"]["rule"] for a in alerts] == ["rain_1h"]
    assert alerts[0]["category"] == "alert.rain"
    assert readings[-1]["props"]["level"] == 1 and readings[-1]["severity"] == "minor"


def test_register_a_station_then_publish(mqtt_server, publisher, prefix):
    op, wall = mqtt_server.token("operator"), mqtt_server.token("wall")
    bad = http("PUT", mqtt_server.url + "/api/v1/sensors/cau-truoi", token=op,
               body={"name": "", "lat": 10.0, "lon": 106.0, "quantities": ["salinity"]})
    paths = {d["path"] for d in bad.body["error"]["details"]}
    assert bad.status == 422 and paths == {"name", "lat", "quantities"}
    r = http("PUT", mqtt_server.url + "/api/v1/sensors/cau-truoi", token=op,
             body={"name": "Cầu Truồi", "lat": 16.3050, "lon": 107.7560, "kind": "hydro",
                   "quantities": ["water_level"], "levels": {"water_level": [1.5, 2.5, 3.5]}})
    assert r.status == 200 and r.body["topic"] == f"{prefix}/cau-truoi/{{quantity}}"
    assert http("PUT", mqtt_server.url + "/api/v1/sensors/x", token=wall, body={}).status == 403
    with open_ws(mqtt_server, wall) as ws:
        subscribe(ws, layers=("alerts",))
        publisher(f"{prefix}/cau-truoi/water_level", "2.6")
        alert = receive(ws, 1)[0]
    assert alert["props"]["level"] == 2 and alert["props"]["subject_id"] == "cau-truoi"
    assert http("GET", mqtt_server.url + "/api/v1/sensors/nowhere/series", token=wall).status == 404


def test_open_alerts_and_stations_survive_a_restart(make_server, prefix, publisher):
    for round_ in range(2):
        srv = make_server(feed_flush_ms=50, mqtt_url=f"mqtt://{BROKER[0]}:{BROKER[1]}",
                          mqtt_topic_prefix=prefix)
        try:
            op = srv.token("operator")
            wait_for(lambda: http("GET", srv.url + "/api/v1/sensors",
                                  token=op).body["feed"]["subscribed"])
            publisher(f"{prefix}/kim-long/water_level", "2.4")  # above BĐ2 both times
            wait_for(lambda: http("GET", srv.url + "/api/v1/sensors/kim-long", token=op)
                     .body["latest"].get("water_level"))
            time.sleep(0.3)
            alerts = http("GET", srv.url + "/api/v1/events?kind=alert", token=op).body["events"]
            assert len(alerts) == 1 and alerts[0]["props"]["level_name"] == "BĐ2"
        finally:
            srv.stop()


def test_readings_arrive_as_events_in_the_store(mqtt_server, publisher, prefix):
    op = mqtt_server.token("operator")
    publisher(f"{prefix}/hue-air/pm25", {"value": 0.065, "unit": "mg/m3",
                                         "observed_at": "2025-11-17T08:00:00+07:00"})
    ev = wait_for(lambda: http("GET", mqtt_server.url + "/api/v1/events?kind=sensor_reading",
                               token=op).body["events"])[0]
    assert ev["props"]["value"] == 65.0 and ev["props"]["unit"] == "µg/m³"
    assert ev["observed_at"] == "2025-11-17T08:00:00+07:00" and ev["props"]["level"] == 1
