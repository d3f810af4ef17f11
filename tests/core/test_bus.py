"""The bus contract: events reach listeners in ascending seq, each once, whatever order they
arrive in; a gap the stream leaves open is filled from the store (a real store), never skipped;
two Redis buses (a real Redis of the test's own) see each other's batches."""
from __future__ import annotations

import asyncio
import secrets

import pytest

from server.core.bus import BusStats, RedisBus, RedisOptions, SeqOrderer, StoreSource
from server.store import AuditEntry, EventQuery, open_store
from server.core.timefmt import parse_offset
from tests.helpers import run_async
from tests.helpers.nodes import RedisProcess
from tests.helpers.store import new_event


@pytest.fixture
def store(tmp_path):
    """A real SQLite store."""
    s = open_store(f"sqlite:///{tmp_path / 'bus.sqlite3'}", parse_offset("+07:00"))
    yield s
    s.close()


def source_of(store, head: int = 0) -> StoreSource:  # noqa: ANN001
    """Return a StoreSource reading ``store`` (on the loop thread: small test data)."""
    async def read_page(since: int, query: EventQuery, limit: int):  # noqa: ANN202
        return store.since(since, query, limit)

    async def read_head() -> int:
        return store.last_seq()
    return StoreSource(head, read_page, read_head)


def stored(store, n: int) -> list[dict]:  # noqa: ANN001
    """Append ``n`` events in one batch; return them (wire form, ascending seq)."""
    return store.append([new_event(i) for i in range(n)]).events


def test_orderer_holds_early_events_and_delivers_in_seq_order(store):
    events = stored(store, 6)
    got: list[int] = []

    async def run() -> None:
        orderer = SeqOrderer(lambda b: got.extend(e["seq"] for e in b), source_of(store),
                             BusStats("test"), wait_s=10, poll_s=10)
        orderer.offer(events[3:5])  # 4, 5 before 1..3
        assert got == [] and orderer.held == 2
        orderer.offer(events[:2])
        assert got == [1, 2]
        orderer.offer(events[:3] + events[5:])  # 1, 2 again (dropped), 3, 6
        assert got == [1, 2, 3, 4, 5, 6] and orderer.held == 0
    run_async(run())


def test_orderer_fills_a_gap_from_the_store_after_the_wait(store):
    events = stored(store, 5)
    updated = store.update(events[1]["id"], {"status": "closed"},  # seq 2 → seq 6
                           AuditEntry("status", "test", "operator"))
    got: list[dict] = []

    async def run() -> SeqOrderer:
        orderer = SeqOrderer(got.extend, source_of(store), BusStats("test"), wait_s=0.05,
                             poll_s=10)
        watch = asyncio.get_running_loop().create_task(orderer.watch())
        orderer.offer([events[0], events[2], updated])  # 2 was lost; 4, 5 never came
        await asyncio.sleep(0.3)
        watch.cancel()
        return orderer
    orderer = run_async(run())
    assert [e["seq"] for e in got] == [1, 3, 4, 5, 6]  # 2 moved on to 6: not in the store
    assert got[-1]["status"] == "closed" and orderer.delivered == 6


def test_orderer_catches_up_with_the_store_head_when_nothing_arrives(store):
    got: list[int] = []

    async def run() -> None:
        orderer = SeqOrderer(lambda b: got.extend(e["seq"] for e in b), source_of(store),
                             BusStats("test"), wait_s=0.02, poll_s=0.05)
        watch = asyncio.get_running_loop().create_task(orderer.watch())
        stored(store, 3)  # committed by "another node" whose batches never reach this one
        await asyncio.sleep(0.4)
        watch.cancel()
    run_async(run())
    assert got == [1, 2, 3]


def test_two_redis_buses_see_each_others_batches_in_order(store):
    redis = RedisProcess()
    stream = f"ioc:test:{secrets.token_hex(4)}"
    try:
        seen = run_async(_two_buses(store, redis.url, stream))
    finally:
        redis.stop()
    assert seen["a"] == seen["b"] == list(range(1, 9))
    assert seen["live_b"] == ["ship"]


async def _two_buses(store, url: str, stream: str) -> dict:  # noqa: ANN001
    buses = {n: RedisBus(RedisOptions(url, n, stream, wait_s=5, poll_s=5)) for n in "ab"}
    seen: dict[str, list] = {"a": [], "b": [], "live_b": []}
    for name, bus in buses.items():
        bus.subscribe(lambda b, name=name: seen[name].extend(e["seq"] for e in b))
        await bus.start(source_of(store))
    buses["b"].subscribe_live(lambda b: seen["live_b"].extend(e["id"] for e in b))
    await asyncio.sleep(0.3)  # both consumer groups exist
    first, second = stored(store, 4), stored(store, 4)
    buses["b"].publish(second)  # b commits later but publishes first
    buses["a"].publish(first)
    buses["a"].publish_live([{"id": "ship", "seq": None}])
    for _ in range(100):
        if len(seen["a"]) == len(seen["b"]) == 8 and seen["live_b"]:
            break
        await asyncio.sleep(0.02)
    for bus in buses.values():
        await bus.close()
    return seen
