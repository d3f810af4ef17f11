"""Helpers for tests with several server nodes: a Redis server of the test's own (so it can be
stopped), nodes as real ``ioc serve`` child processes on one PostGIS database, tokens."""
from __future__ import annotations

import json
import secrets
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from typing import Iterator

from tests.helpers.client import http
from tests.helpers.server import REPO_ROOT, ServerProcess, ioc_command
from tests.helpers.ws import recv_json


def free_port() -> int:
    """Return a TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisProcess:
    """``redis-server`` on a free port, without persistence; ``stop``/``start`` keep the port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        """Return ``redis://127.0.0.1:PORT/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        exe = shutil.which("redis-server") or "redis-server"
        self.proc = subprocess.Popen([exe, "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        """Stop the server (SIGTERM) and reap it."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def node_env(db_url: str, redis_url: str, node_id: str, stream: str,
             **extra: str) -> dict[str, str]:
    """Return the environment of one node of a cluster test."""
    return {"DATABASE_URL": db_url, "IOC_BUS": redis_url, "IOC_NODE_ID": node_id,
            "IOC_BUS_STREAM": stream, "IOC_FLUSH_MS": "50", "IOC_BUS_GAP_MS": "100",
            "IOC_BUS_POLL_MS": "200", "IOC_LOG_LEVEL": "WARNING", **extra}


def start_node(db_url: str, redis_url: str, node_id: str, stream: str,
               **extra: str) -> ServerProcess:
    """Start ``ioc serve`` as node ``node_id`` and return it once it listens."""
    return ServerProcess(env=node_env(db_url, redis_url, node_id, stream, **extra))


def new_stream() -> str:
    """Return a stream name of its own for one test."""
    return f"ioc:test:{secrets.token_hex(4)}"


def make_token(db_url: str, role: str) -> str:
    """Store a new token of ``role`` in the database and return its secret."""
    from server.core.auth import new_token
    from server.store import open_store
    from server.core.timefmt import parse_offset
    store = open_store(db_url, parse_offset("+07:00"))
    try:
        secret, record = new_token(role, label="test")
        store.save_token(record)
    finally:
        store.close()
    return secret


@contextmanager
def node_ws(url: str, token: str | None, since: int | None = None, **kw) -> Iterator:  # noqa: ANN003
    """Open a websocket to a node, authenticate with ``token`` in the first message (None: a
    session cookie in ``kw``'s headers does) and subscribe to reports (from ``since`` when
    given)."""
    from websockets.sync.client import connect
    with connect(url.replace("http://", "ws://") + "/ws", open_timeout=10, **kw) as ws:
        if token:
            ws.send(json.dumps({"op": "auth", "token": token}))
        msg = {"op": "subscribe", "layers": ["reports"]}
        if since is not None:
            msg["since"] = since
        ws.send(json.dumps(msg))
        assert recv_json(ws)["op"] == "subscribed"
        yield ws


def post(url: str, token: str, events: list[dict]) -> list[dict]:
    """POST events to a node; return the stored events."""
    res = http("POST", url + "/api/v1/events", {"events": events}, token)
    assert res.status == 201, res.body
    return res.body["events"]


def health(url: str) -> dict:
    """Return the node's ``/api/v1/health`` document."""
    return http("GET", url + "/api/v1/health").body


def create_token(db: str, role: str) -> str:
    """Create a token of ``role`` with the ``ioc token create`` command; return its secret."""
    out = subprocess.run(ioc_command() + ["token", "create", "--role", role, "--db", db],
                         capture_output=True, text=True, timeout=120, check=True, cwd=REPO_ROOT)
    return out.stdout.strip().splitlines()[-1]


@contextmanager
def subscribe_ws(url: str, token: str, since: int) -> Iterator:
    """Open a websocket to a server process and subscribe to reports from ``since``."""
    from websockets.sync.client import connect
    with connect(url.replace("http://", "ws://") + f"/ws?token={token}", open_timeout=10) as ws:
        ws.send(json.dumps({"op": "subscribe", "layers": ["reports"], "since": since}))
        assert recv_json(ws)["op"] == "subscribed"
        yield ws
