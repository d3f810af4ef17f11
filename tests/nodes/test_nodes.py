"""Several nodes: real ``ioc serve`` processes on one PostGIS database and a real Redis (a
``redis-server`` of the test's own, so it can be stopped). Events posted to one node reach the
websocket clients of the others in seq order, exactly once; a node that restarts and a client
that moves to another node resume without gap or duplicate; a slow client does not hold the
others back; with Redis down every node keeps serving and the nodes catch up when it returns."""
from __future__ import annotations

import socket
import time
from dataclasses import dataclass

import pytest
from websockets.exceptions import ConnectionClosed

from tests.helpers import (
    ServerProcess,
    collect_events,
    create_pg_database,
    drop_pg_database,
    http,
    pg_url,
    recv_json,
    report,
    wait_until,
)
from tests.helpers.nodes import (
    RedisProcess,
    health,
    make_token,
    new_stream,
    node_env,
    node_ws,
    post,
    start_node,
)


@dataclass
class Cluster:
    """Two nodes on one database and one Redis, and the tokens to use them."""

    db: str
    redis: RedisProcess
    stream: str
    a: ServerProcess
    b: ServerProcess
    operator: str
    wall: str

    def stop(self) -> None:
        """Stop both nodes."""
        for node in (self.a, self.b):
            node.stop()


def start_cluster(db: str, redis: RedisProcess, **extra: str) -> Cluster:
    """Start nodes ``a`` and ``b`` on ``db`` and ``redis``."""
    stream = new_stream()
    operator, wall = make_token(db, "operator"), make_token(db, "wall")
    a = start_node(db, redis.url, "a", stream, **extra)
    b = start_node(db, redis.url, "b", stream, **extra)
    return Cluster(db, redis, stream, a, b, operator, wall)


@pytest.fixture(scope="module")
def module_db(postgis_template):
    """A migrated PostGIS database shared by the tests of this module's cluster."""
    name = create_pg_database(template=postgis_template)
    yield pg_url(name)
    drop_pg_database(name)


@pytest.fixture(scope="module")
def redis_proc():
    """A Redis server of this module's own."""
    proc = RedisProcess()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def cluster(module_db, redis_proc):
    """Two nodes; slow clients get summaries past 16 KB queued and are closed after 4 s."""
    c = start_cluster(module_db, redis_proc, IOC_WS_SOFT_PENDING_BYTES="16384",
                      IOC_WS_MAX_CONGESTED_S="4")
    yield c
    c.stop()


def head_of(url: str) -> int:
    """Return the seq a node has delivered up to."""
    return health(url)["last_seq"]


def test_events_posted_to_either_node_reach_clients_of_both_in_order(cluster):
    start = max(head_of(cluster.a.url), head_of(cluster.b.url))
    with node_ws(cluster.a.url, cluster.wall, start) as wa, \
            node_ws(cluster.b.url, cluster.wall, start) as wb:
        posted = []
        for i in range(12):
            node = cluster.a if i % 2 == 0 else cluster.b
            posted += post(node.url, cluster.operator, [report() for _ in range(5)])
        posted.sort(key=lambda e: e["seq"])
        last = posted[-1]["seq"]
        for ws in (wa, wb):
            assert collect_events(ws, last) == posted
            with pytest.raises(TimeoutError):
                ws.recv(timeout=0.3)


def test_client_that_moves_to_the_other_node_resumes_without_gap_or_duplicate(cluster):
    since = head_of(cluster.a.url)
    with node_ws(cluster.a.url, cluster.wall, since) as ws:
        first = post(cluster.a.url, cluster.operator, [report() for _ in range(3)])
        seen = collect_events(ws, first[-1]["seq"])
    missed = post(cluster.a.url, cluster.operator, [report() for _ in range(4)])
    missed += post(cluster.b.url, cluster.operator, [report() for _ in range(4)])
    with node_ws(cluster.b.url, cluster.wall, seen[-1]["seq"]) as ws:
        got = collect_events(ws, missed[-1]["seq"])
        more = post(cluster.a.url, cluster.operator, [report()])
        got += collect_events(ws, more[0]["seq"])
    assert seen == first and got == missed + more


