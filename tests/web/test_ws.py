"""The websocket contract on a real server with a real websocket client."""
from __future__ import annotations

import json
import time

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.helpers import (
    RECV_TIMEOUT,
    ServerThread,
    collect_events,
    http,
    open_ws,
    recv_json,
    report,
    subscribe,
)
from tests.helpers.ws import closed_within


def assert_silent(ws, seconds: float = 0.4) -> None:  # noqa: ANN001
    with pytest.raises(TimeoutError):
        ws.recv(timeout=seconds)


def test_posted_event_reaches_subscriber_once(server, operator, wall):
    with open_ws(server, wall) as ws:
        subscribe(ws)
        posted = server.post_events([report()], operator).body["events"][0]
        frame = recv_json(ws)
        assert frame["op"] == "events" and frame["events"] == [posted]
        assert frame["last_seq"] == posted["seq"]
        assert_silent(ws)


def test_batches_group_events(server, operator, wall):
    with open_ws(server, wall) as ws:
        subscribe(ws)
        for _ in range(5):
            server.post_events([report(), report()], operator)
        got = collect_events(ws, until_seq=10)
        assert [e["seq"] for e in got] == list(range(1, 11))
        assert_silent(ws)


def test_reconnect_with_since_gets_exactly_the_missed_events(server, operator, wall):
    with open_ws(server, wall) as ws:
        subscribe(ws, since=0)
        server.post_events([report() for _ in range(3)], operator)
        seen = collect_events(ws, until_seq=3)
    last = seen[-1]["seq"]
    missed = server.post_events([report() for _ in range(4)], operator).body["events"]
    with open_ws(server, wall) as ws:
        subscribe(ws, since=last)
        got = collect_events(ws, until_seq=missed[-1]["seq"])
        assert got == missed
        more = server.post_events([report()], operator).body["events"]
        assert collect_events(ws, until_seq=more[0]["seq"]) == more
        assert_silent(ws)


def test_resume_during_sustained_ingest_has_no_gap_or_duplicate(server, operator, wall):
    received: list[int] = []
    with open_ws(server, wall) as ws:
        subscribe(ws, since=0)
        for _ in range(5):
            server.post_events([report() for _ in range(20)], operator)
        received += [e["seq"] for e in collect_events(ws, until_seq=100)]
    for _ in range(5):
        server.post_events([report() for _ in range(20)], operator)
    with open_ws(server, wall) as ws:
        subscribe(ws, since=received[-1])
        for _ in range(3):  # posted while the client catches up
            server.post_events([report() for _ in range(20)], operator)
        received += [e["seq"] for e in collect_events(ws, until_seq=260)]
        assert_silent(ws)
    assert received == list(range(1, 261))


def test_bbox_and_layer_filters(server, operator, wall):
    with open_ws(server, wall) as ws:
        subscribe(ws, bbox=[107.58, 16.45, 107.60, 16.47])
        server.post_events([report(lat=16.55, lon=107.48), report()], operator)
        frame = recv_json(ws)
        assert [(e["lat"], e["lon"]) for e in frame["events"]] == [(16.4637, 107.5909)]


def test_agency_sees_only_its_own_events(server, operator):
    token = server.token("agency", "hepco")
    with open_ws(server, token) as ws:
        subscribe(ws, since=0)
        server.post_events([report(lat=16.55, lon=107.48), report()], operator)
        frame = recv_json(ws)
        assert [e["agency_id"] for e in frame["events"]] == ["hepco"]


def test_public_view_has_no_personal_data(server, operator):
    token = server.token("public")
    private = report(props={"description": "Mất trộm xe", "address": "12 Lê Lợi",
                            "reporter": {"name": "Nguyễn Văn A", "phone": "+84 905 123 456"}},
                     category="security.theft")
    with open_ws(server, token) as ws:
        subscribe(ws, since=0)
        stored = server.post_events([private], operator).body["events"][0]
        ev = recv_json(ws)["events"][0]
    text = json.dumps(ev, ensure_ascii=False)
    assert "905" not in text and "Nguyễn" not in text and "Lê Lợi" not in text
    assert (ev["lat"], ev["lon"]) != (stored["lat"], stored["lon"])
    assert ev["cell"] != stored["cell"] and ev["props"]["description"] == "Mất trộm xe"


def test_token_in_first_message(server, operator, wall):
    with open_ws(server, None) as ws:
        ws.send(json.dumps({"op": "auth", "token": wall}))
        subscribe(ws)
        server.post_events([report()], operator)
        assert recv_json(ws)["op"] == "events"


