"""Scenario registry: name → class."""
from __future__ import annotations

from scenarios.base import Scenario
from scenarios.flood_2025_11 import Flood2025
from scenarios.normal_day import NormalDay
from scenarios.normal_month import NormalMonth
from scenarios.storm_vessels import StormVessels

SCENARIOS: dict[str, type[Scenario]] = {
    s.name: s for s in (NormalDay, NormalMonth, StormVessels, Flood2025)}
DEFAULT_SCENARIO = NormalDay.name


def get_scenario(name: str) -> Scenario:
    """Return a new instance of scenario ``name``; raise KeyError naming the known ones."""
    try:
        return SCENARIOS[name]()
    except KeyError:
        raise KeyError(f"unknown scenario {name!r}; "
                       f"known: {', '.join(sorted(SCENARIOS))}") from None