def _slow_socket(url: str) -> socket.socket:
    """Return a connected TCP socket with a tiny receive buffer (a client that reads slowly)."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    return sock


def _read_until_closed(ws, timeout: float = 15.0) -> tuple[list[dict], object]:  # noqa: ANN001
    frames = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            frames.append(recv_json(ws, timeout=deadline - time.monotonic()))
    except ConnectionClosed as exc:
        return frames, exc.rcvd
    except TimeoutError:
        pass
    return frames, None


def _dropped(cluster: Cluster, stuck) -> bool:  # noqa: ANN001
    """Keep posting single events to node a until it drops a subscriber (``stuck``, which reads
    nothing); return True when it did within 20 s."""
    subscribers = health(cluster.a.url)["subscribers"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        post(cluster.a.url, cluster.operator, [report(props={"description": "x" * 3000})])
        if health(cluster.a.url)["subscribers"] < subscribers:
            return True
        time.sleep(0.2)
    return False


def test_slow_client_gets_summaries_then_catches_up_or_is_closed(cluster):
    """Two clients that stop reading: one reads again soon (summaries, then every event once,
    from the store), one never does (summaries, then close 1013); the fast clients of both
    nodes keep up with every batch meanwhile."""
    since = head_of(cluster.a.url)
    slow_kw = {"max_queue": 1, "max_size": None, "ping_interval": None}  # it reads nothing
    with node_ws(cluster.a.url, cluster.wall, since, sock=_slow_socket(cluster.a.url),
                 **slow_kw) as slow, \
            node_ws(cluster.a.url, cluster.wall, since, sock=_slow_socket(cluster.a.url),
                    **slow_kw) as stuck, \
            node_ws(cluster.a.url, cluster.wall, since) as fast_a, \
            node_ws(cluster.b.url, cluster.wall, since) as fast_b:
        posted = []
        for _ in range(10):  # ~9 MB of frames, more than the kernel's socket buffers hold;
            posted += post(cluster.a.url, cluster.operator,  # the slow clients read nothing
                           [report(props={"description": "x" * 3000}) for _ in range(250)])
            for ws in (fast_a, fast_b):
                assert collect_events(ws, posted[-1]["seq"])[-1] == posted[-1]
        frames = []
        while not frames or frames[-1].get("last_seq", 0) < posted[-1]["seq"] \
                or frames[-1]["op"] != "events":
            frames.append(recv_json(slow))
        stuck_frames, closed = _read_until_closed(stuck) if _dropped(cluster, stuck) else ([], None)
    assert "summary" in {f["op"] for f in frames}
    got = [e["seq"] for f in frames if f["op"] == "events" for e in f["events"]]
    assert got == sorted(set(got))  # in order, each once (health's head may lag one flush)
    assert [seq for seq in got if seq >= posted[0]["seq"]] == [e["seq"] for e in posted]
    assert "summary" in {f["op"] for f in stuck_frames}
    assert closed is not None and closed.code == 1013 and "since" in closed.reason


def test_restarted_node_catches_up_and_streams_again(cluster):
    before = head_of(cluster.a.url)
    cluster.b.kill()
    missed = post(cluster.a.url, cluster.operator, [report() for _ in range(6)])
    cluster.b = start_node(cluster.db, cluster.redis.url, "b", cluster.stream)
    assert head_of(cluster.b.url) == missed[-1]["seq"]
    with node_ws(cluster.b.url, cluster.wall, before) as ws:
        assert collect_events(ws, missed[-1]["seq"]) == missed
        live = post(cluster.a.url, cluster.operator, [report()])
        assert collect_events(ws, live[0]["seq"]) == live
    assert wait_until(lambda: health(cluster.b.url)["bus"]["from_stream"] >= 1)


@pytest.fixture
def fragile_cluster(pg_database):
    """Two nodes on a Redis server that the test stops and starts."""
    redis = RedisProcess()
    c = start_cluster(pg_database, redis)
    yield c
    c.stop()
    redis.stop()


def test_nodes_keep_serving_while_redis_is_down_and_catch_up_after(fragile_cluster):
    c = fragile_cluster
    with node_ws(c.a.url, c.wall, 0) as wa, node_ws(c.b.url, c.wall, 0) as wb:
        warm = post(c.a.url, c.operator, [report()])
        for ws in (wa, wb):
            assert collect_events(ws, warm[0]["seq"]) == warm
        c.redis.stop()
        t0 = time.monotonic()
        on_a = post(c.a.url, c.operator, [report() for _ in range(3)])
        assert collect_events(wa, on_a[-1]["seq"]) == on_a  # local clients: at once
        assert time.monotonic() - t0 < 2
        on_b = post(c.b.url, c.operator, [report() for _ in range(3)])
        for ws, expect in ((wa, on_b), (wb, on_a + on_b)):  # the others: from the store
            assert collect_events(ws, on_b[-1]["seq"]) == expect
        assert wait_until(lambda: not health(c.a.url)["bus"]["connected"])
        c.redis.start()
        assert wait_until(lambda: all(health(n.url)["bus"]["connected"] for n in (c.a, c.b)))
        streamed = health(c.b.url)["bus"]["from_stream"]
        after = post(c.a.url, c.operator, [report() for _ in range(2)])
        for ws in (wa, wb):
            assert collect_events(ws, after[-1]["seq"]) == after
        assert wait_until(lambda: health(c.b.url)["bus"]["from_stream"] >= streamed + 2)


def test_serve_workers_share_one_port_and_stream_every_event(pg_database, redis_proc):
    """``ioc serve --workers 2``: two node processes on one port (the kernel spreads the
    connections); a client of either gets every event posted to any."""
    stream = new_stream()
    operator, wall = make_token(pg_database, "operator"), make_token(pg_database, "wall")
    server = ServerProcess("--workers", "2", env=node_env(pg_database, redis_proc.url, "w",
                                                          stream))
    try:
        nodes = wait_until(lambda: _nodes_answering(server.url), timeout=60)
        assert nodes == {"w-w0", "w-w1"}
        sockets = [node_ws(server.url, wall, 0) for _ in range(6)]
        clients = [cm.__enter__() for cm in sockets]
        try:
            posted = []
            for _ in range(4):
                posted += post(server.url, operator, [report() for _ in range(3)])
            posted.sort(key=lambda e: e["seq"])
            for ws in clients:
                assert collect_events(ws, posted[-1]["seq"]) == posted
        finally:
            for cm in sockets:
                cm.__exit__(None, None, None)
    finally:
        server.stop()


def _nodes_answering(url: str) -> set[str] | None:
    """Return the node ids that answered 20 fresh health requests, when both workers did."""
    seen = {health(url)["bus"]["node"] for _ in range(20)}
    return seen if len(seen) == 2 else None


def test_serve_workers_needs_a_shared_bus_and_postgis(tmp_path):
    import subprocess

    from tests.helpers import REPO_ROOT, ioc_command
    run = subprocess.run(ioc_command() + ["serve", "--workers", "2", "--db",
                                          f"sqlite:///{tmp_path / 'x.sqlite3'}"],
                         capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert run.returncode == 2 and "IOC_BUS=redis://" in run.stderr


def test_a_road_marked_on_one_node_is_cleared_on_the_other(cluster):
    """The flooded-road book follows the bus: node b knows the segment node a marked."""
    mark = {"road_id": "quoc-lo-1a-328", "segment": 12, "depth_m": 0.3}
    flooded = http("POST", cluster.a.url + "/api/v1/flood-roads", mark, token=cluster.operator)
    assert flooded.status == 201, flooded.body

    def listed_on_b() -> list:
        return http("GET", cluster.b.url + "/api/v1/flood-roads?status=flooded",
                    token=cluster.operator).body["segments"]
    assert wait_until(lambda: [s["id"] for s in listed_on_b()] == ["quoc-lo-1a-328:12"])
    cleared = http("POST", cluster.b.url + "/api/v1/flood-roads", {**mark, "status": "cleared"},
                   token=cluster.operator)
    assert cleared.status == 200, cleared.body
    assert cleared.body["event"]["id"] == flooded.body["event"]["id"]
    assert wait_until(lambda: [s["id"] for s in http(
        "GET", cluster.a.url + "/api/v1/flood-roads?status=cleared", token=cluster.operator
    ).body["segments"]] == ["quoc-lo-1a-328:12"])


def test_a_camera_registered_on_one_node_is_known_on_the_other(cluster):
    """The camera registry follows the bus: node b knows the camera a worker registered on node
    a and takes its next report; node a sees the status node b stored."""
    cam = {"name": "Cầu Trường Tiền", "lat": 16.4637, "lon": 107.5909, "status": "online"}
    url = "/api/v1/cameras/node-cam-1"
    put = http("PUT", cluster.a.url + url, cam, token=cluster.operator)
    assert put.status == 200, put.body

    def status_on(node: ServerProcess) -> str | None:
        cameras = http("GET", node.url + "/api/v1/cameras", token=cluster.operator).body["cameras"]
        return {c["id"]: c["status"] for c in cameras}.get("node-cam-1")
    assert wait_until(lambda: status_on(cluster.b) == "online")
    off = http("PUT", cluster.b.url + url, {**cam, "status": "offline", "reason": "lens covered"},
               token=cluster.operator)
    assert off.status == 200, off.body
    assert off.body["event_id"] == put.body["event_id"] and off.body["status"] == "offline"
    assert wait_until(lambda: status_on(cluster.a) == "offline")


def test_revoking_a_token_closes_its_websockets_on_every_node(cluster):
    """Revoked through node a's API, then with ``ioc token revoke`` (the CLI announces it on the
    bus): the sockets open on node b with those tokens close within a second."""
    import os
    import subprocess

    from server.core.auth import new_token
    from server.core.timefmt import parse_offset
    from server.store import open_store
    from tests.helpers import ioc_command
    from tests.helpers.ws import closed_within
    store = open_store(cluster.db, parse_offset("+07:00"))
    try:
        (admin, admin_rec), (doomed, rec), (by_cli, cli_rec) = (
            new_token(role, label=label) for role, label in
            (("admin", "admin"), ("wall", "doomed"), ("wall", "by-cli")))
        for record in (admin_rec, rec, cli_rec):
            store.save_token(record)
    finally:
        store.close()
    with node_ws(cluster.b.url, doomed) as ws, node_ws(cluster.b.url, by_cli) as cli_ws, \
            node_ws(cluster.b.url, cluster.wall) as kept:
        assert http("DELETE", cluster.a.url + f"/api/v1/tokens/{rec.id}",
                    token=admin).status == 200
        close = closed_within(ws, 1.0)
        assert close.code == 4401 and "revoked" in close.reason
        env = {**os.environ, "DATABASE_URL": cluster.db, "IOC_BUS": cluster.redis.url,
               "IOC_BUS_STREAM": cluster.stream}
        run = subprocess.run(ioc_command() + ["token", "revoke", "--id", cli_rec.id], env=env,
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        assert closed_within(cli_ws, 1.0).code == 4401
        kept.send('{"op": "ping"}')
        assert recv_json(kept) == {"op": "pong"}


def test_a_person_disabled_on_one_node_cannot_act_on_the_other(cluster):
    """Persons added with ``ioc users add`` sign in on node a; their session works on node b
    (one store); disabled through node a, the person is refused on node b at the next request
    and their websocket on node b closes within a second."""
    import os
    import subprocess

    from tests.helpers import ioc_command
    from tests.helpers.people import PASSWORD
    from tests.helpers.ws import closed_within
    env = {**os.environ, "DATABASE_URL": cluster.db, "IOC_BUS": cluster.redis.url,
           "IOC_BUS_STREAM": cluster.stream}
    for username, role in (("nodes.admin", "admin"), ("nodes.op", "operator")):
        run = subprocess.run(ioc_command() + ["users", "add", username, "--role", role,
                                              "--password-stdin"], env=env,
                             input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr

    def sign_in_on(node: ServerProcess, username: str) -> dict[str, str]:
        res = http("POST", node.url + "/auth/login", {"username": username,
                                                      "password": PASSWORD})
        assert res.status == 200, res.body
        secret = res.headers["Set-Cookie"].split("ioc_session=", 1)[1].split(";", 1)[0]
        return {"Cookie": f"ioc_session={secret}", "X-CSRF-Token": res.body["csrf"]}

    admin, operator = sign_in_on(cluster.a, "nodes.admin"), sign_in_on(cluster.a, "nodes.op")
    assert http("GET", cluster.b.url + "/api/v1/calls", headers=operator).status == 200
    # from the head: a backlog the test does not read could close the socket as too slow
    with node_ws(cluster.b.url, None, None,
                 additional_headers={"Cookie": operator["Cookie"]}) as ws:
        res = http("PATCH", cluster.a.url + "/api/v1/users/nodes.op", {"enabled": False},
                   headers=admin)
        assert res.status == 200, res.body
        # at once when the bus's control message arrives; at worst at node b's own check of
        # its sockets (IOC_WS_TOKEN_CHECK_S, 10 s)
        assert closed_within(ws, 12.0).code == 4401
    assert http("GET", cluster.b.url + "/api/v1/calls", headers=operator).status == 401
