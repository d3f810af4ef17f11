"""Shared by the machine feeds (AIS, MQTT): batching events into the core, and reconnecting.

``FeedBatcher`` collects events in API input form from a feed that runs on the event loop and,
every ``flush_s``, validates and routes them in one go: those marked ``store`` are appended (the
durable path: store → bus → websocket), the others are published to the hub as live-only events
(see ``server.core.hub``). One bad event never refuses the others: a batch that fails validation is
retried event by event and the bad ones are counted and logged.
"""
from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from server.core.errors import ValidationFailed
from server.core.events import NewEvent, wire_event

if TYPE_CHECKING:
    from server.core.service import EventService

log = logging.getLogger(__name__)


@dataclass
class FeedCounters:
    """What a batcher did: events stored, sent live only, refused, dropped (queue full)."""

    stored: int = 0
    live: int = 0
    invalid: int = 0
    dropped: int = 0


class FeedBatcher:
    """Batch a feed's events into the core (see the module docstring)."""

    def __init__(self, core: "EventService", flush_s: float = 0.1, max_pending: int = 50_000):
        self.core = core
        self.flush_s = flush_s
        self.max_pending = max_pending
        self.counters = FeedCounters()
        self._items: list[tuple[dict[str, Any], bool]] = []
        self._lock = asyncio.Lock()

    def add(self, doc: dict[str, Any], store: bool = True) -> None:
        """Queue one event (API input form); ``store`` False sends it live only."""
        if len(self._items) >= self.max_pending and not store:
            self.counters.dropped += 1
            return
        self._items.append((doc, store))

    @property
    def pending(self) -> int:
        """Return how many events wait for the next flush."""
        return len(self._items)

    async def run(self) -> None:
        """Flush every ``flush_s`` until cancelled (a background task of the core)."""
        await every(self.flush_s, self.flush, "feed flush")

    async def flush(self) -> list[dict[str, Any]]:
        """Hand everything queued to the core now; return the stored events (wire form)."""
        async with self._lock:
            items, self._items = self._items, []
            if not items:
                return []
            events, stores = self._validate(items)
            kept = [e for e, s in zip(events, stores) if s]
            live = [e for e, s in zip(events, stores) if not s]
            if live:
                self.core.bus.publish_live([live_wire(e, self.core.tz) for e in live])
                self.counters.live += len(live)
            if not kept:
                return []
            result = await self.core.append(kept)
            self.counters.stored += len(kept)
            return result.events

    def _validate(self, items: list[tuple[dict[str, Any], bool]]
                  ) -> tuple[list[NewEvent], list[bool]]:
        now = self.core.clock.now()
        try:
            return self.core.validator.validate([d for d, _ in items], "events", now), \
                [s for _, s in items]
        except ValidationFailed:
            pass
        events, stores = [], []
        for doc, store in items:
            try:
                events.extend(self.core.validator.validate([doc], "", now))
                stores.append(store)
            except ValidationFailed as exc:
                self.counters.invalid += 1
                log.warning("feed event refused: %s %s", exc.message, exc.details[:3])
        return events, stores


def live_wire(event: NewEvent, tz) -> dict[str, Any]:  # noqa: ANN001
    """Return the wire form of a validated event that is not stored (``seq`` None)."""
    return wire_event({**asdict(event), "seq": None}, tz)


async def every(period_s: float, job: Callable[[], Awaitable[Any]], name: str) -> None:
    """Run ``await job()`` every ``period_s`` seconds until cancelled; a failure is logged and
    the loop goes on (a feed must outlive a bad batch)."""
    while True:
        await asyncio.sleep(period_s)
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - see the docstring
            log.exception("%s failed", name)


async def drain(queue: "asyncio.Queue[Any]", handle: Callable[[Any], Awaitable[Any]],
                name: str) -> None:
    """Take items from ``queue`` one at a time, in order, and ``await handle(item)`` until
    cancelled; a failure is logged and the next item goes on; ``queue.join()`` waits for the
    items taken so far."""
    while True:
        item = await queue.get()
        try:
            await handle(item)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - one bad item must not stop the others
            log.exception("%s failed for %r", name, item)
        finally:
            queue.task_done()


async def reconnecting(name: str, connect_once: Callable[[], Awaitable[None]],
                       max_backoff_s: float = 30.0, first_backoff_s: float = 0.5) -> None:
    """Run ``connect_once()`` forever: after it ends or fails, wait (exponential back-off with
    jitter, reset after a session that lasted longer than the back-off) and run it again."""
    loop = asyncio.get_running_loop()
    backoff = first_backoff_s
    while True:
        started = loop.time()
        try:
            await connect_once()
            log.info("%s: connection closed", name)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a feed retries every failure
            log.warning("%s: %s: %s", name, type(exc).__name__, exc)
        if loop.time() - started > backoff:
            backoff = first_backoff_s
        await asyncio.sleep(backoff * random.uniform(0.8, 1.2))
        backoff = min(backoff * 2, max_backoff_s)
