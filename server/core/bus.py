"""The bus carries committed events, in seq order, to everything that streams them (the hub, the
report and dispatch desks, the vessel tracker), and live-only events (no seq) to the hubs.

Two implementations of one contract (``Bus``):

- ``InProcessBus`` (default, ``IOC_BUS=memory``): direct calls within one process (one node).
- ``RedisBus`` (``IOC_BUS=redis://host:port/db``): several nodes on one store. Committed batches
  go into a Redis **Stream** (durable, replayable, trimmed to ``IOC_BUS_STREAM_MAXLEN``); every
  node reads it through its own consumer group (``node:<IOC_NODE_ID>``), so a node that restarts
  with the same id resumes where its group stopped. Live-only events go through Redis
  **pub/sub** (a lost one is only a skipped position on the map).

The store's seq is the order truth, not the stream: batches of several nodes reach the stream in
whatever order their ``XADD`` ran. A ``SeqOrderer`` hands events on strictly in ascending seq,
each seq once: an event whose seq is not the next one is held until the missing seqs arrive;
a gap that stays open for ``IOC_BUS_GAP_MS`` (an entry lost while Redis was down, a node that
died between its commit and its ``XADD``, a writer that published elsewhere) is **filled from the
store** (``since`` pages, which skip seqs whose event moved on to a newer version), never skipped.
The orderer also compares the store's head with what it has delivered every
``IOC_BUS_POLL_MS``, so events committed by another node while Redis is down still arrive.
When Redis is down a node keeps serving its own events at once (they pass the orderer locally).
"""
from __future__ import annotations

import abc
import asyncio
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

import orjson

from server.store.base import EventQuery, Page

log = logging.getLogger(__name__)

Listener = Callable[[list[dict[str, Any]]], None]
PAGE = 1000


@dataclass
class StoreSource:
    """How a bus reads the store: the head when the node started and two readers."""

    head: int
    read_page: Callable[[int, EventQuery, int], Awaitable[Page]]
    read_head: Callable[[], Awaitable[int]]


@dataclass
class BusStats:
    """Counters of a bus, for the health endpoint and the benchmark."""

    kind: str
    node: str | None = None
    connected: bool = True
    delivered_seq: int = 0
    from_stream: int = 0
    from_store: int = 0
    send_failures: int = 0
    last_error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return ``{kind, node, connected, delivered_seq, from_stream, from_store, send_failures,
        last_error}``."""
        return dict(self.__dict__)


def _call_all(listeners: list[Listener], events: list[dict[str, Any]]) -> None:
    """Call every listener; a failing one is logged and does not stop the others."""
    for listener in listeners:
        try:
            listener(events)
        except Exception:  # noqa: BLE001 - one bad listener must not stop delivery
            log.exception("bus listener failed")


class Bus(abc.ABC):
    """Publish committed events; every listener gets every committed event of every node once,
    in ascending seq. Live-only events go to the live listeners (best effort)."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._live_listeners: list[Listener] = []
        self._control_listeners: list[Listener] = []
        self.stats = BusStats(type(self).__name__)

    @abc.abstractmethod
    def publish(self, events: list[dict[str, Any]]) -> None:
        """Hand a batch of committed events (wire form, ascending seq) to the listeners.
        Must be called on the event loop thread, in commit order."""

    def subscribe(self, listener: Listener) -> None:
        """Register ``listener(events)``; it runs on the event loop and must not block."""
        self._listeners.append(listener)

    def subscribe_live(self, listener: Listener) -> None:
        """Register ``listener(events)`` for live-only events (``seq`` None)."""
        self._live_listeners.append(listener)

    def publish_live(self, events: list[dict[str, Any]]) -> None:
        """Hand live-only events to the live listeners of this node (a bus for several nodes
        also sends them to the other nodes, best effort)."""
        _call_all(self._live_listeners, events)

    def subscribe_control(self, listener: Listener) -> None:
        """Register ``listener(messages)`` for control messages (``{"op": …}``, e.g. tokens
        revoked) of every node, this one included."""
        self._control_listeners.append(listener)

    def publish_control(self, messages: list[dict[str, Any]]) -> None:
        """Hand control messages to the control listeners of this node (a bus for several
        nodes also sends them to the other nodes, best effort)."""
        _call_all(self._control_listeners, messages)

    async def start(self, source: StoreSource) -> None:
        """Connect; ``source.head`` is the store's head that the listeners start from."""
        self.stats.delivered_seq = source.head

    async def close(self) -> None:
        """Disconnect (no-op for the in-process bus)."""

    def _deliver(self, events: list[dict[str, Any]]) -> None:
        if events:
            self.stats.delivered_seq = max(self.stats.delivered_seq, events[-1]["seq"])
        _call_all(self._listeners, events)


class InProcessBus(Bus):
    """Direct calls within one process."""

    def publish(self, events: list[dict[str, Any]]) -> None:
        """See Bus.publish; a failing listener is logged and does not stop the others."""
        self._deliver(events)


