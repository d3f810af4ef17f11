"""The one book mechanism (``server.core.kit.follow.StoreFollower``) and the alert books that
follow the bus, without a server: a fake core whose store read can be held back."""
from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable

from server.core.kit.alerts import AlertBook
from server.core.kit.follow import StoreFollower
from tests.helpers import run_async


class SeqBook:
    """A book of the highest seq seen per event id."""

    def __init__(self, seqs: dict[str, int] | None = None):
        self.seqs = seqs or {}

    def __len__(self) -> int:
        return len(self.seqs)

    def observe(self, ev: dict[str, Any]) -> None:
        """Keep the event's seq unless a newer one is held."""
        if self.seqs.get(ev["id"], 0) < ev["seq"]:
            self.seqs[ev["id"]] = ev["seq"]


class FakeCore:
    """Just what a follower uses: ``read`` (a reader thread), ``store``, ``bus``, background."""

    def __init__(self, store: Any = None):
        self.store = store
        self.listeners: list[Callable[[list[dict[str, Any]]], None]] = []
        self.tasks: list[Callable[[], Any]] = []
        self.bus = self

    def subscribe(self, listener: Callable[[list[dict[str, Any]]], None]) -> None:
        """Keep a bus listener."""
        self.listeners.append(listener)

    def add_background(self, factory: Callable[[], Any]) -> None:
        """Keep a background task factory."""
        self.tasks.append(factory)

    async def read(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Return ``fn(*args)`` run on a thread."""
        return await asyncio.to_thread(fn, *args)

    def publish(self, events: list[dict[str, Any]]) -> None:
        """Deliver a batch to the listeners."""
        for listener in self.listeners:
            listener(events)


def test_bus_events_seen_while_the_book_is_read_are_applied_after_it():
    async def scenario() -> None:
        release = threading.Event()

        def load(store: Any) -> SeqBook:
            release.wait(5)
            return SeqBook({"a": 1, "b": 2})

        core = FakeCore()
        follower = StoreFollower(core, SeqBook(), load, "the test book")
        follower.attach()
        assert len(core.listeners) == 1 and len(core.tasks) == 1
        task = asyncio.ensure_future(core.tasks[0]())
        await asyncio.sleep(0.02)
        waiting = asyncio.ensure_future(follower.ready())
        core.publish([{"id": "a", "seq": 3}, {"id": "c", "seq": 4}])  # committed during the read
        await asyncio.sleep(0.02)
        assert not waiting.done() and follower.book.seqs == {}
        release.set()
        await asyncio.wait_for(waiting, 2)
        assert follower.book.seqs == {"a": 3, "b": 2, "c": 4}
        core.publish([{"id": "b", "seq": 5}, {"id": "a", "seq": 1}])  # after: applied at once
        assert follower.book.seqs == {"a": 3, "b": 5, "c": 4}
        await asyncio.wait_for(task, 2)  # no loops: the task ends after the read
    run_async(scenario())


def alert(seq: int, status: str, event_id: str = "e1", key: str = "k",
          channel: str = "sensor-rules") -> dict[str, Any]:
    """Return a wire alert event."""
    return {"id": event_id, "seq": seq, "kind": "alert", "status": status,
            "source": {"channel": channel}, "props": {"key": key}}


def test_alert_book_follows_alerts_opened_and_cleared_on_other_nodes():
    class Store:
        def records(self, kind: str) -> dict[str, Any]:
            return {"old": {"event_id": "e0", "channel": "sensor-rules", "meta": {"level": 2}},
                    "theirs": {"event_id": "e9", "channel": "ais-rules"}}

    async def scenario() -> None:
        book = AlertBook(FakeCore(Store()), "sensor-rules")
        await book.load()
        assert book.open_keys == ["old"] and book.open_meta() == {"old": {"level": 2}}
        book.observe(alert(3, "active"))
        assert book.is_open("k") and len(book) == 2
        book.observe(alert(4, "active", channel="ais-rules", key="x"))  # another book's
        book.observe({"id": "r", "seq": 5, "kind": "report", "status": "new",
                      "source": {"channel": "app"}, "props": {}})
        assert sorted(book.open_keys) == ["k", "old"]
        book.observe(alert(6, "cleared"))
        assert not book.is_open("k")
        book.observe(alert(3, "active"))  # an older version, late: ignored
        assert not book.is_open("k")
        book.observe(alert(7, "cleared", event_id="e0", key="old"))
        assert book.open_keys == []
    run_async(scenario())
