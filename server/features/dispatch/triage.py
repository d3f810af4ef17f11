"""Triage of emergency calls: **one table** of rules turns a call's needs and conditions into a
score, and the score into a priority (1 = most urgent … 4). Every rule that fires is named in
``reasons`` (``code:+points``), so the operator sees why; an operator may override the priority
with a reason (``server.features.dispatch.lifecycle``, action ``triage``). The table is documented
in docs/FLOOD_OPERATIONS.md and served at ``GET /api/v1/calls/triage-rules``.

The category of the call counts as a need where it says one (``sos.labour`` is labour even when
the needs list is empty). Waiting time counts while nobody is assigned, so an old call climbs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

MINUTE_US = 60_000_000

#: Needs implied by a category (a call may say them in ``needs`` too).
CATEGORY_NEEDS: dict[str, str] = {
    "sos.medical": "medical", "sos.labour": "labour", "sos.trapped": "trapped",
    "sos.drowning": "drowning", "sos.fire": "fire", "sos.at_sea": "at_sea",
    "sos.isolated": "isolated", "rescue.patient_transport": "medical",
    "rescue.evacuation": "evacuation", "rescue.boat": "evacuation",
    "rescue.supplies": "food_water",
}
#: The category an SOS from the app gets from its needs (the first that matches; else
#: ``sos.other``); the hotline page proposes the same.
NEED_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("labour", "sos.labour"), ("cardiac", "sos.medical"), ("medical", "sos.medical"),
    ("trapped", "sos.trapped"), ("evacuation", "rescue.evacuation"),
    ("food_water", "rescue.supplies"))
DEFAULT_CATEGORY = "sos.other"
#: Score → priority: the first cut the score reaches (else priority 4).
PRIORITY_CUTS: tuple[tuple[float, int], ...] = ((60, 1), (35, 2), (15, 3))
LOWEST = 4
#: The event severity of each priority (the wall and the feeds read ``severity``).
SEVERITIES = {1: "extreme", 2: "severe", 3: "moderate", 4: "minor"}


@dataclass(frozen=True)
class Situation:
    """What the rules look at: needs (given and implied), water, people, waiting, repeats."""

    needs: frozenset[str]
    water_depth_m: float | None
    people: int
    waiting_min: float
    repeats: int

    def depth(self, low: float, high: float = float("inf")) -> bool:
        """Return True if the water depth is known and in [low, high)."""
        return self.water_depth_m is not None and low <= self.water_depth_m < high


@dataclass(frozen=True)
class Rule:
    """A row: ``points`` per unit of ``amount`` (1 for a condition that holds), at most ``cap``."""

    code: str
    vi: str
    en: str
    points: float
    amount: Callable[[Situation], float]
    cap: float | None = None

    def score(self, s: Situation) -> float:
        """Return what this rule adds for ``s`` (0 when it does not fire)."""
        total = self.points * float(self.amount(s))
        return min(total, self.cap) if self.cap is not None else total

    def to_json(self) -> dict[str, Any]:
        """Return ``{code, vi, en, points, cap}``."""
        return {"code": self.code, "vi": self.vi, "en": self.en, "points": self.points,
                "cap": self.cap}


def need(name: str) -> Callable[[Situation], bool]:
    """Return a test: the situation has need ``name``."""
    return lambda s: name in s.needs


RULES: tuple[Rule, ...] = (
    Rule("need.labour", "Sản phụ chuyển dạ", "Woman in labour", 60, need("labour")),
    Rule("need.cardiac", "Bệnh tim, ngừng thở", "Cardiac or breathing emergency", 60,
         need("cardiac")),
    Rule("danger.drowning", "Có người đuối nước", "Someone drowning", 60, need("drowning")),
    Rule("danger.fire", "Cháy, nổ", "Fire or explosion", 50, need("fire")),
    Rule("need.medical", "Cần cấp cứu y tế", "Medical emergency", 40, need("medical")),
    Rule("need.trapped", "Bị mắc kẹt", "Trapped", 35, need("trapped")),
    Rule("danger.at_sea", "Gặp nạn trên biển", "In distress at sea", 35, need("at_sea")),
    Rule("trapped.rising_water", "Mắc kẹt khi nước ≥ 1 m", "Trapped with water at 1 m or more",
         20, lambda s: "trapped" in s.needs and s.depth(1.0)),
    Rule("need.elderly_alone", "Người già ở một mình", "Elderly person alone", 25,
         need("elderly_alone")),
    Rule("need.disability", "Người khuyết tật", "Person with a disability", 20,
         need("disability")),
    Rule("need.children", "Có trẻ em", "Children", 15, need("children")),
    Rule("need.evacuation", "Cần sơ tán", "Needs evacuation", 10, need("evacuation")),
    Rule("danger.isolated", "Bị cô lập", "Cut off", 10, need("isolated")),
    Rule("need.food_water", "Thiếu lương thực, nước uống", "Short of food or water", 5,
         need("food_water")),
    Rule("water.over_2m", "Nước sâu từ 2 m", "Water 2 m deep or more", 25,
         lambda s: s.depth(2.0)),
    Rule("water.over_1m", "Nước sâu 1–2 m", "Water 1–2 m deep", 15, lambda s: s.depth(1.0, 2.0)),
    Rule("water.over_half_m", "Nước sâu 0,5–1 m", "Water 0.5–1 m deep", 5,
         lambda s: s.depth(0.5, 1.0)),
    Rule("people", "Mỗi người thêm (sau người đầu)", "Each person after the first", 2,
         lambda s: max(0, s.people - 1), cap=20),
    Rule("waiting", "Mỗi 10 phút chờ chưa có đội", "Each 10 minutes waiting for a unit", 1,
         lambda s: s.waiting_min // 10, cap=20),
    Rule("repeat", "Mỗi lần gọi lại", "Each repeat call", 5, lambda s: s.repeats, cap=15),
)


def category_for(needs: list[str] | None) -> str:
    """Return the category NEED_CATEGORIES gives a list of needs."""
    given = set(needs or ())
    return next((cat for n, cat in NEED_CATEGORIES if n in given), DEFAULT_CATEGORY)


def priority_of(score: float) -> int:
    """Return the priority a score reaches (PRIORITY_CUTS; 4 below them all)."""
    for cut, priority in PRIORITY_CUTS:
        if score >= cut:
            return priority
    return LOWEST


def severity_of(priority: int) -> str:
    """Return the event severity of a call of ``priority`` (P1 extreme … P4 minor)."""
    return SEVERITIES.get(priority, "unknown")


def situation(props: dict[str, Any], category: str, waiting_us: int) -> Situation:
    """Return the Situation of a call's props and category, waiting ``waiting_us``."""
    needs = set(props.get("needs") or ())
    if category in CATEGORY_NEEDS:
        needs.add(CATEGORY_NEEDS[category])
    repeats = len((props.get("dispatch") or {}).get("repeats") or ())
    return Situation(frozenset(needs), props.get("water_depth_m"), int(props.get("people", 1)),
                     max(0, waiting_us) / MINUTE_US, repeats)


