"""Play a case scenario (e.g. ``scenarios.normal_month``) through the real pipeline: each report
is filed at its time through ``ReportDesk.file``, then the steps of its plan are taken by its
unit, its supervisor and its citizen through ``ReportDesk.transition`` — the same validation,
routing, duplicate detection, lifecycle checks, audit and streaming as real users.

With a ManualClock (tests, ``ioc report``) pass ``advance=clock.set``: the clock jumps to each
item's time and ``tick_s`` runs the desk's timer; live (the demo) the clock runs on its own and
the desk's background timer escalates and closes.
"""
from __future__ import annotations

import heapq
import logging
import zlib
from collections import Counter
from typing import TYPE_CHECKING, Any, Callable, Iterator

from scenarios.normal_month import Plan, Step
from server.core.auth import Principal
from server.core.errors import IOCError
from server.core.timefmt import to_rfc3339

if TYPE_CHECKING:
    from server.features.reports.desk import ReportDesk

log = logging.getLogger(__name__)
HOUR_US = 3_600_000_000
APP = Principal("sim:hue-s", "public")


class MonthDriver:
    """A queue of timed filings and plan steps, run in time order."""

    def __init__(self, desk: "ReportDesk", scenario: Any, seed: int, start_us: int, run_id: str,
                 advance: Callable[[int], None] | None = None, tick_s: float | None = None):
        self.desk = desk
        self.scenario = scenario
        self.run_id = run_id
        self.advance = advance
        self.stats: Counter[str] = Counter()
        self._queue: list[tuple[int, int, str, Any]] = []
        self._order = 0
        self.start_us = start_us
        for i, (timed, plan) in enumerate(scenario.cases(seed)):
            self._push(start_us + int(timed.offset_s * 1_000_000), "file", (i, timed.event, plan))
        self.end_us = self._queue[-1][0] if self._queue else start_us
        self._tick_us = int(tick_s * 1_000_000) if tick_s else None
        if self._tick_us:
            self._push(start_us + self._tick_us, "tick", None)

    def _push(self, at: int, kind: str, data: Any) -> None:
        self._order += 1
        heapq.heappush(self._queue, (at, self._order, kind, data))

    def pending(self) -> int:
        """Return how many filings and steps are still queued (ticks aside)."""
        return sum(1 for item in self._queue if item[2] != "tick")

    def _due(self, until_us: int) -> Iterator[tuple[int, str, Any]]:
        while self._queue and self._queue[0][0] <= until_us:
            at, _, kind, data = heapq.heappop(self._queue)
            yield at, kind, data

    async def run_until(self, until_us: int) -> Counter[str]:
        """Process everything due up to ``until_us`` in time order; return the running stats."""
        for at, kind, data in self._due(until_us):
            if self.advance is not None:
                self.advance(at)
            if kind == "file":
                await self._file(at, *data)
            elif kind == "step":
                await self._step(*data)
            else:
                await self._tick(at)
        return self.stats

    async def _tick(self, at: int) -> None:
        done = await self.desk.tick()
        self.stats["escalated"] += len(done["escalated"])
        self.stats["autoclosed"] += len(done["closed"])
        if self.pending():
            self._push(at + self._tick_us, "tick", None)

    async def _file(self, at: int, i: int, event: dict[str, Any], plan: Plan) -> None:
        ref = f"{self.scenario.name}:{self.run_id}:{i}"
        doc = {**event, "observed_at": to_rfc3339(at, self.desk.tz),
               "source": {**event.get("source", {}), "ref": ref}}
        try:
            filing = await self.desk.file(doc, APP)
        except IOCError as err:
            log.warning("scenario report %d refused: %s", i, err.message)
            self.stats["refused"] += 1
            return
        case = filing["case"]
        self.stats["filed"] += 1
        if case["status"] == "duplicate":
            self.stats["duplicates"] += 1
            return
        for step in plan:
            self._push(at + int(step.at_h * HOUR_US), "step", (case["id"], step))

    async def _step(self, case_id: str, step: Step) -> None:
        case = self.desk.book.get(case_id)
        doc = {"action": step.action, **step.payload}
        if doc.get("agency_id") == "@other":
            doc["agency_id"] = self._other_unit(case.agency_id, case_id)
            if doc["agency_id"] is None:
                return
        try:
            await self.desk.transition(case_id, doc, self._actor(step.actor, case))
            self.stats[step.action] += 1
        except IOCError as err:
            log.debug("step %s on %s skipped: %s", step.action, case_id, err.message)
            self.stats["skipped"] += 1

    def _actor(self, actor: str, case: Any) -> Principal:
        if actor == "citizen":
            return self.desk.citizen(self.desk.tokens.issue(case.id))
        if actor == "supervisor":
            unit = self.desk.core.router.agencies.get(case.agency_id)
            parent = unit.parent if unit else None
            return Principal("sim:supervisor", "supervisor", parent)
        return Principal(f"sim:{case.agency_id}", "agency", case.agency_id)

    def _other_unit(self, agency_id: str, case_id: str) -> str | None:
        agencies = self.desk.core.router.agencies
        unit = agencies.get(agency_id)
        peers = sorted(a.id for a in agencies.all()
                       if unit and a.type == unit.type and a.id != agency_id)
        return peers[zlib.crc32(case_id.encode()) % len(peers)] if peers else None
