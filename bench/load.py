"""Load benchmark: ingest rate offered and achieved, and the latency from POST to receipt on
websocket clients, for 10, 100 and 500 clients on one node and on two nodes (PostGIS + Redis),
against the naive broadcast (one message per event and client) in the same run.

Nodes are real ``ioc serve`` processes on one throw-away PostGIS database; two nodes share the
Redis at ``--redis`` (a stream of the run's own). Clients are split over ``TILES`` viewports
(bboxes over central Huế) and over the nodes; events fall uniformly over the tiles, so a client
receives about a tenth of them. Every event carries its POST time; up to ``PROBES`` clients per
run decode their frames and measure each event's latency (the others read and drop), and check
that they received every event of their viewport. Loops are bounded in count and time, loopback
only. Writes the ``load`` section of docs/BENCHMARKS.md. Run:
``python -m bench.load [--quick]``.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import random
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Iterator

import orjson
from websockets.asyncio.client import connect

from bench._report import git_commit, machine, table, write_section
from tests.helpers import ServerProcess, create_pg_database, drop_pg_database, pg_url
from tests.helpers.nodes import make_token, start_node

WEST, SOUTH, EAST, NORTH = 107.50, 16.40, 107.65, 16.52
TILES = 10
PROBES = 20
DRAIN_S = 3.0
SATURATED = 0.25  # a point below this share of its offer ends the client count's series
BACKLOG = 1  # batches waiting per HTTP connection before the generator skips one


@dataclass
class Config:
    """One server set-up of the run."""

    label: str
    nodes: int
    fanout: str = "grouped"


@dataclass
class Result:
    """What one (set-up, clients, rate) run measured."""

    config: str
    clients: int
    offered: int
    achieved: float
    p50_ms: float | None
    p99_ms: float | None
    delivered: float
    post_p50_ms: float | None = None
    lat: list[float] = field(default_factory=list, repr=False)


def tiles() -> list[tuple[float, float, float, float]]:
    """Return ``TILES`` bboxes (west, south, east, north) in a 5 × 2 grid over central Huế."""
    w, h = (EAST - WEST) / 5, (NORTH - SOUTH) / 2
    return [(WEST + i * w, SOUTH + j * h, WEST + (i + 1) * w, SOUTH + (j + 1) * h)
            for j in range(2) for i in range(5)]


def tile_of(lon: float, lat: float) -> int:
    """Return the index of the tile holding (lon, lat)."""
    i = min(4, int((lon - WEST) / ((EAST - WEST) / 5)))
    j = min(1, int((lat - SOUTH) / ((NORTH - SOUTH) / 2)))
    return j * 5 + i


class Client:
    """One websocket client; a probe decodes frames and records latencies."""

    def __init__(self, url: str, token: str, tile: int, probe: bool):
        self.url, self.token, self.tile, self.probe = url, token, tile, probe
        self.lat: dict[str, float] = {}
        self.last_frame = 0.0
        self.ws = None
        self.task: asyncio.Task | None = None

    async def open(self) -> None:
        """Connect and subscribe to the reports of its tile."""
        self.ws = await connect(self.url.replace("http://", "ws://") + f"/ws?token={self.token}",
                                max_size=None, open_timeout=60)
        bbox = list(tiles()[self.tile])
        await self.ws.send(json.dumps({"op": "subscribe", "layers": ["reports"], "bbox": bbox}))
        await self.ws.recv()
        self.task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            while True:
                frame = await self.ws.recv(decode=False)
                self.last_frame = time.monotonic()
                if self.probe:
                    self._measure(frame)

    def _measure(self, frame: bytes) -> None:
        now = time.time()
        doc = orjson.loads(frame)
        for ev in doc.get("events") or ():
            desc = ev["props"].get("description", "")
            if desc.startswith("t="):
                self.lat[ev["id"]] = now - float(desc[2:])

    async def close(self) -> None:
        """Stop reading and close."""
        if self.task:
            self.task.cancel()
        with contextlib.suppress(Exception):
            await self.ws.close()


def _poster(host: str, port: int, token: str):  # noqa: ANN202
    conn = http.client.HTTPConnection(host, port, timeout=30)

    def send(body: bytes) -> tuple[list[str], float]:
        t0 = time.perf_counter()
        conn.request("POST", "/api/v1/events", body, {"Content-Type": "application/json",
                                                      "Authorization": f"Bearer {token}"})
        res = conn.getresponse()
        doc = orjson.loads(res.read())
        if res.status != 201:
            raise RuntimeError(f"POST answered {res.status}: {doc}")
        return [e["id"] for e in doc["events"]], time.perf_counter() - t0
    return send


def make_batch(n: int, rng: random.Random) -> tuple[bytes, list[int]]:
    """Return a POST body of ``n`` reports stamped with the send time, and their tiles."""
    now = time.time()
    events, where = [], []
    for _ in range(n):
        lon, lat = rng.uniform(WEST, EAST), rng.uniform(SOUTH, NORTH)
        events.append({"kind": "report", "category": "environment.waste", "lat": lat, "lon": lon,
                       "props": {"description": f"t={now!r}"}})
        where.append(tile_of(lon, lat))
    return orjson.dumps({"events": events}), where


async def offer_load(nodes: list[ServerProcess], token: str, rate: int, seconds: float,
                     batch: int) -> tuple[float, dict[str, int], list[float]]:
    """POST ``rate`` events/s in batches for ``seconds``, round-robin over the nodes (4 posters
    per node; a batch due while its connection has ``BACKLOG`` waiting is skipped, so an
    overloaded server is measured at capacity, not with an ever longer queue); return
    (events acknowledged per second, {event id: tile}, POST durations)."""
    rng = random.Random(rate)
    per_s = rate / batch
    count = max(1, int(per_s * seconds))
    posters = [_poster(*n.url.removeprefix("http://").split(":"), token) for n in nodes
               for _ in range(4)]
    queues = [asyncio.Queue() for _ in posters]
    tiles_of: dict[str, int] = {}
    durations: list[float] = []
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(len(posters))

    async def worker(i: int) -> None:
        while (item := await queues[i].get()) is not None:
            body, where = item
            try:
                ids, took = await loop.run_in_executor(pool, posters[i], body)
            except (OSError, RuntimeError, http.client.HTTPException) as exc:
                print(f"  POST failed: {exc}", flush=True)  # counted as not achieved
                posters[i] = _poster(*nodes[i // 4].url.removeprefix("http://").split(":"),
                                     token)
                continue
            durations.append(took)
            tiles_of.update(zip(ids, where))

    workers = [loop.create_task(worker(i)) for i in range(len(posters))]
    t0 = time.monotonic()
    for k in range(count):
        await asyncio.sleep(max(0.0, t0 + k / per_s - time.monotonic()))
        if queues[k % len(queues)].qsize() < BACKLOG:  # else the server is behind: not offered
            queues[k % len(queues)].put_nowait(make_batch(batch, rng))
    for q in queues:
        q.put_nowait(None)
    await asyncio.gather(*workers)
    elapsed = time.monotonic() - t0
    pool.shutdown()
    return len(tiles_of) / elapsed, tiles_of, durations


async def quiet(clients: list[Client], limit_s: float = 15.0) -> None:
    """Wait until no client got a frame for 0.5 s (the previous point's backlog is gone), at
    most ``limit_s``."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and any(time.monotonic() - c.last_frame < 0.5
                                              for c in clients):
        await asyncio.sleep(0.1)


