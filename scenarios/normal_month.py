"""A calibrated normal month of field reports, with what happens to each of them.

Volume: Huế's IOC received 124,000+ reports in about five years, roughly 2,000 a month; this
month has ``REPORTS_PER_MONTH`` over 30 days, more on weekdays and by day (the daily pattern and
category mix of ``normal_day``). About 3% are the same problem reported again nearby by someone
else (the pipeline links them as duplicates).

Outcomes are calibrated to the published figures: 97–98% processed; of the resolved, 51% on time
and the rest late with an approved extension or late; 90.8% of the ratings satisfied or
accepting. Each report comes with a ``Plan``: the steps its unit, its supervisor and its citizen
take (hours after filing). ``scenarios.month_driver.MonthDriver`` plays reports and plans
through the real pipeline; ``events(seed)`` alone is a plain scenario for ``ioc replay``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from geo.categories import CategoryRegistry
from scenarios.base import Timed
from scenarios.normal_day import HOURLY, NormalDay

DAY_S = 24 * 3600.0
MONTH_DAYS = 30
REPORTS_PER_MONTH = 2000
WEEKDAY = np.array([1.1, 1.1, 1.05, 1.05, 1.0, 0.85, 0.75])  # Monday … Sunday
P_REPEAT = 0.03  # reported again nearby by someone else within a day
P_PHONE_IN_TEXT = 0.05  # the citizen typed a phone number into the description
# Fates of a report (the rest are resolved); classes of the resolved.
P_UNPROCESSED, P_REJECTED, P_TRANSFERRED = 0.022, 0.01, 0.04
CLASSES = {"on_time": 0.495, "late_extended": 0.41, "late": 0.095}
# Citizens: who rates, how, who disputes, and how they rate the second result.
P_RATED = 0.65
FIRST_RATING = {"satisfied": 0.70, "accepted": 0.19, "not_satisfied": 0.11}
P_DISPUTE = 0.4  # of the not satisfied
SECOND_RATING = {"satisfied": 0.4, "accepted": 0.2, "not_satisfied": 0.4}
RESULTS = ["Đã xử lý xong, khu vực đã được dọn sạch.", "Đơn vị đã khắc phục sự cố.",
           "Đã kiểm tra, nhắc nhở và xử lý vi phạm theo quy định.",
           "Đã sửa chữa, hoạt động bình thường."]


@dataclass(frozen=True)
class Step:
    """One step of a plan: ``at_h`` hours after filing, ``actor`` (unit, supervisor, citizen)
    takes ``action`` with ``payload`` (``agency_id: "@other"`` = another unit of the type)."""

    at_h: float
    actor: str
    action: str
    payload: dict[str, Any] = field(default_factory=dict)


Plan = tuple[Step, ...]


def _pick(rng: np.random.Generator, table: dict[str, float]) -> str:
    keys = list(table)
    p = np.array([table[k] for k in keys])
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _resolve_at(rng: np.random.Generator, cls: str, h: float, start: float) -> tuple[float, list]:
    """Return (hours of the result, extra steps) for a resolution class of deadline ``h``."""
    if cls == "on_time":
        return start + rng.uniform(0.25, 0.95) * h, []
    if cls == "late_extended":
        ask = start + 0.8 * h
        steps = [Step(ask, "unit", "request_extension",
                      {"hours": h, "reason": "Cần thêm thời gian phối hợp, vật tư"}),
                 Step(ask + min(rng.uniform(0.5, 3.0), 0.2 * h), "supervisor",
                      "approve_extension")]
        return start + rng.uniform(1.05, 1.95) * h, steps
    return start + rng.uniform(1.1, 2.5) * h, []


def _rating_steps(rng: np.random.Generator, at: float, h: float) -> list[Step]:
    """Return what the citizen does after a result published at ``at`` hours."""
    if rng.random() >= P_RATED:
        return []
    first = _pick(rng, FIRST_RATING)
    when = at + rng.uniform(2, 96)
    if first != "not_satisfied" or rng.random() >= P_DISPUTE:
        return [Step(when, "citizen", "rate", {"rating": first})]
    again = when + rng.uniform(0.5, 0.9) * h
    return [Step(when, "citizen", "dispute", {"reason": "Chưa xử lý triệt để"}),
            Step(when + 1.0, "unit", "accept"),
            Step(again, "unit", "resolve", {"reason": RESULTS[1]}),
            Step(again + rng.uniform(2, 48), "citizen", "rate",
                 {"rating": _pick(rng, SECOND_RATING)})]


def plan_for(rng: np.random.Generator, h: float) -> Plan:
    """Return a seeded plan for a report whose category gives ``h`` hours."""
    fate = rng.random()
    accept = rng.uniform(0.02, 0.1) * h
    if fate < P_UNPROCESSED:
        return (Step(accept, "unit", "accept"),)
    if fate < P_UNPROCESSED + P_REJECTED:
        ask = rng.uniform(0.1, 0.3) * h
        return (Step(ask, "unit", "request_reject", {"reason": "Nội dung thuộc quan hệ dân sự, "
                                                               "đề nghị khởi kiện tại tòa án"}),
                Step(ask + rng.uniform(1, 6), "supervisor", "confirm_reject"))
    steps: list[Step] = []
    start = 0.0
    if fate < P_UNPROCESSED + P_REJECTED + P_TRANSFERRED:
        start = accept
        steps.append(Step(accept, "unit", "transfer",
                          {"agency_id": "@other", "reason": "Không thuộc địa bàn quản lý"}))
        accept = start + rng.uniform(0.02, 0.1) * h
    steps += [Step(accept, "unit", "accept"), Step(accept + 0.5, "unit", "start")]
    at, extra = _resolve_at(rng, _pick(rng, CLASSES), h, start)
    steps += extra + [Step(max(at, accept + 0.6), "unit", "resolve",
                           {"reason": RESULTS[int(rng.integers(len(RESULTS)))]})]
    steps += _rating_steps(rng, max(at, accept + 0.6), h)
    return tuple(sorted(steps, key=lambda s: s.at_h))


class NormalMonth(NormalDay):
    """~2,000 field reports over 30 days, each with a calibrated plan."""

    name = "normal_month"
    title_vi = "Một tháng bình thường"
    title_en = "A normal month"

    def __init__(self, volume: int = REPORTS_PER_MONTH) -> None:
        super().__init__()
        self.volume = volume
        cats = CategoryRegistry.load().for_kind("report")
        self.deadlines = {c.code: c.deadline_hours or 72 for c in cats}
        self.questions = {c.code: c.attributes for c in cats}

    def duration_s(self) -> float:
        """Return 30 days in seconds."""
        return MONTH_DAYS * DAY_S

    def _offsets(self, rng: np.random.Generator) -> np.ndarray:
        day_w = np.array([WEEKDAY[d % 7] for d in range(MONTH_DAYS)])
        p = (day_w[:, None] * HOURLY[None, :]).ravel()
        slots = rng.choice(p.size, size=self.volume, p=p / p.sum())
        return np.sort(slots * 3600.0 + rng.uniform(0, 3600.0, self.volume))

    def cases(self, seed: int) -> Iterator[tuple[Timed, Plan]]:
        """Yield (report, plan) in time order; repeats of earlier reports have no plan."""
        rng = np.random.default_rng(seed)
        recent: list[tuple[float, dict]] = []
        for i, t in enumerate(self._offsets(rng)):
            recent = [(s, e) for s, e in recent if t - s < DAY_S]
            if recent and rng.random() < P_REPEAT:
                yield Timed(float(t), self._repeat(rng, recent, i)), ()
                continue
            event = self.report(rng, i)
            answers = self._answers(rng, event["category"])
            if answers:
                event["props"]["attributes"] = answers
            if rng.random() < P_PHONE_IN_TEXT:
                event["props"]["description"] += f" Liên hệ 09{rng.integers(10**7, 10**8)}."
            recent.append((float(t), event))
            yield Timed(float(t), event), plan_for(rng, self.deadlines[event["category"]])

    def _answers(self, rng: np.random.Generator, category: str) -> dict[str, Any]:
        """Return answers to the category's list and number questions (required ones always)."""
        out: dict[str, Any] = {}
        for q in self.questions.get(category, ()):
            if not (q.get("required") or rng.random() < 0.3):
                continue
            keys = [v["key"] for v in q.get("values", [])]
            if q["datatype"] == "singlevaluelist":
                out[q["code"]] = keys[int(rng.integers(len(keys)))]
            elif q["datatype"] == "multivaluelist":
                out[q["code"]] = [k for k in keys if rng.random() < 0.5] or keys[:1]
            elif q["datatype"] == "number":
                out[q["code"]] = round(float(rng.uniform(1, 20)), 1)
        return out

    def _repeat(self, rng: np.random.Generator, recent: list, i: int) -> dict:
        _, first = recent[int(rng.integers(len(recent)))]
        return {**first, "lat": round(first["lat"] + rng.uniform(-2e-4, 2e-4), 6),
                "lon": round(first["lon"] + rng.uniform(-2e-4, 2e-4), 6),
                "props": {**first["props"], "title": f"Phản ánh #{i + 1}"}}

    def events(self, seed: int) -> Iterator[Timed]:
        """Yield the month's reports (without plans) in time order."""
        for timed, _ in self.cases(seed):
            yield timed
