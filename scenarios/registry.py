"""Scenario registry: name → class."""
from __future__ import annotations

from scenarios.base import Scenario
from scenarios.normal_day import NormalDay
from scenarios.normal_month import NormalMonth

SCENARIOS: dict[str, type[Scenario]] = {NormalDay.name: NormalDay, NormalMonth.name: NormalMonth}
DEFAULT_SCENARIO = NormalDay.name


def get_scenario(name: str) -> Scenario:
    """Return a new instance of scenario ``name``; raise KeyError naming the known ones."""
    try:
        return SCENARIOS[name]()
    except KeyError:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(sorted(SCENARIOS))}") from None
