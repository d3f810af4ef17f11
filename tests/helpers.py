"""Test helpers: a real server in a background thread, a tiny HTTP client, a websocket client."""
from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

from geo.router import Router
from server.core.bus import make_bus
from server.core.clock import Clock
from server.features import Settings
from server.core.feature import FeatureRegistry
from server.core.service import EventService
from server.features import default_kinds, default_layers
from server.store import open_store
from server.core.timefmt import parse_offset
from server.web.app import RunningServer, start_server

RECV_TIMEOUT = 5.0


@dataclass
class Response:
    """An HTTP answer: status, headers and decoded JSON body (None if not JSON)."""

    status: int
    headers: dict[str, str]
    body: Any
    raw: bytes = field(repr=False, default=b"")


def http(method: str, url: str, body: Any = None, token: str | None = None,
         headers: dict[str, str] | None = None, raw: bytes | None = None,
         timeout: float = 30.0) -> Response:
    """Send one request; return the Response (4xx/5xx included, never raises for them; no
    answer within ``timeout`` seconds raises)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    if token:
        hdrs["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, headers=hdrs, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            payload, status, rh = res.read(), res.status, dict(res.headers)
    except urllib.error.HTTPError as err:
        payload, status, rh = err.read(), err.code, dict(err.headers)
    try:
        doc = json.loads(payload) if payload else None
    except ValueError:
        doc = None
    return Response(status, rh, doc, payload)


class ServerThread:
    """A real server (HTTP + websocket) on a free port, run by an event loop in a thread."""

    def __init__(self, settings: Settings, router: Router, clock: Clock | None = None):
        self.settings = settings
        self.router = router
        self.clock = clock
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: RunningServer | None = None

    def start(self) -> "ServerThread":
        """Start the loop and the server; return self."""
        self.thread.start()
        store = open_store(self.settings.db, parse_offset(self.settings.tz_offset))
        core = EventService(self.settings, store, self.router, default_kinds(),
                            make_bus(self.settings), self.clock, default_layers())
        self.server = self.call(start_server(self.settings, core))
        return self

    def call(self, coro, timeout: float = 30.0):  # noqa: ANN001
        """Run a coroutine on the server's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        """Stop the server and its loop."""
        if self.server:
            self.call(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    @property
    def core(self) -> EventService:
        """Return the server's EventService."""
        return self.server.core

    @property
    def features(self) -> FeatureRegistry:
        """Return the server's installed features (``features.get("reports").desk``, …)."""
        return self.server.features

    @property
    def url(self) -> str:
        """Return the base URL."""
        return self.server.url

    @property
    def ws_url(self) -> str:
        """Return the websocket URL."""
        return self.server.url.replace("http://", "ws://") + "/ws"

    def token(self, role: str, agency_id: str | None = None, unit_id: str | None = None) -> str:
        """Return a new token of ``role`` (bound to an agency or, for a responder, a unit)."""
        return self.core.create_token(role, agency_id, label="test", unit_id=unit_id)

    def post_events(self, events: list[dict], token: str, **kw: Any) -> Response:
        """POST ``{"events": events}``."""
        return http("POST", self.url + "/api/v1/events", {"events": events}, token, **kw)


def sqlite_server(folder, router: Router, clock: Clock | None = None,  # noqa: ANN001
                  **overrides: Any) -> ServerThread:
    """Start and return a ServerThread on a free port with its SQLite store and data folder
    in ``folder`` (``overrides``: other Settings fields, ``db`` included; ``clock``: e.g. a
    ManualClock)."""
    fields = {"port": 0, "db": f"sqlite:///{folder / 'ioc.sqlite3'}", "flush_ms": 50,
              "data_dir": folder / "data", **overrides}
    return ServerThread(Settings(**fields), router, clock).start()


def recv_json(ws, timeout: float = RECV_TIMEOUT) -> dict:  # noqa: ANN001
    """Receive one frame and decode it (raises TimeoutError after ``timeout``)."""
    return json.loads(ws.recv(timeout=timeout))


def open_ws(server: ServerThread, token: str | None, **kw: Any):  # noqa: ANN201
    """Open a websocket to the server (token in the query string when given)."""
    url = server.ws_url + (f"?token={token}" if token else "")
    return connect(url, open_timeout=RECV_TIMEOUT, **kw)


def subscribe(ws, since: int | None = None, layers=("reports",), **extra: Any) -> dict:  # noqa: ANN001
    """Subscribe to ``layers`` (from ``since`` when given); return the ``subscribed`` frame."""
    msg = {"op": "subscribe", "layers": list(layers), **extra}
    if since is not None:
        msg["since"] = since
    ws.send(json.dumps(msg))
    frame = recv_json(ws)
    assert frame["op"] == "subscribed", frame
    return frame


def collect_events(ws, until_seq: int, timeout: float = RECV_TIMEOUT) -> list[dict]:  # noqa: ANN001
    """Receive event frames until one reaches ``until_seq``; return all events received."""
    got: list[dict] = []
    while True:
        frame = recv_json(ws, timeout)
        if frame["op"] == "events":
            got.extend(frame["events"])
            if frame["last_seq"] >= until_seq:
                return got


def report(lat: float = 16.4637, lon: float = 107.5909, category: str = "environment.waste",
           **extra: Any) -> dict:
    """Return a valid report event (default: a point in central Huế)."""
    return {"kind": "report", "category": category, "lat": lat, "lon": lon,
            "props": {"description": "Rác thải ùn ứ"}, **extra}


#: The repository root: commands run from here import this checkout's packages first.
REPO_ROOT = str(Path(__file__).resolve().parent.parent)


def ioc_command() -> list[str]:
    """Return the argv prefix of the ``ioc`` command of this checkout: this Python running
    ``server.cli`` from the repository root (an installed ``ioc`` script may belong to another
    checkout, whose migrations and code differ), whatever the caller's working directory."""
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {REPO_ROOT!r}); "
            "from server.cli import main; main(prog_name='ioc')"]


