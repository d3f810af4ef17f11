"""No CAP message stalls the server: while the heaviest messages a client may send (a zig-zag
polygon near the body limit, the largest accepted polygons, thousands of geocodes, a huge
description, many small areas) are posted, a probe asks ``/api/v1/health`` every 20 ms and no
answer takes more than PROBE_MAX_S. The server runs as a child process of its own (``ioc
serve``), so that the probe and the client, in the test's process, share neither its heap nor
its interpreter lock. The bound the server keeps is ~100 ms (XML and geometry run on a reader
thread, the polygons are bounded); the test allows 250 ms for a loaded machine.
Over-large polygons are refused with a 422 that says what to do."""
from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest

from server.core.auth import new_token
from server.core.timefmt import parse_offset
from server.features.warnings.cap import MAX_MESSAGE_POINTS, MAX_POLYGON_POINTS
from server.store import open_store
from tests.helpers import ServerProcess, http
from tests.helpers.warnings import HUE, THUAN_AN

PROBE_EVERY_S = 0.02
PROBE_MAX_S = 0.25
BODY_LIMIT = 8 * 1024 * 1024


def zigzag(n: int, lat0: float = 16.40) -> str:
    """Return a closed CAP polygon of ``n`` points zig-zagging across Huế (self-intersecting)."""
    pts = [f"{lat0 + 0.15 * i / n:.6f},{107.50 if i % 2 == 0 else 107.70:.6f}"
           for i in range(n - 1)]
    return " ".join(pts + [pts[0]])


def message(identifier: str, areas: str, description: str = "Nước lên nhanh.") -> bytes:
    """Return a CAP 1.2 message with the ``<area>`` elements ``areas``."""
    now = datetime.now(HUE).replace(microsecond=0).isoformat()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>{identifier}</identifier>
<sender>canhbao@kttv.example.vn</sender><sent>{now}</sent><status>Actual</status>
<msgType>Alert</msgType><scope>Public</scope><info><category>Met</category>
<event>Lũ trên sông Hương</event><urgency>Expected</urgency><severity>Severe</severity>
<certainty>Likely</certainty><description>{description}</description>{areas}</info>
</alert>""".encode()


def area(polygons: list[str], geocodes: int = 0) -> str:
    """Return one ``<area>`` with ``polygons`` and ``geocodes`` copies of Thuận An's code."""
    codes = f"<geocode><valueName>GSO</valueName><value>{THUAN_AN}</value></geocode>" * geocodes
    return ("<area><areaDesc>Hạ lưu sông Hương</areaDesc>"
            + "".join(f"<polygon>{p}</polygon>" for p in polygons) + codes + "</area>")


def near_limit_zigzag() -> bytes:
    """Return a message of one zig-zag polygon just under the body limit."""
    n = (BODY_LIMIT - 2000) // len("16.400000,107.500000 ")
    return message("zigzag", area([zigzag(n)]))


def heavy_messages() -> list[tuple[str, bytes, int]]:
    """Return ``(name, body, expected status)`` of the heaviest inputs."""
    small = "16.455,107.560 16.455,107.590 16.475,107.590 16.455,107.560"
    return [
        ("zigzag near the limit", near_limit_zigzag(), 422),
        ("largest accepted polygons", message("widest", area(
            [zigzag(MAX_POLYGON_POINTS, 16.40 + k * 0.01)
             for k in range(MAX_MESSAGE_POINTS // MAX_POLYGON_POINTS)])), 201),
        ("too many points in all", message("many", area(
            [zigzag(MAX_POLYGON_POINTS)] * (MAX_MESSAGE_POINTS // MAX_POLYGON_POINTS + 1))), 422),
        ("many small areas", message("small", "".join(
            area([small]) for _ in range(MAX_MESSAGE_POINTS // 4))), 201),
        ("geocodes", message("codes", area([], 60_000)), 201),
        ("long description", message("text", area([small]), "Nước lên. " * 550_000), 201),
    ]


class Probe(threading.Thread):
    """Ask ``/api/v1/health`` every PROBE_EVERY_S until stopped; keep each latency."""

    def __init__(self, url: str, token: str):
        super().__init__(daemon=True)
        self.url, self.token = url, token
        self.latencies: list[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            start = time.perf_counter()
            assert http("GET", self.url, token=self.token, timeout=60).status == 200
            self.latencies.append(time.perf_counter() - start)
            time.sleep(PROBE_EVERY_S)


@pytest.fixture
def cap_server(tmp_path):
    """``ioc serve`` in a child process on SQLite, its tokens not rate limited by the probe;
    yields ``(server, {"operator": secret, "wall": secret})``."""
    db = f"sqlite:///{tmp_path / 'cap.sqlite3'}"
    store = open_store(db, parse_offset("+07:00"))
    try:
        made = {role: new_token(role, label="cap-load") for role in ("operator", "wall")}
        for _, record in made.values():
            store.save_token(record)
    finally:
        store.close()
    srv = ServerProcess("--db", db, env={"IOC_RATE_TOKEN_PER_S": "1000",
                                         "IOC_RATE_TOKEN_BURST": "10000",
                                         "IOC_DATA_DIR": str(tmp_path)})
    try:
        yield srv, {role: secret for role, (secret, _) in made.items()}
    finally:
        srv.stop()


def test_heavy_cap_messages_never_stall_the_loop(cap_server):
    srv, tokens = cap_server
    op = tokens["operator"]
    heavy = heavy_messages()
    probe = Probe(f"{srv.url}/api/v1/health", tokens["wall"])
    probe.start()
    try:
        time.sleep(0.3)
        answers = {name: http("POST", f"{srv.url}/api/v1/warnings/cap", raw=body, token=op,
                              timeout=120)
                   for name, body, _ in heavy}
        time.sleep(0.3)
    finally:
        probe.done.set()
        probe.join(10)
    for name, _, status in heavy:
        assert answers[name].status == status, (name, answers[name].body)
    assert len(probe.latencies) > 20
    assert max(probe.latencies) <= PROBE_MAX_S, sorted(probe.latencies)[-5:]


def test_an_over_large_polygon_is_refused_with_what_to_do(app_server):
    op = app_server.token("operator")
    body = message("big", area([zigzag(MAX_POLYGON_POINTS + 1)]))
    r = app_server.http("POST", f"{app_server.url}/api/v1/warnings/cap", raw=body, token=op)
    assert r.status == 422 and r.body["error"]["code"] == "validation_failed", r.body
    problem = r.body["error"]["details"][0]
    assert problem["path"] == "info[0].area[0].polygon[0]"
    assert f"at most {MAX_POLYGON_POINTS} points" in problem["message"]
    assert "simplify" in problem["message"]
