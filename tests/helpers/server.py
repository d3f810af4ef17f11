"""Servers for the tests: a real server in a background thread (its settings made by
``server_settings``), and ``ioc serve`` as a child process."""
from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path
from typing import Any, Callable

import tornado.web

from geo.router import Router
from server.core.bus import make_bus
from server.core.clock import Clock
from server.core.feature import FeatureRegistry
from server.core.service import EventService
from server.features import Settings, default_kinds, default_layers
from server.store import open_store
from server.core.timefmt import parse_offset
from server.web.app import RunningServer, start_server
from tests.helpers.client import Response, http
from tests.helpers.inprocess import ORIGIN, fetch, start_app


class ServerThread:
    """A real server run by an event loop in a thread: on a free port (HTTP + websocket), or,
    with ``listen=False``, in process: no port, requests go through ``http`` straight to the
    application (``tests.helpers.inprocess``)."""

    def __init__(self, settings: Settings, router: Router, clock: Clock | None = None,
                 listen: bool = True):
        self.settings = settings
        self.router = router
        self.clock = clock
        self.listen = listen
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: RunningServer | None = None
        self.app: tornado.web.Application | None = None

    def start(self) -> "ServerThread":
        """Start the loop and the server; return self."""
        self.thread.start()
        store = open_store(self.settings.db, parse_offset(self.settings.tz_offset))
        core = EventService(self.settings, store, self.router, default_kinds(),
                            make_bus(self.settings), self.clock, default_layers())
        if self.listen:
            self.server = self.call(start_server(self.settings, core))
            self.app = self.server.http.request_callback
        else:
            self.app = self.call(start_app(self.settings, core))
        return self

    def call(self, coro, timeout: float = 30.0):  # noqa: ANN001
        """Run a coroutine on the server's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        """Stop the server and its loop (once; later calls do nothing)."""
        if not self.loop.is_running():
            return
        if self.server:
            self.call(self.server.stop())
        elif self.app:
            self.call(self.core.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    @property
    def core(self) -> EventService:
        """Return the server's EventService."""
        return self.app.settings["core"]

    @property
    def features(self) -> FeatureRegistry:
        """Return the server's installed features (``features.get("reports").desk``, …)."""
        return self.app.settings["features"]

    @property
    def url(self) -> str:
        """Return the base URL (in process: ``inprocess.ORIGIN``, where nothing listens)."""
        return self.server.url if self.server else ORIGIN

    def http(self, method: str, url: str, body: Any = None, token: str | None = None,
             headers: dict[str, str] | None = None, raw: bytes | None = None,
             timeout: float = 30.0) -> Response:
        """Send one request as ``client.http`` does (over the socket, or in process when the
        server does not listen); return the Response."""
        if self.server:
            return http(method, url, body, token, headers, raw, timeout)
        return self.call(fetch(self.app, method, url, body, token, headers, raw), timeout)

    @property
    def ws_url(self) -> str:
        """Return the websocket URL."""
        return self.server.url.replace("http://", "ws://") + "/ws"

    def token(self, role: str, agency_id: str | None = None, unit_id: str | None = None) -> str:
        """Return a new token of ``role`` (bound to an agency or, for a responder, a unit)."""
        return self.core.create_token(role, agency_id, label="test", unit_id=unit_id)

    def post_events(self, events: list[dict], token: str, **kw: Any) -> Response:
        """POST ``{"events": events}``."""
        return self.http("POST", self.url + "/api/v1/events", {"events": events}, token, **kw)


#: ``make_server``'s function (tests/conftest.py): ``start(clock=None, listen=True, **overrides)``
#: → a started ServerThread.
MakeServer = Callable[..., ServerThread]


async def flushed(server: ServerThread) -> None:
    """Return once the hub has published every stored event (run it with ``server.call``)."""
    while server.core.hub.head < server.core.store.last_seq():
        await asyncio.sleep(0.01)


def server_settings(folder: Path, **overrides: Any) -> Settings:
    """Return the Settings of a test server: a free port, its SQLite store and data folder in
    ``folder``, a 50 ms flush (``overrides``: other Settings fields, ``db`` included)."""
    fields = {"port": 0, "db": f"sqlite:///{folder / 'ioc.sqlite3'}", "flush_ms": 50,
              "data_dir": folder / "data", **overrides}
    return Settings(**fields)


def sqlite_server(folder, router: Router, clock: Clock | None = None,  # noqa: ANN001
                  **overrides: Any) -> ServerThread:
    """Start and return a ServerThread on a free port with its SQLite store and data folder
    in ``folder`` (``overrides``: other Settings fields, ``db`` included; ``clock``: e.g. a
    ManualClock)."""
    return ServerThread(server_settings(folder, **overrides), router, clock).start()


#: The repository root (a Path): the tests read the documents and data files from here.
ROOT = Path(__file__).resolve().parents[2]
#: The repository root (a str): commands run from here import this checkout's packages first.
REPO_ROOT = str(ROOT)


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