class SeqOrderer:
    """Hands events on in ascending seq, each seq once; holds early ones, fills gaps from the
    store (see the module docstring)."""

    def __init__(self, deliver: Listener, source: StoreSource, stats: BusStats, wait_s: float,
                 poll_s: float):
        self.delivered = source.head
        self._deliver = deliver
        self._source = source
        self._stats = stats
        self.wait_s = wait_s
        self.poll_s = poll_s
        self._held: dict[int, dict[str, Any]] = {}
        self._gap_since: float | None = None
        self._behind: int | None = None  # a store head above `delivered` seen at the last poll
        self._filling = asyncio.Lock()

    def offer(self, events: list[dict[str, Any]]) -> None:
        """Take events (any order, duplicates and already delivered ones allowed); deliver the
        run that continues ``delivered``."""
        for ev in events:
            if ev["seq"] > self.delivered:
                self._held[ev["seq"]] = ev
        out = []
        while (ev := self._held.pop(self.delivered + 1, None)) is not None:
            out.append(ev)
            self.delivered += 1
        if out:
            self._deliver(out)
        self._gap_since = (self._gap_since or time.monotonic()) if self._held else None

    @property
    def held(self) -> int:
        """Return how many events wait for a lower seq."""
        return len(self._held)

    async def fill(self) -> int:
        """Read the store from ``delivered`` to its head and deliver what is missing; return how
        many events came from the store."""
        async with self._filling:
            got = 0
            while True:
                page = await self._source.read_page(self.delivered, EventQuery(), PAGE)
                fresh = [e for e in page.events if e["seq"] > self.delivered]
                self.delivered = max(self.delivered, page.next_since)
                self._held = {s: e for s, e in self._held.items() if s > self.delivered}
                if fresh:
                    got += len(fresh)
                    self._deliver(fresh)
                if len(page.events) < PAGE:
                    break
            self._stats.from_store += got
            self.offer([])
            return got

    async def watch(self) -> None:
        """Forever: fill a gap older than ``wait_s``; every ``poll_s`` compare the store's head
        with ``delivered`` and fill when it stayed behind for a whole poll."""
        next_poll = time.monotonic() + self.poll_s
        while True:
            await asyncio.sleep(self.wait_s / 2)
            try:
                now = time.monotonic()
                if self._gap_since is not None and now - self._gap_since >= self.wait_s:
                    await self.fill()
                elif now >= next_poll:
                    next_poll = now + self.poll_s
                    await self._poll_head()
            except Exception as exc:  # noqa: BLE001 - the store may be down; try again later
                log.warning("bus: reading the store failed: %s", exc)

    async def _poll_head(self) -> None:
        if self._behind is not None and self.delivered < self._behind:
            await self.fill()
        head = await self._source.read_head()
        self._behind = head if head > self.delivered else None


def default_node_id() -> str:
    """Return ``host-pid``: unique per process (set ``IOC_NODE_ID`` for a stable one)."""
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass
class RedisOptions:
    """Where and how the Redis bus runs (from ``Settings``)."""

    url: str
    node_id: str = field(default_factory=default_node_id)
    stream: str = "ioc:events"
    maxlen: int = 100_000
    wait_s: float = 0.2
    poll_s: float = 1.0
    outbox: int = 10_000