def test_errors_are_frames_in_the_one_shape(server, wall):
    with open_ws(server, wall) as ws:
        ws.send("{not json")
        frame = recv_json(ws)
        assert frame["op"] == "error" and frame["error"]["code"] == "bad_request"
        ws.send(json.dumps({"op": "subscribe", "layers": ["nope"]}))
        err = recv_json(ws)["error"]
        assert err["code"] == "validation_failed" and "unknown layer" in err["message"]
        ws.send(json.dumps({"op": "dance"}))
        assert recv_json(ws)["error"]["code"] == "validation_failed"
        ws.send(json.dumps({"op": "ping"}))
        assert recv_json(ws) == {"op": "pong"}


def test_no_token_is_refused_and_closed(server):
    with open_ws(server, None) as ws:
        ws.send(json.dumps({"op": "subscribe", "layers": ["reports"]}))
        assert recv_json(ws)["error"]["code"] == "unauthorized"
        with pytest.raises(ConnectionClosed) as info:
            ws.recv(timeout=RECV_TIMEOUT)
        assert info.value.rcvd.code == 4401


def test_bad_token_in_query_is_closed(server):
    with open_ws(server, "ioc_forged") as ws:
        assert recv_json(ws)["error"]["code"] == "unauthorized"
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=RECV_TIMEOUT)


def test_foreign_origin_is_refused(server, wall):
    with pytest.raises(InvalidStatus) as info:
        open_ws(server, wall, origin="http://evil.example")
    assert info.value.response.status_code == 403
    with open_ws(server, wall, origin=server.url) as ws:
        subscribe(ws)


def test_oversized_message_closes_connection(server, wall):
    with open_ws(server, wall, max_size=None) as ws:
        ws.send("x" * (server.settings.ws_max_message_bytes + 1))
        with pytest.raises(ConnectionClosed) as info:
            ws.recv(timeout=RECV_TIMEOUT)
        assert info.value.rcvd.code == 1009


def test_live_frames_are_at_most_every_flush(server, operator, wall):
    with open_ws(server, wall) as ws:
        subscribe(ws)
        t0 = time.monotonic()
        for _ in range(20):
            server.post_events([report()], operator)
        got, frames = [], 0
        while len(got) < 20:
            frame = recv_json(ws)
            frames += 1
            got += frame["events"]
        elapsed = time.monotonic() - t0
        assert frames <= elapsed / (server.settings.flush_ms / 1000) + 2


def test_configured_origin_is_allowed_and_others_refused(make_server):
    srv = make_server(allowed_origins=["https://wall.hue.gov.vn"])
    try:
        wall = srv.token("wall")
        with open_ws(srv, wall, origin="https://wall.hue.gov.vn") as ws:
            subscribe(ws)
        with pytest.raises(InvalidStatus) as info:
            open_ws(srv, wall, origin="https://hue.gov.vn.evil.example")
        assert info.value.response.status_code == 403
    finally:
        srv.stop()


def test_too_many_messages_get_an_error_frame_and_close_1008(make_server):
    srv = make_server(ws_max_messages_per_s=5.0)
    try:
        with open_ws(srv, srv.token("wall")) as ws:
            for _ in range(10):  # the burst allowance: twice the rate
                ws.send(json.dumps({"op": "ping"}))
                assert recv_json(ws) == {"op": "pong"}
            ws.send(json.dumps({"op": "ping"}))
            err = recv_json(ws)["error"]
            assert err["code"] == "rate_limited" and "5 messages per second" in err["message"]
            with pytest.raises(ConnectionClosed) as info:
                ws.recv(timeout=RECV_TIMEOUT)
            assert info.value.rcvd.code == 1008
    finally:
        srv.stop()


def test_subscription_layers_are_bounded(server, wall):
    with open_ws(server, wall) as ws:
        ws.send(json.dumps({"op": "subscribe", "layers": ["reports"] * 51}))
        err = recv_json(ws)["error"]
        assert err["code"] == "validation_failed"
        assert err["details"][0]["path"] == "subscribe.layers"


