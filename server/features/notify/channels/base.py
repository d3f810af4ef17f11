"""The one base class of every channel: it sends a batch of claimed messages and says, for
each, whether it went, may be tried again, or never will."""
from __future__ import annotations

import abc
import asyncio
import time
from dataclasses import dataclass
from typing import ClassVar

from server.store.base import OutboxItem


@dataclass(frozen=True)
class Outcome:
    """What became of one message: ``ok``; else ``error`` and whether it is ``permanent`` (a
    number that does not exist: no retry) or not (a gateway down: retry later)."""

    id: int
    ok: bool
    error: str | None = None
    permanent: bool = False


class Channel(abc.ABC):
    """Sends messages of one channel (``name``: the outbox's ``channel``), ``max_batch`` at a
    time, at most ``rate_per_s`` per second (``pace`` waits)."""

    name: ClassVar[str]

    def __init__(self, max_batch: int, rate_per_s: float) -> None:
        self.max_batch = max_batch
        self.rate_per_s = rate_per_s
        self._free_at = 0.0

    async def pace(self, n: int) -> None:
        """Wait until ``n`` more messages fit the channel's rate."""
        now = time.monotonic()
        start = max(now, self._free_at)
        self._free_at = start + n / self.rate_per_s
        if start > now:
            await asyncio.sleep(start - now)

    @abc.abstractmethod
    async def send(self, items: list[OutboxItem]) -> list[Outcome]:
        """Send ``items`` (at most ``max_batch``); return one Outcome per item. Raise nothing
        for a failed delivery: an exception means every item failed for a passing reason."""

    async def close(self) -> None:
        """Release connections (none by default)."""


def failed_all(items: list[OutboxItem], error: str, permanent: bool = False) -> list[Outcome]:
    """Return the same failed Outcome for every item."""
    return [Outcome(i.id, False, error, permanent) for i in items]