def assess(props: dict[str, Any], category: str, waiting_us: int) -> dict[str, Any]:
    """Return the ``triage`` props of a call: ``{priority, score, reasons, computed}``, plus the
    operator's ``override`` (kept, and in force) when the call has one."""
    s = situation(props, category, waiting_us)
    fired = [(rule.code, rule.score(s)) for rule in RULES]
    fired = [(code, pts) for code, pts in fired if pts > 0]
    score = round(sum(pts for _, pts in fired), 1)
    computed = priority_of(score)
    out = {"priority": computed, "score": score, "computed": computed,
           "reasons": [f"{code}:+{pts:g}" for code, pts in fired]}
    override = (props.get("triage") or {}).get("override")
    if override:
        out.update(priority=override["priority"], override=override)
    return out


def rules_json() -> dict[str, Any]:
    """Return the table for pages: ``{rules: [...], cuts: [{score, priority}], lowest,
    category_needs, need_categories: [[need, category]], default_category}``."""
    return {"rules": [r.to_json() for r in RULES],
            "cuts": [{"score": cut, "priority": p} for cut, p in PRIORITY_CUTS],
            "lowest": LOWEST, "category_needs": CATEGORY_NEEDS,
            "need_categories": [list(pair) for pair in NEED_CATEGORIES],
            "default_category": DEFAULT_CATEGORY}
