"""Scenarios are seeded, ordered and valid against the event contract."""
from __future__ import annotations

import pytest

from geo.router import service_region
from scenarios.registry import SCENARIOS, get_scenario
from server.core.events import EventValidator
from server.features import default_kinds


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_is_deterministic_ordered_and_valid(name, router):
    sc = get_scenario(name)
    a, b = list(sc.events(7)), list(sc.events(7))
    assert a == b and len(a) > 0
    offsets = [t.offset_s for t in a]
    assert offsets == sorted(offsets) and offsets[-1] <= sc.duration_s()
    assert list(sc.events(8)) != a
    validator = EventValidator(default_kinds(), router.categories,
                               service_region(router.areaset), router, 10_000)
    events = validator.validate([t.event for t in a], "events")
    assert len(events) == len(a)


def test_unknown_scenario_names_the_known_ones():
    with pytest.raises(KeyError, match="normal_day"):
        get_scenario("nope")
