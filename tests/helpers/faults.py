"""Fault helpers: a TCP proxy to PostgreSQL that a test cuts and restores (the database "goes
down" for the server behind it, not for anyone else), a writer that holds the store's log lock,
and ingest clients that post batches with Idempotency-Keys and record every 201."""
from __future__ import annotations

import socket
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

from tests.helpers.client import http
from tests.helpers.events import report
from tests.helpers.ws import recv_json

CHUNK = 65536
#: How long a fault test waits for a recovery.
LIMIT_S = 60.0


def wait_until(predicate: Callable[[], bool], timeout: float = LIMIT_S,
               step: float = 0.05) -> float:
    """Poll ``predicate`` until true; return the seconds it took (AssertionError after timeout)."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not true after {timeout} s")
        time.sleep(step)
    return time.monotonic() - start


def assert_once(stored: list[tuple[int, str]], acked: list[str]) -> None:
    """Every acknowledged id is stored exactly once, nothing else is, and seq has no gap."""
    ids = [i for _, i in stored]
    assert len(set(acked)) == len(acked)
    assert sorted(ids) == sorted(acked)
    assert [s for s, _ in stored] == list(range(1, len(stored) + 1))


class CuttableProxy:
    """Forwards 127.0.0.1:``port`` to ``target`` (host, port) in threads. ``cut()`` closes every
    connection and, until ``restore()``, closes new ones at once: to the client the server is
    gone (connections lost, new ones fail). ``stall()`` is the silent cut: connections stay
    open but nothing is forwarded (what was sent waits, as on a network partition) until
    ``restore()``."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.down = False
        self.stalled = False
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url_for(self, db_url: str) -> str:
        """Return ``db_url`` with its host and port replaced by this proxy's."""
        parts = urlsplit(db_url)
        user = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{self.port}"))

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(CHUNK):
                while self.stalled and not self._closed:
                    time.sleep(0.01)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(src, dst)

    def _drop(self, *socks: socket.socket) -> None:
        with self._lock:
            for s in socks:
                self._open.discard(s)
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def cut(self) -> None:
        """Drop every connection; refuse new ones until ``restore``."""
        self.down = True
        with self._lock:
            socks = list(self._open)
        self._drop(*socks)

    def stall(self) -> None:
        """Stop forwarding without closing anything (a silent partition) until ``restore``."""
        self.stalled = True

    def restore(self) -> None:
        """Accept and forward connections again (what waited during a stall goes on)."""
        self.down = False
        self.stalled = False

    def close(self) -> None:
        """Stop listening and drop everything."""
        self._closed = True
        self.cut()
        self.listener.close()


@contextmanager
def proxied_server(db_url: str, router: Any,
                   **settings: Any) -> Iterator[tuple[Any, CuttableProxy]]:
    """Yield (a started ServerThread, the CuttableProxy it reaches PostgreSQL ``db_url``
    through); both stopped after."""
    from server.features import Settings
    from tests.helpers.server import ServerThread
    target = urlsplit(db_url)
    proxy = CuttableProxy((target.hostname, target.port or 5432))
    srv = ServerThread(Settings(port=0, db=proxy.url_for(db_url), flush_ms=50, **settings),
                       router).start()
    try:
        yield srv, proxy
    finally:
        srv.stop()
        proxy.close()


@contextmanager
def log_lock_held(db_url: str) -> Iterator[None]:
    """Hold the store's writer lock (SQLite: the database write lock; PostgreSQL: the ``seq``
    counter row) from a connection of the test, so every write of the server waits."""
    if db_url.startswith("sqlite:///"):
        conn = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    import psycopg
    with psycopg.connect(db_url.replace("+psycopg", "")) as conn:
        conn.execute("SELECT value FROM counters WHERE name = 'seq' FOR UPDATE")
        yield
        conn.rollback()


@dataclass
class IngestClients:
    """Client threads posting batches of ``batch`` reports, each batch under its own
    Idempotency-Key until answered 201 (a 503 or a lost connection: the same key again).

    ``acked`` maps each key to the event ids its 201 returned; ``replayed`` counts 201s that
    were idempotent replays; ``refusals`` counts 503 answers (each checked: the error shape and
    ``Retry-After``); ``lost`` counts requests with no answer.
    """

    base_url: Callable[[], str]
    token: str
    threads: int = 4
    batch: int = 5
    batches: int = 20
    retry_pause_s: float = 0.1
    deadline_s: float = 120.0
    acked: dict[str, list[str]] = field(default_factory=dict)
    refusals: int = 0
    replayed: int = 0
    lost: int = 0
    unexpected: list[Any] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def start(self) -> "IngestClients":
        """Start the threads; return self."""
        self._stop_at = time.monotonic() + self.deadline_s
        self._workers = [threading.Thread(target=self._run, daemon=True)
                         for _ in range(self.threads)]
        for w in self._workers:
            w.start()
        return self

    def join(self) -> None:
        """Wait for every thread (bounded by ``deadline_s``)."""
        for w in self._workers:
            w.join(max(0.0, self._stop_at - time.monotonic()) + 5)

    @property
    def event_ids(self) -> list[str]:
        """Return every acknowledged event id."""
        with self._lock:
            return [i for ids in self.acked.values() for i in ids]

    def _run(self) -> None:
        for _ in range(self.batches):
            key, body = str(uuid.uuid4()), {"events": [report() for _ in range(self.batch)]}
            while time.monotonic() < self._stop_at and not self._post(key, body):
                time.sleep(self.retry_pause_s)

    def _post(self, key: str, body: dict) -> bool:
        try:
            res = http("POST", self.base_url() + "/api/v1/events", body, self.token,
                       headers={"Idempotency-Key": key}, timeout=20)
        except OSError:
            with self._lock:
                self.lost += 1
            return False
        with self._lock:
            if res.status == 201:
                self.acked[key] = [e["id"] for e in res.body["events"]]
                self.replayed += res.headers.get("Idempotent-Replayed") == "true"
                return True
            if res.status == 503 and res.body["error"]["code"] == "unavailable" \
                    and int(res.headers.get("Retry-After", "0")) >= 1:
                self.refusals += 1
            else:
                self.unexpected.append((res.status, res.body))
        return False


class StreamRecorder(threading.Thread):
    """A websocket subscriber in a thread: records every event it receives until the server
    goes away (or ``idle_s`` passes without a frame)."""

    def __init__(self, base_url: str, token: str, since: int, idle_s: float = 60.0):
        super().__init__(daemon=True)
        self.base_url, self.token, self.since, self.idle_s = base_url, token, since, idle_s
        self.events: list[dict] = []
        self.subscribed = threading.Event()

    def run(self) -> None:
        """Subscribe to reports from ``since`` and record events until the connection ends."""
        from websockets.exceptions import ConnectionClosed

        from tests.helpers.nodes import subscribe_ws
        try:
            with subscribe_ws(self.base_url, self.token, self.since) as ws:
                self.subscribed.set()
                while True:
                    frame = recv_json(ws, self.idle_s)
                    if frame["op"] == "events":
                        self.events.extend(frame["events"])
        except (ConnectionClosed, TimeoutError, OSError):
            pass

    @property
    def last_seq(self) -> int:
        """Return the highest seq received (0 when none)."""
        return max((e["seq"] for e in self.events), default=0)
