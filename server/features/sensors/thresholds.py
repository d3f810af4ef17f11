"""Threshold rules with hysteresis: a small core with no I/O, reused by every feature that turns
numbers into alarm levels (sensor readings here; river levels into draft warnings later).

A ``Rule`` has ordered thresholds (ascending for ``above``, descending for ``below``). A subject's
level is how many thresholds its value has passed (0: none). Going **up** happens as soon as a
value passes a threshold; coming **down** past threshold *t* needs the value to go back beyond
``t ∓ hysteresis`` — so a value hovering at a threshold does not flap between levels.

``ThresholdEngine.evaluate`` returns a ``Crossing`` for every change of level; callers decide
what to do with it (raise or clear an alert, draft a warning). ``on_crossing`` listeners let
other features hook in without touching the engine.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

log = logging.getLogger(__name__)

Direction = Literal["above", "below"]


@dataclass(frozen=True)
class Threshold:
    """One threshold: the value, the severity of passing it, and its name (e.g. BĐ2)."""

    value: float
    severity: str = "moderate"
    name: str = ""


@dataclass(frozen=True)
class Rule:
    """A rule: id, the quantity it watches, direction, thresholds in passing order, hysteresis
    (in the quantity's unit) and the alert category it raises."""

    id: str
    quantity: str
    direction: Direction
    thresholds: tuple[Threshold, ...]
    hysteresis: float = 0.0
    category: str = ""

    def __post_init__(self) -> None:
        values = [t.value for t in self.thresholds]
        ordered = sorted(values, reverse=self.direction == "below")
        if not values or values != ordered or len(set(values)) != len(values):
            raise ValueError(f"rule {self.id}: thresholds must be distinct and in passing order")
        if self.hysteresis < 0:
            raise ValueError(f"rule {self.id}: hysteresis must be ≥ 0")

    def with_thresholds(self, values: list[float], names: list[str] | None = None) -> "Rule":
        """Return a copy with other threshold values (e.g. a station's own alarm levels)."""
        names = names or [t.name for t in self.thresholds]
        sev = [t.severity for t in self.thresholds]
        ths = tuple(Threshold(v, sev[min(i, len(sev) - 1)], names[i] if i < len(names) else "")
                    for i, v in enumerate(values))
        return Rule(self.id, self.quantity, self.direction, ths, self.hysteresis, self.category)

    def level_of(self, value: float, current: int = 0) -> int:
        """Return the level of ``value`` given the ``current`` level (hysteresis applied)."""
        sign = 1.0 if self.direction == "above" else -1.0
        v = sign * value
        raw = sum(1 for t in self.thresholds if v >= sign * t.value)
        if raw >= current:
            return raw
        held = sum(1 for t in self.thresholds[:current] if v >= sign * t.value - self.hysteresis)
        return max(raw, held)


@dataclass(frozen=True)
class Crossing:
    """A change of level of ``subject`` under ``rule``: from ``old`` to ``new`` at ``value``."""

    subject: str
    rule: Rule
    old: int
    new: int
    value: float
    at: int
    context: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def rising(self) -> bool:
        """Return True when the level went up."""
        return self.new > self.old

    @property
    def threshold(self) -> Threshold | None:
        """Return the highest threshold now passed (None at level 0)."""
        return self.rule.thresholds[self.new - 1] if self.new else None

    @property
    def key(self) -> str:
        """Return ``rule:subject``, the identity of this alarm."""
        return f"{self.rule.id}:{self.subject}"


Listener = Callable[[Crossing], None]


class ThresholdEngine:
    """Levels per (rule, subject); ``evaluate`` gives the crossings of each new value."""

    def __init__(self, rules: list[Rule], levels: dict[str, int] | None = None):
        self.rules = {r.id: r for r in rules}
        self.levels: dict[str, int] = dict(levels or {})
        self._listeners: list[Listener] = []

    def rules_for(self, quantity: str) -> list[Rule]:
        """Return the rules that watch ``quantity``."""
        return [r for r in self.rules.values() if r.quantity == quantity]

    def on_crossing(self, listener: Listener) -> None:
        """Call ``listener(crossing)`` for every future crossing (it must not block)."""
        self._listeners.append(listener)

    def evaluate(self, subject: str, rule: Rule, value: float, at: int,
                 context: dict[str, Any] | None = None) -> Crossing | None:
        """Return the Crossing caused by ``value`` for ``subject`` under ``rule``, or None."""
        key = f"{rule.id}:{subject}"
        old = self.levels.get(key, 0)
        new = rule.level_of(value, old)
        if new == old:
            return None
        self.levels[key] = new
        crossing = Crossing(subject, rule, old, new, value, at, context or {})
        for listener in self._listeners:
            try:
                listener(crossing)
            except Exception:  # noqa: BLE001 - a bad listener must not stop the engine
                log.exception("threshold listener failed")
        return crossing

    def level(self, subject: str, rule_id: str) -> int:
        """Return the current level of ``subject`` under rule ``rule_id`` (0 if never seen)."""
        return self.levels.get(f"{rule_id}:{subject}", 0)
