"""The one book mechanism (``server.core.kit.follow.StoreFollower``) without a server: a fake
core whose store read can be held back."""
from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable

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