class RedisBus(Bus):
    """Several nodes on one store: Redis Streams for committed events, pub/sub for live-only ones
    (see the module docstring)."""

    def __init__(self, options: RedisOptions):
        super().__init__()
        import redis.asyncio as aioredis
        self.options = options
        self.stats.node = options.node_id
        self._redis = aioredis.from_url(options.url, socket_connect_timeout=1.0,
                                        socket_timeout=10.0, health_check_interval=5)
        self._group = f"node:{options.node_id}"
        self._live_channel = f"{options.stream}:live"
        self._control_channel = control_channel(options.stream)
        self._outbox: asyncio.Queue[tuple[str, list[dict[str, Any]]]] = asyncio.Queue(
            options.outbox)
        self._orderer: SeqOrderer | None = None
        self._tasks: list[asyncio.Task] = []

    # -- the contract ---------------------------------------------------------------------------
    def publish(self, events: list[dict[str, Any]]) -> None:
        """Deliver locally through the orderer at once, and queue the batch for the stream."""
        if self._orderer is None:
            self._deliver(events)
        else:
            self._orderer.offer(events)
        self._enqueue("e", events)

    def publish_live(self, events: list[dict[str, Any]]) -> None:
        """Deliver locally at once, and queue the events for the other nodes (pub/sub)."""
        super().publish_live(events)
        self._enqueue("l", events)

    def publish_control(self, messages: list[dict[str, Any]]) -> None:
        """Deliver locally at once, and queue the messages for the other nodes (pub/sub)."""
        super().publish_control(messages)
        self._enqueue("c", messages)

    async def start(self, source: StoreSource) -> None:
        """Start the orderer at ``source.head`` and the sender, reader and live loops (they
        connect, and reconnect, by themselves: a node starts even while Redis is down)."""
        await super().start(source)
        self._orderer = SeqOrderer(self._deliver, source, self.stats, self.options.wait_s,
                                   self.options.poll_s)
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(c) for c in (self._send_loop(), self._read_loop(),
                                                      self._live_loop(), self._orderer.watch())]

    async def close(self) -> None:
        """Stop the loops and close the connections."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._redis.aclose()

    # -- internals ------------------------------------------------------------------------------
    def _enqueue(self, what: str, events: list[dict[str, Any]]) -> None:
        if not self._tasks:
            return
        try:
            self._outbox.put_nowait((what, events))
        except asyncio.QueueFull:  # Redis is down and the outbox full: the others read the store
            self.stats.send_failures += 1

    def _down(self, exc: BaseException) -> None:
        if self.stats.connected:
            log.warning("bus: Redis unreachable (%s); serving local events, filling from the "
                        "store", exc)
        self.stats.connected, self.stats.last_error = False, str(exc)

    def _up(self) -> None:
        if not self.stats.connected:
            log.info("bus: Redis reachable again")
        self.stats.connected = True

    async def _send_loop(self) -> None:
        from redis.exceptions import RedisError
        while True:
            items = [await self._outbox.get()]
            while not self._outbox.empty() and len(items) < 256:
                items.append(self._outbox.get_nowait())
            try:
                await self._send(items)
                self._up()
            except (RedisError, OSError) as exc:
                self.stats.send_failures += len(items)
                self._down(exc)

    async def _send(self, items: list[tuple[str, list[dict[str, Any]]]]) -> None:
        node, opts = self.options.node_id, self.options
        pipe = self._redis.pipeline(transaction=False)
        for what, events in items:
            body = orjson.dumps(events)
            if what == "e":
                pipe.xadd(opts.stream, {"n": node, "e": body}, maxlen=opts.maxlen,
                          approximate=True)
            else:
                channel = self._live_channel if what == "l" else self._control_channel
                pipe.publish(channel, node.encode() + b"\n" + body)
        await pipe.execute()

    async def _ensure_group(self) -> None:
        from redis.exceptions import ResponseError
        try:
            await self._redis.xgroup_create(self.options.stream, self._group, id="$",
                                            mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _read_loop(self) -> None:
        from redis.exceptions import RedisError, ResponseError
        backoff = 0.1
        while True:
            try:
                await self._ensure_group()
                self._up()
                backoff = 0.1
                while True:
                    await self._read_once()
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):  # Redis restarted empty: make the group again
                    self._down(exc)
                    await asyncio.sleep(backoff)
            except (RedisError, OSError) as exc:
                self._down(exc)
                await asyncio.sleep(backoff)
                backoff = min(2.0, backoff * 2)

    async def _read_once(self) -> None:
        answer = await self._redis.xreadgroup(self._group, self.options.node_id,
                                              {self.options.stream: ">"}, count=500, block=1000)
        ids, events = [], []
        for _stream, entries in answer or ():
            for entry_id, fields in entries:
                ids.append(entry_id)
                if fields.get(b"n", b"").decode() != self.options.node_id:
                    events.extend(orjson.loads(fields[b"e"]))
        if events:
            self.stats.from_stream += len(events)
            self._orderer.offer(events)
        if ids:
            await self._redis.xack(self.options.stream, self._group, *ids)

    async def _live_loop(self) -> None:
        from redis.exceptions import RedisError
        me = self.options.node_id.encode()
        while True:
            try:
                async with self._redis.pubsub() as ps:
                    await ps.subscribe(self._live_channel, self._control_channel)
                    async for msg in ps.listen():
                        node, _, body = bytes(msg.get("data") or b"").partition(b"\n")
                        if msg.get("type") == "message" and node != me:
                            control = bytes(msg.get("channel") or b"").decode() \
                                == self._control_channel
                            _call_all(self._control_listeners if control
                                      else self._live_listeners, orjson.loads(body))
            except (RedisError, OSError) as exc:
                self._down(exc)
                await asyncio.sleep(1.0)


def control_channel(stream: str) -> str:
    """Return the Redis pub/sub channel of the control messages of the nodes on ``stream``."""
    return f"{stream}:control"


def announce_control(url: str, stream: str, messages: list[dict[str, Any]]) -> None:
    """Send control messages to every node on the Redis bus ``url`` from outside a server
    (``ioc token revoke``); raise the Redis error when it cannot be reached."""
    import redis
    client = redis.Redis.from_url(url, socket_connect_timeout=2.0, socket_timeout=5.0)
    try:
        client.publish(control_channel(stream), b"cli\n" + orjson.dumps(messages))
    finally:
        client.close()


def make_bus(settings: Any) -> Bus:
    """Return the bus named by ``settings.bus``: ``memory`` or a ``redis://`` URL."""
    if settings.bus == "memory":
        return InProcessBus()
    return RedisBus(RedisOptions(settings.bus, settings.node_id or default_node_id(),
                                 settings.bus_stream, settings.bus_stream_maxlen,
                                 settings.bus_gap_ms / 1000, settings.bus_poll_ms / 1000))