def percentile(values: list[float], q: float) -> float | None:
    """Return the q-quantile of ``values`` in milliseconds (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run_point(config: Config, nodes: list[ServerProcess], clients: list[Client],
                    token: str, rate: int, seconds: float) -> Result:
    """Offer ``rate`` events/s to the nodes and measure what the clients saw."""
    await quiet(clients)
    for c in clients:
        c.lat.clear()
    batch = max(50, min(1000, rate // 20))
    achieved, tiles_of, posts = await offer_load(nodes, token, rate, seconds, batch)
    probes = [c for c in clients if c.probe]
    expected = {c: {i for i, t in tiles_of.items() if t == c.tile} for c in probes}
    deadline = time.monotonic() + DRAIN_S
    while time.monotonic() < deadline and any(not exp <= c.lat.keys()
                                              for c, exp in expected.items()):
        await asyncio.sleep(0.05)
    want = sum(len(e) for e in expected.values())
    got = sum(len(c.lat.keys() & expected[c]) for c in probes)
    lat = [c.lat[i] for c in probes for i in c.lat.keys() & expected[c]]  # this point's only
    return Result(config.label, len(clients), rate, achieved, percentile(lat, 0.5),
                  percentile(lat, 0.99), got / want if want else 1.0, percentile(posts, 0.5))


@contextlib.contextmanager
def started(config: Config, db: str, redis_url: str) -> Iterator[list[ServerProcess]]:
    """Start the nodes of ``config`` on ``db`` (two nodes: a bus on ``redis_url``)."""
    bus = redis_url if config.nodes > 1 else "memory"
    stream = f"ioc:bench:{secrets.token_hex(4)}"
    extra = {"IOC_WS_FANOUT": config.fanout, "IOC_WS_MAX_PENDING_FRAMES": "1000000",
             "IOC_WS_MAX_MESSAGES_PER_S": "1000", "IOC_MAX_BATCH": "10000"}
    nodes = [start_node(db, bus, f"bench-{i}", stream, **extra) for i in range(config.nodes)]
    try:
        yield nodes
    finally:
        for n in nodes:
            n.stop()
        if config.nodes > 1:
            import redis
            redis.Redis.from_url(redis_url).delete(stream, f"{stream}:live")


async def run_config(config: Config, nodes: list[ServerProcess], token: str, wall: str,
                     client_counts: list[int], rates: list[int], seconds: float,
                     budget_end: float) -> list[Result]:
    """Measure every (clients, rate) point of one set-up, within the time budget."""
    results = []
    ceiling = max(rates)
    for n in client_counts:
        step = max(1, n // PROBES)
        clients = [Client(nodes[i % len(nodes)].url, wall, i % TILES, i % step == 0)
                   for i in range(n)]
        for k in range(0, n, 50):
            await asyncio.gather(*(c.open() for c in clients[k:k + 50]))
        try:
            for rate in rates:
                if time.monotonic() > budget_end:
                    break
                if rate > ceiling:
                    break
                res = await run_point(config, nodes, clients, token, rate, seconds)
                print(f"  {config.label:<28} {n:>4} clients {rate:>6} ev/s offered: "
                      f"{res.achieved:8.0f} achieved, p50 {res.p50_ms} ms, p99 {res.p99_ms} ms, "
                      f"delivered {res.delivered:.3f}", flush=True)
                results.append(res)
                if res.achieved < SATURATED * rate:  # higher offers (and more clients) only
                    ceiling = rate                   # queue longer: end the series here
        finally:
            await asyncio.gather(*(c.close() for c in clients))
    return results


MICRO_BATCH = 1000


class _Sink:
    """A client that keeps what it is sent (for the fan-out micro-benchmark)."""

    def __init__(self) -> None:
        self.bytes = 0

    def send_frame(self, frame: bytes) -> bool:
        self.bytes += len(frame)
        return True

    def congested(self) -> bool:
        return False

    def drop(self, reason: str) -> None:
        pass


def fanout_micro() -> list[list[object]]:
    """Time ``Hub.flush`` of one batch, grouped and naive, for 10, 100 and 500 clients; return
    the table rows."""
    from bench._report import median_time
    from server.store.base import EventQuery

    rng = random.Random(7)
    batch = [{"seq": i + 1, "id": f"e{i}", "kind": "report", "category": "environment.waste",
              "lon": rng.uniform(WEST, EAST), "lat": rng.uniform(SOUTH, NORTH),
              "cell": "894160a090bffff", "props": {"description": "x" * 200}}
             for i in range(MICRO_BATCH)]
    queries = [EventQuery(kinds=frozenset({"report"}), bbox=t) for t in tiles()]
    rows = []
    for n in (10, 100, 500):
        timings = {per_event: median_time(lambda: _flush_once(n, per_event, batch, queries),
                                          repeat=7) for per_event in (False, True)}
        encoded = {p: _count_frames(n, p, batch, queries) for p in (False, True)}
        rows.append([n, f"{1000 * timings[False]:,.1f}", f"{encoded[False]:,}",
                     f"{1000 * timings[True]:,.1f}", f"{encoded[True]:,}",
                     f"{timings[True] / timings[False]:.0f}"])
    return rows


def _flush_once(n: int, per_event: bool, batch: list[dict], queries: list) -> None:
    """Attach ``n`` live subscriptions to a fresh hub and flush ``batch`` once."""
    from server.core.auth import View
    from server.core.hub import Hub, Subscription
    hub = Hub(None, lambda e, v: e, per_event=per_event)  # type: ignore[arg-type]
    for k in range(n):
        sink = _Sink()
        sub = Subscription(sink, queries[k % TILES], View(False, None), 0, live=True)
        hub._subs[id(sink)] = sub  # noqa: SLF001 - a flush without a loop or a store
    hub.publish(list(batch))
    hub.flush()


def _count_frames(n: int, per_event: bool, batch: list[dict], queries: list) -> int:
    """Return how many frames one flush encodes: one per viewport group, or one per event and
    client."""
    if not per_event:
        return min(n, TILES)
    return sum(sum(1 for e in batch if queries[k % TILES].matches(e)) for k in range(n))


def fmt_ms(v: float | None) -> str:
    """Return milliseconds for the table."""
    return "–" if v is None else f"{v:,.0f}"


def report(results: list[Result], quick: bool, seconds: float, load: str) -> str:
    """Return the markdown section."""
    rows = [[r.config, r.clients, f"{r.offered:,}", f"{r.achieved:,.0f}", fmt_ms(r.post_p50_ms),
             fmt_ms(r.p50_ms), fmt_ms(r.p99_ms), f"{100 * r.delivered:.1f} %"] for r in results]
    ratio = []
    for r in results:
        if r.config.startswith("1 node, naive"):
            mate = next((g for g in results if g.config == "1 node" and g.clients == r.clients
                         and g.offered == r.offered), None)
            if mate and mate.p99_ms and r.p99_ms:
                ratio.append(f"{r.clients} clients at {r.offered:,} ev/s: p99 naive / grouped = "
                             f"{r.p99_ms / mate.p99_ms:.1f}")
    return "\n\n".join([
        "## Load: ingest and live fan-out on one and two nodes",
        machine(["tornado", "websockets", "redis", "psycopg", "orjson"]) +
        f" Commit {git_commit()}; load average at the start {load}; PostgreSQL + PostGIS and "
        "Redis on the same machine, "
        "clients and load generator in one more process on it.",
        f"Each point offers the rate for {seconds:g} s in batches (rate/20, 50 to 1,000 events "
        f"per POST, 4 HTTP connections per node; a batch due while {BACKLOG} wait on its "
        "connection is skipped, so `achieved` is the capacity when it is below the offer; "
        f"below {SATURATED:.0%} of the offer, higher offers and more clients are not run), "
        "then waits up to "
        f"{DRAIN_S:g} s. Clients are spread over {TILES} viewports (each gets about a tenth of "
        "the events) and over the nodes; up to "
        f"{PROBES} probe clients decode every frame: latency is from the moment the batch was "
        "built (before its POST) to the frame's receipt, `delivered` is the share of their "
        "viewport's acknowledged events they received. Two nodes: Redis stream bus, POSTs "
        "alternate between the nodes. Naive: one message per event and client."
        + (" **Quick run** (`--quick`): one point per set-up." if quick else ""),
        table(["set-up", "clients", "offered ev/s", "achieved ev/s", "POST p50 ms", "p50 ms",
               "p99 ms", "delivered"], rows),
        "Fan-out alone (the hub's flush, no network: sinks that keep the bytes), a batch of "
        f"{MICRO_BATCH:,} events to clients spread over {TILES} viewports, median ms per flush:",
        table(["clients", "grouped ms", "frames encoded", "naive ms", "messages encoded",
               "naive / grouped"], fanout_micro()),
        ("Ratios: " + "; ".join(ratio) + ".") if ratio else "",
    ])


async def main_async(args: argparse.Namespace) -> list[Result]:
    """Run every set-up and return the results."""
    configs = [Config("1 node", 1), Config("2 nodes (Redis)", 2),
               Config("1 node, naive broadcast", 1, "per_event")]
    counts = [10] if args.quick else [10, 100, 500]
    rates = [1000] if args.quick else [1000, 3000, 10000]
    seconds = 2.0 if args.quick else args.seconds
    results: list[Result] = []
    for config in configs:
        budget_end = time.monotonic() + args.budget / len(configs)
        name = create_pg_database(prefix="ioc_bench_")
        db = pg_url(name)
        try:
            operator, wall = make_token(db, "operator"), make_token(db, "wall")
            with started(config, db, args.redis) as nodes:
                results += await run_config(config, nodes, operator, wall, counts, rates,
                                            seconds, budget_end)
        finally:
            drop_pg_database(name)
    return results


def main() -> None:
    """Parse arguments, run, write the section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="One point per set-up, 2 s each.")
    parser.add_argument("--seconds", type=float, default=4.0,
                        help="Seconds each point offers load.")
    parser.add_argument("--budget", type=float, default=900.0,
                        help="Stop starting new points after this many seconds (split "
                        "evenly over the set-ups).")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="Redis for two nodes.")
    parser.add_argument("--no-write", action="store_true", help="Print only.")
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    results = asyncio.run(main_async(args))
    text = report(results, args.quick, 2.0 if args.quick else args.seconds, load)
    print(text)
    if not args.no_write:
        write_section("load", text)


if __name__ == "__main__":
    main()
