"""Vessels: real AIS sentences (pyais) over a real TCP socket, UDP and HTTP into a real server,
arriving on a real websocket; registry, geofences, silence, readiness, down-sampling."""
from __future__ import annotations

import socket
import time

import pytest

from scenarios.fleet import nmea_position, nmea_static, tag
from server.core.clock import ManualClock
from tests.helpers import http, open_ws, recv_json
from tests.helpers import wait_until as wait_for
from tests.helpers.feeds import receive, subscribe

MMSI = 574123456
AT_SEA = (16.63, 107.72)  # about 10 km off Thuận An: near-shore zone
STORM = {"type": "Polygon", "coordinates": [[[107.70, 16.62], [107.80, 16.62], [107.80, 16.70],
                                             [107.70, 16.70], [107.70, 16.62]]]}


def with_checksum(body: str) -> str:
    """Return an NMEA sentence with a correct checksum."""
    check = 0
    for ch in body[1:].encode():
        check ^= ch
    return f"{body}*{check:02X}"


def post_ais(server, token: str, lines: list[str]):  # noqa: ANN001, ANN201
    return http("POST", server.url + "/api/v1/ais", token=token, raw="\n".join(lines).encode(),
                headers={"Content-Type": "text/plain"})


@pytest.fixture
def tcp_feed_socket():
    """A listening socket playing an AIS feed server (the IOC connects to it)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    srv.settimeout(15)
    yield srv
    srv.close()


@pytest.fixture
def ais_server(make_server, tcp_feed_socket):
    """A server reading AIS from the test's TCP feed (and a free UDP port)."""
    return make_server(feed_flush_ms=50, ais_udp=0,
                       ais_tcp=f"127.0.0.1:{tcp_feed_socket.getsockname()[1]}")


def test_tcp_feed_multipart_corrupt_lines_and_reconnect(ais_server, tcp_feed_socket):
    wall = ais_server.token("wall")
    static = nmea_static(MMSI, "TTH 90123 TS", "XVAB", length_m=18, beam_m=6)
    pos = nmea_position(MMSI, *AT_SEA, sog=6.5, cog=45.0, heading=44)
    corrupt = [pos[0][:-2] + "00", "garbage \x00\xff", with_checksum("!AIVDM,2,2,7,A,0000,2"),
               "$GPGGA,1,2*00"]
    with open_ws(ais_server, wall) as ws:
        subscribe(ws)
        conn, _ = tcp_feed_socket.accept()
        payload = ("\r\n".join(static[:1] + corrupt + static[1:] + pos) + "\r\n").encode()
        conn.sendall(payload[:37])  # a sentence split across TCP segments
        time.sleep(0.05)
        conn.sendall(payload[37:])
        ev = receive(ws, 1)[0]
        assert ev["kind"] == "vessel" and ev["props"]["mmsi"] == MMSI
        assert ev["props"]["name"] == "TTH 90123 TS" and ev["props"]["zone"] == "ven_bo"
        assert (ev["props"]["sog"], ev["props"]["cog"], ev["props"]["heading"]) == (6.5, 45.0, 44)
        conn.close()  # the feed drops; the IOC reconnects with back-off
        conn2, _ = tcp_feed_socket.accept()
        conn2.sendall(("\n".join(nmea_position(MMSI, 16.67, 107.75, sog=6.0, cog=50.0))
                       + "\n").encode())
        assert receive(ws, 1)[0]["lat"] == 16.67
        conn2.close()
    token = ais_server.token("operator")
    feeds = http("GET", ais_server.url + "/api/v1/vessels/feeds", token=token).body
    src = next(v for k, v in feeds["sources"].items() if k.startswith("tcp:"))
    assert src["messages"] == 3 and src["corrupt"] == 3 and src["fragments_dropped"] == 1
    vessel = http("GET", ais_server.url + "/api/v1/vessels", token=wall).body["vessels"][0]
    assert vessel["name"] == "TTH 90123 TS" and vessel["call_sign"] == "XVAB"
    assert vessel["length_m"] == 18 and len(vessel["track"]) == 2


def test_udp_datagrams_reach_the_websocket(ais_server):
    wall, op = ais_server.token("wall"), ais_server.token("operator")
    addr = wait_for(lambda: http("GET", ais_server.url + "/api/v1/vessels/feeds",
                                 token=op).body["udp"])
    with open_ws(ais_server, wall) as ws, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        subscribe(ws)
        lines = nmea_position(MMSI + 1, 16.80, 107.90, sog=3.0, cog=200.0, class_b=True)
        udp.sendto(("\r\n".join(lines) + "\r\n").encode(), tuple(addr))
        udp.sendto(b"!AIVDM,1,1,,B,not-a-payload,0*00", tuple(addr))
        ev = receive(ws, 1)[0]
        assert ev["props"]["mmsi"] == MMSI + 1 and ev["props"]["msg_type"] == 18
        assert ev["props"]["zone"] == "long" and ev["agency_id"]


