"""The figures the IOC lives by, per unit, commune or category, as plain functions over cases.

For the cases filed (``observed_at``) in a period (duplicates are counted apart, not as cases):

- ``received``: cases filed;
- ``processed``: resolved, closed or rejected (questions: answered) — ``processed_pct`` of received;
- ``on_time`` / ``late_extended`` / ``late``: resolved cases by class (see ``lifecycle.classify``),
  each ``…_pct`` of the classed ones;
- ``satisfaction_pct``: ratings *satisfied* or *accepted* among the rated cases;
- ``median_handling_h``: median hours from filing to result;
- ``overdue_now``: open past the deadline at ``now``; ``open``: still waiting for their unit.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Callable, Iterable

from geo.router import Router
from server.features.reports.casebook import DONE, Case
from server.core.timefmt import to_micros

GROUPINGS = ("agency", "area", "category", "all")
HOUR_US = 3_600_000_000


@dataclass
class KPIRow:
    """The figures of one group (percentages 0–100 with one decimal, None when undefined)."""

    key: str
    received: int = 0
    processed: int = 0
    processed_pct: float | None = None
    on_time: int = 0
    late_extended: int = 0
    late: int = 0
    on_time_pct: float | None = None
    late_extended_pct: float | None = None
    late_pct: float | None = None
    rated: int = 0
    satisfied: int = 0
    accepted: int = 0
    not_satisfied: int = 0
    satisfaction_pct: float | None = None
    median_handling_h: float | None = None
    overdue_now: int = 0
    open: int = 0
    duplicates: int = 0

    def to_json(self) -> dict:
        """Return the row as a dict."""
        return asdict(self)


def pct(part: int, whole: int) -> float | None:
    """Return ``part/whole`` in percent with one decimal, or None when ``whole`` is 0."""
    return round(100.0 * part / whole, 1) if whole else None


def _key(case: Case, by: str) -> str:
    if by == "all":
        return "all"
    value = {"agency": case.agency_id, "area": case.area, "category": case.category}[by]
    return value or "-"


class _Acc:
    """Accumulates one group."""

    def __init__(self, key: str):
        self.row = KPIRow(key)
        self.handling: list[float] = []

    def add(self, case: Case, now: int) -> None:
        row = self.row
        if case.duplicate_of is not None:
            row.duplicates += 1
            return
        row.received += 1
        row.processed += case.status in DONE
        row.open += case.is_open
        row.overdue_now += case.overdue(now)
        if case.outcome in ("on_time", "late_extended", "late") and case.resolved_at is not None:
            setattr(row, case.outcome, getattr(row, case.outcome) + 1)
            self.handling.append((case.resolved_at - case.observed_at) / HOUR_US)
        if case.rating in ("satisfied", "accepted", "not_satisfied"):
            row.rated += 1
            setattr(row, case.rating, getattr(row, case.rating) + 1)

    def finish(self) -> KPIRow:
        row = self.row
        classed = row.on_time + row.late_extended + row.late
        row.processed_pct = pct(row.processed, row.received)
        row.on_time_pct = pct(row.on_time, classed)
        row.late_extended_pct = pct(row.late_extended, classed)
        row.late_pct = pct(row.late, classed)
        row.satisfaction_pct = pct(row.satisfied + row.accepted, row.rated)
        if self.handling:
            row.median_handling_h = round(statistics.median(self.handling), 1)
        return row


def compute(cases: Iterable[Case], by: str, now: int, start: int | None = None,
            end: int | None = None, kind: str = "report") -> tuple[list[KPIRow], KPIRow]:
    """Return (one row per group sorted by key, the total) for ``kind`` cases filed in
    ``[start, end)`` (None: unbounded); ``by`` is one of GROUPINGS."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}")
    groups: dict[str, _Acc] = {}
    total = _Acc("all")
    for case in cases:
        if case.kind != kind or (start is not None and case.observed_at < start) \
                or (end is not None and case.observed_at >= end):
            continue
        key = _key(case, by)
        groups.setdefault(key, _Acc(key)).add(case, now)
        total.add(case, now)
    return [groups[k].finish() for k in sorted(groups)], total.finish()


def kpi_document(rows: list[KPIRow], total: KPIRow, by: str,
                 label: Callable[[str], dict[str, str]]) -> dict:
    """Return ``{"by", "rows": [{…figures, "label": {vi, en}}], "total": {…}}``."""
    return {"by": by, "rows": [{**r.to_json(), "label": label(r.key)} for r in rows],
            "total": total.to_json()}


def group_label(router: Router, by: str, key: str) -> dict[str, str]:
    """Return ``{vi, en}`` naming a KPI group (a unit, a commune, a category, the city)."""
    if by == "agency":
        unit = router.agencies.get(key)
        return {"vi": unit.vi, "en": unit.en} if unit else {"vi": key, "en": key}
    if by == "category":
        cat = router.categories.get(key)
        return {"vi": cat.vi, "en": cat.en} if cat else {"vi": key, "en": key}
    if by == "area":
        try:
            area = router.areaset.by_code(key)
        except KeyError:
            return {"vi": "Ngoài địa giới xã", "en": "Outside the communes"}
        return {"vi": area.full_name, "en": f"{area.type} {area.name}".strip()}
    return {"vi": "Toàn thành phố", "en": "Whole city"}


def month_bounds(month: str, tz: timezone) -> tuple[int, int]:
    """Return [start, end) of calendar month ``YYYY-MM`` in ``tz`` as epoch microseconds;
    raise ValueError for another shape."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise ValueError(f"month must be YYYY-MM, got {month!r}")
    year, mon = (int(p) for p in month.split("-"))
    start = datetime(year, mon, 1, tzinfo=tz)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=tz)
    return to_micros(start), to_micros(end)
