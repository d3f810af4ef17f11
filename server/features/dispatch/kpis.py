"""Key figures of flood operations for the wall (``GET /api/v1/kpis``, group ``rescue``): open
calls by priority with the longest wait, and responder units available and at work. They read
the dispatch book (the priority lives in the calls' props, which the store's counts cannot group
by); an agency's wall counts its own calls and units.
"""
from __future__ import annotations

from typing import Any

from server.core.auth import Principal, case_scope
from server.features.dispatch.book import is_open, priority
from server.core.kpis import Kpi, KpiContext, KpiGroup, KpiProvider, level
from server.core.timefmt import parse_rfc3339

RESCUE = KpiGroup("rescue", "Cứu nạn, cứu hộ", "Rescue", order=15)
MINUTE_US = 60_000_000
#: (warn, alarm) thresholds of the open calls of each priority.
PRIORITY_LEVELS = {1: (1, 1), 2: (1, 5), 3: (10, 30), 4: (20, 60)}
WAIT_LEVELS = (15, 30)  # minutes the longest-waiting unassigned call has waited
WORKING = ("assigned", "en_route", "on_scene")


def _in_scope(desk: Any, ctx: KpiContext, ev: dict[str, Any]) -> bool:
    if ctx.agency_id is None:
        return True
    agency = Principal(None, "agency", ctx.agency_id)
    return case_scope(agency, ev["agency_id"], ev["copied_to"], desk.core.router.agencies.subtree)


class DeskFigures(KpiProvider):
    """A provider that reads the dispatch desk's book (waits until it is read)."""

    group = RESCUE

    def __init__(self, desk: Any):
        self.desk = desk


class OpenCallsByPriority(DeskFigures):
    """Open SOS and hotline calls per priority, and the longest wait of a call without a unit."""

    id = "rescue.calls"

    async def items(self, ctx: KpiContext) -> list[Kpi]:
        """Return one figure per priority (1 … 4) and the longest wait in minutes."""
        await self.desk.ready()
        calls = [c for c in self.desk.book.calls.values()
                 if is_open(c) and _in_scope(self.desk, ctx, c)]
        counts = {p: 0 for p in PRIORITY_LEVELS}
        for call in calls:
            counts[priority(call)] += 1
        out = [Kpi(f"{self.id}.p{p}", f"SOS mức {p}" + (" (khẩn cấp nhất)" if p == 1 else ""),
                   f"SOS priority {p}" + (" (most urgent)" if p == 1 else ""), n, self.group.id,
                   status=level(n, *PRIORITY_LEVELS[p])) for p, n in counts.items()]
        waiting = [ctx.now - parse_rfc3339(c["observed_at"]) for c in calls
                   if c["status"] in ("new", "triaged")]
        longest = round(max(waiting) / MINUTE_US) if waiting else 0
        out.append(Kpi(f"{self.id}.longest_wait", "Chờ lâu nhất chưa có đội",
                       "Longest wait for a unit", longest, self.group.id, unit="min",
                       status=level(longest, *WAIT_LEVELS)))
        return out


class UnitsAvailable(DeskFigures):
    """Responder units ready for a case, and those at work."""

    id = "rescue.units"

    async def items(self, ctx: KpiContext) -> list[Kpi]:
        """Return units available (alarm at 0 while calls wait) and units at work."""
        await self.desk.ready()
        units = [u for u in self.desk.book.units.values()
                 if ctx.agency_id is None or u["agency_id"] == ctx.agency_id]
        free = sum(u["status"] == "available" for u in units)
        busy = sum(u["status"] in WORKING for u in units)
        waiting = any(c["status"] in ("new", "triaged") for c in self.desk.book.calls.values())
        status = "alarm" if not free and waiting else "warn" if not free else "ok"
        return [Kpi(f"{self.id}.available", "Đội sẵn sàng", "Units available", free,
                    self.group.id, status=status if units else "unknown"),
                Kpi(f"{self.id}.working", "Đội đang làm nhiệm vụ", "Units at work", busy,
                    self.group.id)]


def providers(desk: Any) -> list[KpiProvider]:
    """Return the providers of flood operations for ``core.kpis``."""
    return [OpenCallsByPriority(desk), UnitsAvailable(desk)]