def test_danger_zone_entry_raises_and_leaving_clears(server):
    op, wall = server.token("operator"), server.token("wall")
    post_ais(server, op, nmea_position(MMSI, 16.60, 107.60, sog=5.0, cog=45.0))  # outside
    with open_ws(server, wall) as ws:
        subscribe(ws, layers=("alerts",))
        r = http("POST", server.url + "/api/v1/vessels/danger-zones", token=op,
                 body={"id": "storm-13", "name": "Bão số 13", "geometry": STORM})
        assert r.status == 201 and r.body["vessels_inside"] == []
        post_ais(server, op, nmea_position(MMSI, *AT_SEA, sog=5.0, cog=45.0))  # enters
        alert = receive(ws, 1)[0]
        assert alert["kind"] == "alert" and alert["category"] == "alert.vessel_danger_zone"
        assert alert["status"] == "active" and alert["props"]["zone_id"] == "storm-13"
        post_ais(server, op, nmea_position(MMSI, 16.635, 107.725, sog=5.0, cog=45.0))  # still in
        post_ais(server, op, nmea_position(MMSI, 16.75, 107.85, sog=5.0, cog=45.0))  # leaves
        cleared = receive(ws, 1)[0]
        assert cleared["id"] == alert["id"] and cleared["status"] == "cleared"
    events = http("GET", server.url + "/api/v1/events?kind=alert", token=op).body["events"]
    assert len(events) == 1
    ready = http("GET", server.url + "/api/v1/vessels/readiness", token=wall).body
    assert ready["danger_zones"] == [{"id": "storm-13", "name": "Bão số 13", "until": None,
                                      "vessels": 0}]


def test_zone_posted_over_a_vessel_raises_and_bad_zones_are_refused(server):
    op = server.token("operator")
    post_ais(server, op, nmea_position(MMSI, *AT_SEA, sog=5.0, cog=45.0))
    r = http("POST", server.url + "/api/v1/vessels/danger-zones", token=op,
             body={"name": "Bão", "geometry": STORM})
    assert [v["mmsi"] for v in r.body["vessels_inside"]] == [MMSI]
    alerts = wait_for(lambda: http("GET", server.url + "/api/v1/events?kind=alert",
                                   token=op).body["events"])
    assert alerts[0]["props"]["subject_id"] == str(MMSI)
    bad = http("POST", server.url + "/api/v1/vessels/danger-zones", token=op,
               body={"geometry": {"type": "Polygon",
                                  "coordinates": [[[16.6, 107.7], [16.7, 107.7],
                                                   [16.7, 107.8], [16.6, 107.7]]]}})
    paths = {d["path"] for d in bad.body["error"]["details"]}
    assert bad.status == 422 and paths == {"name", "geometry"}
    assert http("POST", server.url + "/api/v1/vessels/danger-zones", token=server.token("wall"),
                body={"name": "x", "geometry": STORM}).status == 403
    zone_id = r.body["zone"]["id"]
    deleted = http("DELETE", server.url + f"/api/v1/vessels/danger-zones/{zone_id}", token=op)
    assert deleted.body["vessels"] == 1
    cleared = wait_for(lambda: [e for e in http("GET", server.url + "/api/v1/events?kind=alert",
                                                 token=op).body["events"]
                                if e["status"] == "cleared"])
    assert cleared[0]["id"] == alerts[0]["id"]


@pytest.fixture
def clock_server(make_server):
    """A server on a ManualClock that checks for silent vessels often; (server, clock)."""
    clock = ManualClock()
    srv = make_server(clock, feed_flush_ms=50, ais_silence_check_s=0.05, ais_silent_after_s=600)
    return srv, clock


def test_silent_vessel_raises_then_clears_when_heard(clock_server):
    server, clock = clock_server
    op, wall = server.token("operator"), server.token("wall")
    post_ais(server, op, nmea_position(MMSI, *AT_SEA, sog=4.0, cog=10.0))
    # in port: not watched
    post_ais(server, op, nmea_position(MMSI + 7, 16.5600, 107.6320, sog=0.0))
    with open_ws(server, wall) as ws:
        subscribe(ws, layers=("alerts",))
        clock.advance(599)
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.4)
        clock.advance(2)
        alert = receive(ws, 1)[0]
        assert alert["category"] == "alert.vessel_silent"
        assert alert["props"]["subject_id"] == str(MMSI)
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.4)  # raised once, not at every tick
        post_ais(server, op, nmea_position(MMSI, 16.70, 107.78, sog=4.0, cog=10.0))
        cleared = receive(ws, 1)[0]
        assert cleared["id"] == alert["id"] and cleared["status"] == "cleared"
    ready = http("GET", server.url + "/api/v1/vessels/readiness", token=wall).body
    assert ready["silent"] == 0