class ServerProcess:
    """``ioc serve`` as a real child process on a free port."""

    def __init__(self, *args: str, env: dict[str, str] | None = None):
        import os
        import subprocess
        self.proc = subprocess.Popen(
            ioc_command() + ["serve", "--port", "0", *args], stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})}, cwd=REPO_ROOT)
        self.lines: list[str] = []
        self.url = self.wait_for(r"running at (http://\S+)")

    def wait_for(self, pattern: str, timeout: float = 90.0) -> str:
        """Read output lines until ``pattern`` matches; return its first group."""
        import re
        import time
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line and self.proc.poll() is not None:
                break
            self.lines.append(line)
            m = re.search(pattern, line)
            if m:
                return m.group(1)
        raise AssertionError(f"{pattern!r} not seen; output:\n{''.join(self.lines)}")

    def kill(self) -> None:
        """SIGKILL the server (no clean shutdown) and reap it."""
        self.proc.kill()
        self.proc.wait(30)

    def stop(self) -> None:
        """Stop the server with SIGINT (clean shutdown)."""
        import signal
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except Exception:  # noqa: BLE001
                self.kill()


PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def pg_admin(*statements: str) -> None:
    """Run statements on the ``postgres`` database outside a transaction (CREATE/DROP DATABASE)."""
    import os

    import psycopg
    server = os.environ.get("IOC_TEST_PG", PG_SERVER).replace("+psycopg", "")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def pg_url(name: str) -> str:
    """Return the store URL of database ``name`` on the test PostgreSQL server."""
    import os
    return f"{os.environ.get('IOC_TEST_PG', PG_SERVER)}/{name}"


def create_pg_database(template: str | None = None, prefix: str = "ioc_test_",
                       extension: bool = True) -> str:
    """Create a throw-away database ``<prefix><hex>`` (a copy of ``template`` if given, else empty
    with the postgis extension unless ``extension`` is False); return its name. Drop it with
    ``drop_pg_database``."""
    import secrets
    name = f"{prefix}{secrets.token_hex(6)}"
    pg_admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    if template is None and extension:
        import psycopg
        with psycopg.connect(pg_url(name).replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
    return name


def drop_pg_database(name: str) -> None:
    """Drop a database made by ``create_pg_database`` (closing its connections)."""
    assert name.startswith(("ioc_test_", "ioc_tmpl_", "ioc_bench_")), name
    pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run_async(coro: Any) -> Any:
    """Run ``coro`` to its end on a new event loop in its own thread (the browser tests leave a
    loop running in the main thread, where ``asyncio.run`` refuses); return its result."""
    out: dict[str, Any] = {}

    def main() -> None:
        try:
            out["value"] = asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            out["error"] = exc
    worker = threading.Thread(target=main)
    worker.start()
    worker.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def wait_until(check, timeout: float = 10.0, step: float = 0.05):  # noqa: ANN001, ANN201
    """Return ``check()`` once it is truthy; raise AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met in {timeout} s")