def test_revoking_a_token_closes_its_open_websockets_at_once(settings, router):
    from click.testing import CliRunner

    from server.cli import main
    settings = settings.model_copy(update={"ws_token_check_s": 0.5})
    srv = ServerThread(settings, router).start()
    try:
        admin, other = srv.token("admin"), srv.token("wall")
        doomed = srv.core.create_token("wall", label="doomed")
        by_cli = srv.core.create_token("wall", label="by-cli")
        ids = {t["label"]: t["id"] for t in http("GET", srv.url + "/api/v1/tokens",
                                                 token=admin).body["tokens"]}
        with open_ws(srv, doomed) as ws, open_ws(srv, other) as kept, \
                open_ws(srv, by_cli) as cli_ws:
            for s in (ws, kept, cli_ws):
                subscribe(s)
            t0 = time.monotonic()
            assert http("DELETE", srv.url + f"/api/v1/tokens/{ids['doomed']}",
                        token=admin).status == 200
            close = closed_within(ws, 1.0)
            assert close.code == 4401 and "revoked" in close.reason
            assert time.monotonic() - t0 < 1.0
            result = CliRunner().invoke(main, ["token", "revoke", "--id", ids["by-cli"],
                                               "--db", settings.db])
            assert result.exit_code == 0, result.output
            assert closed_within(cli_ws, 2.0).code == 4401  # the periodic check (0.5 s here)
            kept.send(json.dumps({"op": "ping"}))
            assert recv_json(kept) == {"op": "pong"}  # another token's socket stays open
    finally:
        srv.stop()


def handshake(port: int, headers: dict[str, str]) -> int:
    """Return the status of a raw websocket handshake to ``/ws`` with ``headers`` (Host too)."""
    import socket
    lines = ["GET /ws HTTP/1.1", "Upgrade: websocket", "Connection: Upgrade",
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
             *(f"{k}: {v}" for k, v in headers.items())]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while b"\r\n" not in head:
            head += s.recv(4096)
    return int(head.split()[1])


def test_the_origin_is_compared_with_the_server_s_own_not_with_the_host_header(settings, router):
    srv = ServerThread(settings, router).start()
    try:
        port = srv.server.port
        evil = {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"}
        assert handshake(port, evil) == 403  # DNS rebinding: Host and Origin agree, both evil
        assert handshake(port, {**evil, "Sec-Fetch-Site": "same-origin"}) == 403
        for origin in (f"http://127.0.0.1:{port}", f"http://localhost:{port}"):
            assert handshake(port, {"Host": f"127.0.0.1:{port}", "Origin": origin}) == 101
        assert handshake(port, {"Host": f"127.0.0.1:{port}",
                                "Origin": f"http://127.0.0.1:{port + 1}"}) == 403
        assert handshake(port, {"Host": f"127.0.0.1:{port}"}) == 101  # no Origin: not a browser
    finally:
        srv.stop()
    srv = ServerThread(settings.model_copy(update={"public_url": "https://ioc.hue.gov.vn"}),
                       router).start()
    try:
        port = srv.server.port
        for origin, status in (("https://ioc.hue.gov.vn", 101), ("https://IOC.hue.gov.vn:443", 101),
                               ("http://ioc.hue.gov.vn", 403), (f"http://127.0.0.1:{port}", 403)):
            assert handshake(port, {"Host": "ioc.hue.gov.vn", "Origin": origin}) == status, origin
    finally:
        srv.stop()


def test_the_configured_ping_timeout_is_the_one_applied(settings, router):
    """Pings every 0.2 s, timeout 1 s: a client that never answers is closed after about 1 s
    (Tornado alone cut the timeout to the interval: 0.2 s); one that answers stays."""
    import socket
    settings = settings.model_copy(update={"ws_ping_interval": 0.2, "ws_ping_timeout": 1.0})
    srv = ServerThread(settings, router).start()
    try:
        with open_ws(srv, srv.token("wall")) as alive, \
                socket.create_connection(("127.0.0.1", srv.server.port), timeout=5) as mute:
            mute.sendall(b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                         b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                         b"Sec-WebSocket-Version: 13\r\n\r\n")
            t0, data = time.monotonic(), b""
            while b"\r\n\r\n" not in data:
                data += mute.recv(4096)
            data = data.split(b"\r\n\r\n", 1)[1]
            while True:  # read frames (pings, unanswered) until the close frame
                while len(data) < 2 or len(data) < 2 + (data[1] & 0x7F):
                    data += mute.recv(4096)
                opcode, size = data[0] & 0x0F, data[1] & 0x7F
                if opcode == 0x8:
                    break
                data = data[2 + size:]
            closed_after = time.monotonic() - t0
            assert 0.9 <= closed_after <= 2.5, closed_after
            alive.send(json.dumps({"op": "ping"}))
            assert recv_json(alive) == {"op": "pong"}  # it answered the pings: still open
    finally:
        srv.stop()
