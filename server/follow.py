"""An in-memory book that follows the store: read once when the server starts, then kept current
from the bus. Features whose questions the store contract cannot answer cheaply (the report desk's
open cases near a cell, the dispatch desk's callers and units) keep one.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Generic, Protocol, TypeVar

log = logging.getLogger(__name__)


class Book(Protocol):
    """Anything that takes wire events and keeps the highest seq of each."""

    def observe(self, ev: dict[str, Any]) -> Any:
        """Take one wire event (older versions than the one held are ignored)."""

    def __len__(self) -> int:
        """Return how many things it holds."""


B = TypeVar("B", bound=Book)


class StoreFollower(Generic[B]):
    """Holds ``self.book``. ``bootstrap`` reads it from the store (``load(store)`` on a reader
    thread); events the bus brings meanwhile are kept and applied after, so nothing committed
    during the read is missed. Subscribe ``on_bus`` to the bus before starting."""

    def __init__(self, core: Any, book: B, load: Callable[[Any], B], name: str):
        self.core = core
        self.book = book
        self._book_loader = load
        self._book_name = name
        self._ready = asyncio.Event()
        self._early: list[dict[str, Any]] | None = []  # bus events seen before the book is read

    async def bootstrap(self) -> int:
        """Read the book from the store; return how many things it holds."""
        book = await self.core.read(self._book_loader, self.core.store)
        for ev in self._early or ():
            book.observe(ev)
        self.book, self._early = book, None
        self._ready.set()
        log.info("%s ready: %d", self._book_name, len(self.book))
        return len(self.book)

    def on_bus(self, events: list[dict[str, Any]]) -> None:
        """Take a batch from the bus (kept aside until the book is read)."""
        if self._early is not None:
            self._early.extend(events)
            return
        for ev in events:
            self.book.observe(ev)

    async def ready(self) -> None:
        """Wait until the book has been read from the store."""
        await self._ready.wait()

    def attach(self, run: Callable[[], Awaitable[None]]) -> None:
        """Follow the core's bus and start ``run`` (which calls ``self.run``) with the core."""
        self.core.bus.subscribe(self.on_bus)
        self.core.add_background(run)

    async def run(self, interval_s: float, tick: Callable[[], Awaitable[Any]]) -> None:
        """Read the book, then call ``tick()`` every ``interval_s`` seconds, forever (a failed
        pass is logged and the next one runs): a feature's background task."""
        await self.bootstrap()
        while True:
            await asyncio.sleep(interval_s)
            try:
                await tick()
            except Exception:  # noqa: BLE001 - the timer must survive one bad pass
                log.exception("%s: timer pass failed", self._book_name)
