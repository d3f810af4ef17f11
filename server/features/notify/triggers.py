"""Triggers: what must be said, derived from what the store committed. Each ``Trigger`` names
the kinds it reads and turns a page of committed events into messages; the ``Deriver`` runs
every trigger from its cursor (a keyed record per trigger and node, ``notify_cursor``), woken by
the bus, and stores the messages before it moves the cursor. A node killed between a commit and
its messages derives them again when it starts; a message stored already is not stored twice
(its key), so two nodes deriving the same events add nothing."""
from __future__ import annotations

import abc
import asyncio
import logging
from typing import Any, ClassVar

from server.core.timefmt import now_micros
from server.store import EventQuery
from server.store.base import OutboxItem

log = logging.getLogger(__name__)
CURSOR = "notify_cursor"
PAGE = 500
RECHECK_S = 30.0


class Trigger(abc.ABC):
    """Turns committed events of ``kinds`` into messages (``name`` keys its cursor)."""

    name: ClassVar[str]
    kinds: ClassVar[frozenset[str]]

    @abc.abstractmethod
    async def messages(self, events: list[dict[str, Any]]) -> list[OutboxItem]:
        """Return the messages owed for ``events`` (committed versions, in seq order)."""


class Deriver:
    """Runs ``triggers`` over the store of ``core`` as ``node`` (see the module)."""

    def __init__(self, core: Any, triggers: list[Trigger], node: str) -> None:
        self.core = core
        self.triggers = triggers
        self.node = node
        self._wake = asyncio.Event()
        self._kinds = frozenset().union(*(t.kinds for t in triggers))

    def cursor_key(self, trigger: Trigger) -> str:
        """Return the record key of ``trigger``'s cursor on this node."""
        return f"{trigger.name}:{self.node}"

    def on_bus(self, events: list[dict[str, Any]]) -> None:
        """Wake the loop when an event a trigger reads was committed."""
        if any(ev.get("kind") in self._kinds for ev in events):
            self._wake.set()

    async def run(self) -> None:
        """Catch up, then again each time the bus brings an event a trigger reads (and every
        RECHECK_S, for a wake-up the bus lost)."""
        while True:
            for trigger in self.triggers:
                try:
                    await self.catch_up(trigger)
                except Exception:  # noqa: BLE001 - the store may be away: try again later
                    log.exception("notify: the %s trigger failed; will retry", trigger.name)
            try:
                async with asyncio.timeout(RECHECK_S):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()

    async def catch_up(self, trigger: Trigger) -> int:
        """Store the messages of the events committed since ``trigger``'s cursor; return how
        many new messages were stored."""
        key = self.cursor_key(trigger)
        cursor = ((await self.core.read(self.core.store.record, CURSOR, key)) or {}).get("seq", 0)
        added = 0
        while True:
            page = await self.core.read(self.core.store.since, cursor,
                                        EventQuery(kinds=trigger.kinds), PAGE)
            items = await trigger.messages(page.events) if page.events else []
            if items:
                added += await self.core.write(self.core.store.enqueue, items, now_micros())
            if page.next_since != cursor:
                cursor = page.next_since
                await self.core.write(self.core.store.put_records, CURSOR, {key: {"seq": cursor}},
                                      now_micros())
            if len(page.events) < PAGE:
                return added
