"""An in-memory book that follows the store: read once when the server starts, then kept current
from the bus, the same way on every node. Every feature that keeps state per node uses it: the
report desk's open cases near a cell, the dispatch desk's callers and units, the flooded-road
marks, the camera registry, the sensor stations and the fleet (with their open alerts).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Generic, Protocol, TypeVar

from server.core.errors import Unavailable

log = logging.getLogger(__name__)

#: How long a request waits for a feature's state to be read back before it is answered 503.
LOAD_WAIT_S = 30.0


class LoadGate:
    """Opens once a feature's state has been read back from the store. Requests that depend on
    that state wait for it (a restart must not answer from an empty book), at most
    ``timeout_s``; then they are refused with Unavailable (503, retry later)."""

    def __init__(self, what: str, timeout_s: float = LOAD_WAIT_S):
        self.what = what
        self.timeout_s = timeout_s
        self._open = asyncio.Event()

    def open(self) -> None:
        """Let the waiting requests go on."""
        self._open.set()

    async def wait(self) -> None:
        """Return once the gate is open; raise Unavailable after ``timeout_s``."""
        if self._open.is_set():
            return
        try:
            async with asyncio.timeout(self.timeout_s):  # not wait_for: see EventService._run
                await self._open.wait()
        except TimeoutError:
            raise Unavailable(f"{self.what} is not loaded from the store yet; "
                              "retry later") from None


class Book(Protocol):
    """Anything that takes wire events and keeps the highest seq of each."""

    def observe(self, ev: dict[str, Any]) -> Any:
        """Take one wire event (older versions than the one held are ignored)."""

    def __len__(self) -> int:
        """Return how many things it holds."""


B = TypeVar("B", bound=Book)


class StoreFollower(Generic[B]):
    """The one way a feature keeps a book of the store on every node.

    ``self.book`` is read from the store once (``load(store)`` on a reader thread, then
    ``adopt``); events the bus brings meanwhile are kept and applied after, so nothing committed
    during the read is missed; from then on every committed event of the bus goes to ``follow``
    (by default ``book.observe``). Requests that need the book wait for it (``ready``: 503 after
    ``LOAD_WAIT_S``). The feature's ``install`` calls ``attach``: the bus subscription and the
    background task (``run``: the read, then the feature's ``loops``) belong to it, never to a
    constructor. Writes that must not race use the store's compare-and-set
    (``core.update(..., expect_status=...)``) or the feature's lock."""

    def __init__(self, core: Any, book: B, load: Callable[[Any], Any], name: str):
        self.core = core
        self.book = book
        self._book_loader = load
        self._book_name = name
        self._gate = LoadGate(name)
        self._early: list[dict[str, Any]] | None = []  # bus events seen before the book is read

    async def bootstrap(self) -> int:
        """Read the book from the store, apply what the bus brought meanwhile, open the gate;
        return how many things the book holds."""
        loaded = await self.core.read(self._book_loader, self.core.store)
        early, self._early = self._early or [], None
        self.adopt(loaded)
        self.follow(early)
        self._gate.open()
        log.info("%s ready: %d", self._book_name, len(self.book))
        return len(self.book)

    def adopt(self, loaded: Any) -> None:
        """Take what ``load`` read from the store (by default: the new book)."""
        self.book = loaded

    def follow(self, events: list[dict[str, Any]]) -> None:
        """Apply committed events in seq order (by default: ``book.observe`` each)."""
        for ev in events:
            self.book.observe(ev)

    def on_bus(self, events: list[dict[str, Any]]) -> None:
        """Take a batch from the bus (kept aside until the book is read)."""
        if self._early is not None:
            self._early.extend(events)
            return
        self.follow(events)

    async def ready(self) -> None:
        """Wait until the book has been read from the store (LoadGate.wait)."""
        await self._gate.wait()

    def attach(self) -> None:
        """Follow the core's bus and start ``run`` with the core (the feature's ``install``
        calls it, once)."""
        self.core.bus.subscribe(self.on_bus)
        self.core.add_background(self.run)

    def loops(self) -> list[Callable[[], Awaitable[Any]]]:
        """Return the feature's background loops, started once the book is read (none here)."""
        return []

    async def run(self) -> None:
        """Read the book, then run the feature's ``loops`` together, forever (the feature's
        background task)."""
        await self.bootstrap()
        await asyncio.gather(*(loop() for loop in self.loops()))
