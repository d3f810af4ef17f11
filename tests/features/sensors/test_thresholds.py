"""The threshold engine: levels go up at once and come down only past the hysteresis band."""
from __future__ import annotations

import pytest

from server.features.sensors.thresholds import Rule, Threshold, ThresholdEngine

RIVER = Rule("river", "water_level", "above",
             (Threshold(1.0, "minor", "BĐ1"), Threshold(2.0, "moderate", "BĐ2"),
              Threshold(3.5, "severe", "BĐ3")), hysteresis=0.1)


def levels(engine: ThresholdEngine, rule: Rule, values: list[float]) -> list[tuple[int, int]]:
    out = []
    for t, v in enumerate(values):
        c = engine.evaluate("kim-long", rule, v, t)
        if c:
            out.append((c.old, c.new))
    return out


def test_hovering_at_a_threshold_does_not_flap():
    engine = ThresholdEngine([RIVER])
    hover = [0.9, 1.0, 0.97, 1.02, 0.95, 1.05, 0.91, 0.99]
    assert levels(engine, RIVER, hover) == [(0, 1)]
    assert engine.level("kim-long", "river") == 1
    assert levels(engine, RIVER, [0.89]) == [(1, 0)]


def test_jumps_and_falls_several_levels_at_once():
    engine = ThresholdEngine([RIVER])
    assert levels(engine, RIVER, [3.6, 3.45, 1.5, 0.5]) == [(0, 3), (3, 1), (1, 0)]


def test_below_rules_and_station_thresholds():
    ph_low = Rule("ph_low", "ph", "below", (Threshold(5.5), Threshold(4.0)), hysteresis=0.2)
    engine = ThresholdEngine([ph_low])
    assert levels(engine, ph_low, [7.0, 5.4, 5.6, 5.71, 3.9]) == [(0, 1), (1, 0), (0, 2)]
    phu_oc = RIVER.with_thresholds([1.5, 3.0, 4.5])
    assert [t.name for t in phu_oc.thresholds] == ["BĐ1", "BĐ2", "BĐ3"]
    assert phu_oc.level_of(4.96) == 3 and phu_oc.level_of(1.45, current=1) == 1


def test_listeners_see_crossings_and_bad_rules_are_refused():
    engine = ThresholdEngine([RIVER])
    seen = []
    engine.on_crossing(seen.append)
    engine.evaluate("phu-oc", RIVER, 2.5, 1)
    changes = [(c.key, c.new, c.threshold.name, c.rising) for c in seen]
    assert changes == [("river:phu-oc", 2, "BĐ2", True)]
    with pytest.raises(ValueError):
        Rule("bad", "x", "above", (Threshold(2.0), Threshold(1.0)))