def test_down_sampling_streams_every_position_but_stores_few(clock_server):
    server, clock = clock_server
    op, wall = server.token("operator"), server.token("wall")
    with open_ws(server, wall) as ws:
        subscribe(ws)
        for i in range(12):  # moored: one report every 20 s for 4 minutes
            post_ais(server, op, nmea_position(MMSI, *AT_SEA, sog=0.0, status=5))
            clock.advance(20)
        for i in range(6):  # under way at 8 kn: a report every 2 s
            post_ais(server, op, nmea_position(MMSI, 16.63 + i * 0.0001, 107.74, sog=8.0, cog=0.0))
            clock.advance(2)
        got = receive(ws, 18)
    assert len(got) == 18
    stored = [e for e in got if e["seq"] is not None]
    live = [e for e in got if e["seq"] is None]
    # stored: the first report, the status change to under way, then one per 10 s while moving
    assert len(stored) == 3 and len(live) == 15
    page = http("GET", server.url + "/api/v1/events?kind=vessel", token=op).body["events"]
    assert [e["id"] for e in page] == [e["id"] for e in stored]
    with open_ws(server, wall) as ws:  # resuming replays the stored ones only
        subscribe(ws, since=0)
        frame = recv_json(ws)
        assert frame["op"] == "events"
        assert [e["id"] for e in frame["events"]] == [e["id"] for e in stored]
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.4)


def test_readiness_counts_vessels_per_zone_with_port_distance(server):
    op, wall = server.token("operator"), server.token("wall")
    lines = (nmea_position(574000001, 16.5600, 107.6320, sog=0.0)       # Thuận An port
             + nmea_position(574000002, *AT_SEA, sog=5.0, cog=1.0)       # near-shore
             + nmea_position(574000003, 16.80, 107.90, sog=5.0, cog=1.0)  # mid-shore
             + nmea_position(574000004, 17.00, 108.30, sog=5.0, cog=1.0)  # offshore
             + nmea_position(574000005, 10.0, 106.0, sog=5.0)            # far away: skipped
             + nmea_static(574000004, "TTH 95555 TS"))
    r = post_ais(server, op, lines)
    assert r.status == 200 and r.body["messages"] == 6
    ready = http("GET", server.url + "/api/v1/vessels/readiness", token=wall).body
    counts = {z["id"]: z["count"] for z in ready["zones"]}
    assert counts == {"port": 1, "lagoon": 0, "inland": 0, "ven_bo": 1, "long": 1, "khoi": 1}
    assert ready["still_at_sea"] == 3 and ready["total"] == 4
    far = next(z for z in ready["zones"] if z["id"] == "khoi")["vessels"][0]
    assert far["name"] == "TTH 95555 TS" and far["nearest_port"]["id"] == "chan-may"
    assert 70 < far["nearest_port"]["distance_km"] < 110
    assert http("GET", server.url + "/api/v1/vessels/readiness").status == 401


def test_registry_and_danger_zones_survive_a_restart(make_server):
    srv = make_server(feed_flush_ms=50)
    op = srv.token("operator")
    post_ais(srv, op, nmea_static(MMSI, "TTH 90123 TS", "XVAB")
             + nmea_position(MMSI, *AT_SEA, sog=3.0, cog=1.0))
    http("POST", srv.url + "/api/v1/vessels/danger-zones", token=op,
         body={"id": "storm", "name": "Bão", "geometry": STORM})
    srv.stop()
    srv = make_server(feed_flush_ms=50)
    try:
        op = srv.token("operator")
        vessels = wait_for(lambda: http("GET", srv.url + "/api/v1/vessels",
                                        token=op).body["vessels"])
        assert vessels[0]["name"] == "TTH 90123 TS" and vessels[0]["danger_zones"] == ["storm"]
        zones = http("GET", srv.url + "/api/v1/vessels/zones").body["features"]
        assert "storm" in [f["id"] for f in zones] and "lagoon" in [f["id"] for f in zones]
        post_ais(srv, op, nmea_position(MMSI, 16.631, 107.721, sog=3.0, cog=1.0))
        alerts = http("GET", srv.url + "/api/v1/events?kind=alert", token=op).body["events"]
        assert len(alerts) == 1  # still inside: not raised again after the restart
    finally:
        srv.stop()


def test_tag_block_times_are_kept(server):
    op = server.token("operator")
    t = time.time() - 3600
    post_ais(server, op, [tag(ln, t) for ln in nmea_position(MMSI, *AT_SEA, sog=1.0, cog=1.0)])
    ev = http("GET", server.url + "/api/v1/events?kind=vessel", token=op).body["events"][0]
    assert ev["observed_at"].startswith(time.strftime("%Y-%m-%dT%H", time.gmtime(t + 7 * 3600)))


def test_storm_scenario_through_the_api_fills_the_readiness_view(server):
    from scenarios.registry import get_scenario
    op = server.token("operator")
    events = [t.event for t in get_scenario("storm_vessels").events(1)]
    for i in range(0, len(events), 2000):
        assert server.post_events(events[i:i + 2000], op).status == 201
    ready = wait_for(lambda: (r := http("GET", server.url + "/api/v1/vessels/readiness",
                                        token=op).body)["total"] == 60 and r)
    counts = {z["id"]: z["count"] for z in ready["zones"]}
    # six boats stay out, two fall silent at sea, the farthest offshore are still on their way
    assert counts["port"] >= 45 and 8 <= ready["still_at_sea"] <= 14
    far = [v for z in ready["zones"] if z["at_sea"] for v in z["vessels"]]
    assert all(v["nearest_port"]["distance_km"] > 2 for v in far)
