"""Key figures of field reports for the wall (``GET /api/v1/kpis``, group ``reports``): processed
%, on-time % and satisfaction % of the reports filed in the last ``window_days`` days, computed
by ``server.features.reports.kpis.compute`` over the desk's case book — the same figures as
``GET /api/v1/reports/kpis?by=all`` for that period. An agency's wall counts the cases it may
read (its own, its subtree's and those copied to it).
"""
from __future__ import annotations

from typing import Any, ClassVar

from server.core.auth import Principal
from server.core.kpis import Kpi, KpiContext, KpiGroup, KpiProvider, level
from server.store import CountQuery
from server.features.reports import kpis

DAY_US = 86_400_000_000
#: (KPIRow field = id suffix, label vi, label en); each a percentage where lower is worse.
FIGURES = (("processed_pct", "Đã xử lý", "Processed"),
           ("on_time_pct", "Đúng hạn", "On time"),
           ("satisfaction_pct", "Hài lòng", "Satisfied"))


REPORTS = KpiGroup("reports", "Phản ánh hiện trường", "Field reports", order=10)


class ReportsToday(KpiProvider):
    """Reports received since local midnight."""

    id = "reports.today"
    group = REPORTS

    async def items(self, ctx: KpiContext) -> list[Kpi]:
        """Return one figure: the count."""
        n = await ctx.total(kinds=frozenset({"report"}), received_from=ctx.day_start())
        return [Kpi(self.id, "Tiếp nhận hôm nay", "Received today", n, self.group.id)]


class OpenReports(KpiProvider):
    """Reports whose case is not closed."""

    id = "reports.open"
    group = REPORTS

    async def items(self, ctx: KpiContext) -> list[Kpi]:
        """Return one figure: the count."""
        n = await ctx.total(kinds=frozenset({"report"}), exclude_statuses=ctx.closed("report"))
        return [Kpi(self.id, "Đang xử lý", "Open", n, self.group.id)]


class OverdueCases(KpiProvider):
    """Open cases of any kind past their deadline (warn from 1, alarm from ``alarm_at``)."""

    id = "cases.overdue"
    group = REPORTS
    alarm_at: ClassVar[int] = 10

    async def items(self, ctx: KpiContext) -> list[Kpi]:
        """Return one figure: the count, with its level."""
        counts = await ctx.tally(CountQuery(agency_id=ctx.agency_id, deadline_before=ctx.now,
                                            group_by=("kind", "status")))
        n = sum(c for (kind, status), c in counts.items() if status not in ctx.closed(kind))
        return [Kpi(self.id, "Quá hạn xử lý", "Overdue", n, self.group.id,
                    status=level(n, 1, self.alarm_at))]


class ReportPerformance(KpiProvider):
    """Processed %, on-time % and satisfaction % over a rolling window (warn below
    ``warn_pct``, alarm at or below ``alarm_pct``; ``unknown`` while nothing defines them)."""

    id = "reports.performance"
    group = REPORTS
    warn_pct: ClassVar[float] = 90.0
    alarm_pct: ClassVar[float] = 80.0

    def __init__(self, desk: Any, window_days: int = 30):
        self.desk = desk
        self.window_days = window_days

    async def items(self, ctx: KpiContext) -> list[Kpi]:
        """Return three figures in percent with one decimal (None when undefined)."""
        await self.desk.ready()
        cases = self.desk.book.all()
        if ctx.agency_id is not None:
            agency = Principal(None, "agency", ctx.agency_id)
            cases = [c for c in cases if self.desk.can_see(agency, c)]
        start = ctx.now - self.window_days * DAY_US
        _, total = kpis.compute(cases, "all", ctx.now, start, None)
        days = self.window_days
        out = []
        for field, vi, en in FIGURES:
            value = getattr(total, field)
            out.append(Kpi(f"{self.id}.{field}", f"{vi} ({days} ngày)", f"{en} ({days} days)",
                           value, self.group.id, unit="%",
                           status=level(value, self.warn_pct, self.alarm_pct)))
        return out


def providers() -> list[KpiProvider]:
    """Return the report figures that stored events answer (the desk's come with the desk)."""
    return [ReportsToday(), OpenReports(), OverdueCases()]
