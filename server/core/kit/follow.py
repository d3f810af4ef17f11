"""An in-memory book that follows the store: read once when the server starts, then kept current
from the bus. Features whose questions the store contract cannot answer cheaply (the report desk's
open cases near a cell, the dispatch desk's callers and units) keep one.
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
            await asyncio.wait_for(self._open.wait(), self.timeout_s)
        except asyncio.TimeoutError:
            raise Unavailable(f"{self.what} is not loaded from the store yet; retry later") from None


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
        self._gate = LoadGate(name)
        self._early: list[dict[str, Any]] | None = []  # bus events seen before the book is read

    async def bootstrap(self) -> int:
        """Read the book from the store; return how many things it holds."""
        book = await self.core.read(self._book_loader, self.core.store)
        for ev in self._early or ():
            book.observe(ev)
        self.book, self._early = book, None
        self._gate.open()
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
        """Wait until the book has been read from the store (LoadGate.wait)."""
        await self._gate.wait()

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
