"""Fan-out of live events to websocket subscribers.

Every ``flush_interval`` the events published since the last flush go out as one frame per group
of subscribers that share filters, view and position: the frame is serialised once per group and
the same bytes are written to every member. A subscriber that is behind (new, resuming with
``since``, or one that missed a batch) first catches up from the store, page by page, then joins
the live stream; the cursor (highest seq delivered or skipped) makes sure nothing is sent twice or
missed. No Tornado here: subscribers are anything with ``send_frame`` and ``congested``.

**Back-pressure.** A frame is encoded once per group whatever the group's size, and writing it
to a slow client only queues bytes on that client's connection: the others never wait. A client
whose queue passes the soft mark (``congested()``) is taken out of the live stream: it gets,
once per flush, a small ``{"op": "summary"}`` frame (counts by kind and by H3 res-6 cell of the
events it was not sent; one encoding per group) until it has drained its queue; then it catches
up from the store from its cursor, page by page, and rejoins the live stream: nothing is lost or
sent twice. A client whose queue passes the hard mark is closed by its sink (websocket: 1013).

**Live-only events.** A feed may publish events that are not stored (e.g. AIS positions thinned
out by write down-sampling) with ``publish_live``. They carry ``"seq": null`` and go out, at the
same flush and after that flush's stored events, as ``{"op": "live", "events": [...]}`` to the
subscribers that are live at that moment (filters and view applied as for stored events). They
are never replayed: a subscriber that is catching up, or that reconnects with ``since``, gets the
stored events only. Live-only events are local to this node (they do not cross the bus).
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Protocol

import h3
import orjson

from server.core.auth import View
from server.store.base import EventQuery, Page

log = logging.getLogger(__name__)

PageReader = Callable[[int, EventQuery, int], Awaitable[Page]]
Renderer = Callable[[dict[str, Any], View], dict[str, Any]]
SUMMARY_RES = 6


class Sink(Protocol):
    """A connected client."""

    def send_frame(self, frame: bytes) -> bool:
        """Queue a text frame; return False if the client is gone or too slow (then drop it)."""

    def congested(self) -> bool:
        """Return True while the client has more queued than it should (soft mark)."""

    def drop(self, reason: str) -> None:
        """The hub gave up on this client (detached): close it, saying ``reason``, so that it
        reconnects and resumes with ``since``."""


@dataclass(eq=False)
class Subscription:
    """A sink, what it asked for, what it may see, and how far it has got."""

    sink: Sink
    query: EventQuery
    view: View
    cursor: int
    live: bool = False
    degraded: bool = False
    task: asyncio.Task | None = field(default=None, repr=False)

    def group_key(self) -> tuple:
        """Return the key of subscribers that can share one frame."""
        return (self.query, self.view, self.cursor)


def events_frame(events: list[dict[str, Any]], last_seq: int) -> bytes:
    """Return the frame ``{"op": "events", "events": [...], "last_seq": N}`` as JSON bytes."""
    return orjson.dumps({"op": "events", "events": events, "last_seq": last_seq})


def summary_frame(events: list[dict[str, Any]], last_seq: int) -> bytes:
    """Return ``{"op": "summary", "last_seq": N, "events": n, "kinds": {kind: n},
    "cells": {res-6 H3 cell: n}}``: what a congested client was not sent (it follows later)."""
    kinds: dict[str, int] = {}
    cells: dict[str, int] = {}
    for ev in events:
        kinds[ev["kind"]] = kinds.get(ev["kind"], 0) + 1
        parent = _parent(ev.get("cell"))
        cells[parent] = cells.get(parent, 0) + 1
    return orjson.dumps({"op": "summary", "last_seq": last_seq, "events": len(events),
                         "kinds": kinds, "cells": cells})


def _parent(cell: str | None, res: int = SUMMARY_RES) -> str:
    """Return the res-``res`` parent of an H3 cell (hex), or "" when the event has none."""
    if not cell:
        return ""
    return cell if h3.get_resolution(cell) <= res else h3.cell_to_parent(cell, res)


def live_frame(events: list[dict[str, Any]]) -> bytes:
    """Return the frame ``{"op": "live", "events": [...]}`` (live-only events, no seq)."""
    return orjson.dumps({"op": "live", "events": events})


class Hub:
    """Subscriptions and the periodic flush."""

    def __init__(self, read_page: PageReader, render: Renderer, flush_interval: float = 0.1,
                 page_size: int = 1000, per_event: bool = False):
        self._read_page = read_page
        self._render = render
        self.flush_interval = flush_interval
        self.page_size = page_size
        #: The naive broadcast (one message per event and subscriber), for benchmarks only.
        self.per_event = per_event
        self._subs: dict[int, Subscription] = {}
        self._pending: list[dict[str, Any]] = []
        self._live: list[dict[str, Any]] = []
        self.head = 0  # highest seq flushed to live subscribers
        self._task: asyncio.Task | None = None

    def start(self, head: int) -> None:
        """Start the flush loop; ``head`` is the store's last seq at start."""
        self.head = head
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop flushing and cancel catch-up tasks."""
        for sub in list(self._subs.values()):
            self.detach(sub.sink)
        if self._task:
            self._task.cancel()

    def publish(self, events: list[dict[str, Any]]) -> None:
        """Bus listener: queue committed events (ascending seq) for the next flush."""
        self._pending.extend(events)

    def publish_live(self, events: list[dict[str, Any]]) -> None:
        """Queue live-only events (wire form with ``seq`` None) for the next flush; see above."""
        self._live.extend(events)

    def attach(self, sub: Subscription) -> None:
        """Add (or replace) the subscription of ``sub.sink`` and start its catch-up."""
        self.detach(sub.sink)
        self._subs[id(sub.sink)] = sub
        sub.task = asyncio.get_running_loop().create_task(self._catch_up(sub))

    def detach(self, sink: Sink) -> None:
        """Forget the subscription of ``sink``, if any."""
        sub = self._subs.pop(id(sink), None)
        if sub and sub.task and not sub.task.done():
            sub.task.cancel()

    @property
    def subscriber_count(self) -> int:
        """Return how many subscriptions are attached."""
        return len(self._subs)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the loop must survive a bad batch
                log.exception("flush failed")

    def flush(self) -> None:
        """Send the pending batch, then the live-only events, to every live subscriber (one
        encoding per group)."""
        if not self._pending and not self._live:
            return
        batch, self._pending = sorted(self._pending, key=lambda e: e["seq"]), []
        live, self._live = self._live, []
        prev = self.head
        if batch:
            self.head = max(self.head, batch[-1]["seq"])
        for members in self._live_groups(prev).values():
            if batch and self.per_event:
                self._send_each(members, batch)
            elif batch:
                self._send_group(members, batch)
            if live:
                self._send_live(members, live)
        if batch:
            self._send_summaries(batch)

    def _live_groups(self, prev: int) -> dict[tuple, list[Subscription]]:
        groups: dict[tuple, list[Subscription]] = {}
        for sub in list(self._subs.values()):
            if not sub.live:
                continue
            congested = sub.sink.congested()
            if sub.cursor < prev or congested:
                sub.degraded = congested
                self._fall_behind(sub)
                continue
            groups.setdefault(sub.group_key(), []).append(sub)
        return groups

    def _send_live(self, members: list[Subscription], live: list[dict[str, Any]]) -> None:
        first = members[0]
        chosen = [self._render(e, first.view) for e in live if first.query.matches(e)]
        if not chosen:
            return
        frame = live_frame(chosen)
        for sub in members:
            if self._subs.get(id(sub.sink)) is sub and not sub.sink.send_frame(frame):
                self.detach(sub.sink)

    def _send_group(self, members: list[Subscription], batch: list[dict[str, Any]]) -> None:
        first = members[0]
        chosen = [e for e in batch if e["seq"] > first.cursor and first.query.matches(e)]
        frame = (events_frame([self._render(e, first.view) for e in chosen], self.head)
                 if chosen else None)
        for sub in members:
            sub.cursor = max(sub.cursor, self.head)  # a catch-up may have read past the head
            if frame is not None and not sub.sink.send_frame(frame):
                self.detach(sub.sink)

    def _send_each(self, members: list[Subscription], batch: list[dict[str, Any]]) -> None:
        """The naive broadcast: every event encoded and sent on its own, for every member."""
        for sub in members:
            for ev in batch:
                if self._subs.get(id(sub.sink)) is not sub:
                    break
                if ev["seq"] > sub.cursor and sub.query.matches(ev):
                    frame = events_frame([self._render(ev, sub.view)], ev["seq"])
                    if not sub.sink.send_frame(frame):
                        self.detach(sub.sink)
            sub.cursor = max(sub.cursor, self.head)

    def _send_summaries(self, batch: list[dict[str, Any]]) -> None:
        groups: dict[tuple, list[Subscription]] = {}
        for sub in list(self._subs.values()):
            if sub.degraded:
                groups.setdefault((sub.query, sub.view), []).append(sub)
        for (query, _view), members in groups.items():
            missed = [e for e in batch if query.matches(e)]
            if not missed:
                continue
            frame = summary_frame(missed, self.head)
            for sub in members:
                if self._subs.get(id(sub.sink)) is sub and not sub.sink.send_frame(frame):
                    self.detach(sub.sink)

    async def _drained(self, sub: Subscription) -> None:
        """Wait while the client is congested (it gets summaries meanwhile)."""
        while sub.sink.congested() and self._subs.get(id(sub.sink)) is sub:
            sub.degraded = True
            await asyncio.sleep(self.flush_interval)
        sub.degraded = False

    def _fall_behind(self, sub: Subscription) -> None:
        sub.live = False
        sub.task = asyncio.get_running_loop().create_task(self._catch_up(sub))

    async def _catch_up(self, sub: Subscription) -> None:
        """Page through the store from the cursor until level with the live stream."""
        try:
            while True:
                await self._drained(sub)
                page = await self._read_page(sub.cursor, sub.query, self.page_size)
                if page.events:
                    frame = events_frame([self._render(e, sub.view) for e in page.events],
                                         page.next_since)
                    if not sub.sink.send_frame(frame):
                        self.detach(sub.sink)
                        return
                sub.cursor = max(sub.cursor, page.next_since)
                if len(page.events) < self.page_size and sub.cursor >= self.head:
                    sub.live = True
                    return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - report and drop this subscriber only
            log.warning("catch-up failed (%s); closing the subscriber so that it resumes", exc)
            self.detach(sub.sink)
            sub.sink.drop("the store could not be read: reconnect with since=last_seq")
