"""A normal day of field reports across Huế's 40 communes.

Volume: the IOC has received 124,000+ reports since 2018 (~85 a day on average); this day has
~110, more by day than at night. Locations are drawn inside real commune polygons, weighted by
population; the category mix leans on waste, roads, lighting and order as in published summaries.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

from geo.areas import communes_2025
from scenarios.base import Scenario, Timed
from scenarios.sampling import AreaSampler, population_weights

DAY_S = 24 * 3600.0
REPORTS_PER_DAY = 110
# Relative report rate for each hour of the day (0h … 23h).
HOURLY = np.array([1, 0.5, 0.3, 0.3, 0.5, 1.5, 3, 5, 7, 8, 8, 7,
                   5, 5, 7, 8, 8, 7, 6, 5, 4, 3, 2, 1.5])
CATEGORY_MIX = {
    "environment.waste": 16, "environment.drainage": 6, "environment.trees": 4,
    "environment.pollution": 5, "traffic.road_damage": 10, "traffic.signals": 3,
    "traffic.violation": 5, "traffic.congestion": 3, "urban_order.sidewalk": 9,
    "urban_order.streetlight": 8, "urban_order.advertising": 2, "security.public_order": 4,
    "security.noise": 4, "security.theft": 1, "power.outage": 4, "power.hazard": 2,
    "water.outage": 3, "water.leak": 3, "water.quality": 1, "health.food_safety": 1,
    "tourism.service": 1, "land.illegal_construction": 3, "telecom.outage": 1,
}
TEXTS = {
    "environment": "Người dân phản ánh tình trạng môi trường cần xử lý.",
    "traffic": "Phản ánh về giao thông trên tuyến đường.",
    "urban_order": "Phản ánh trật tự đô thị tại khu vực.",
    "security": "Phản ánh về an ninh trật tự.",
}


class NormalDay(Scenario):
    """~110 field reports over 24 hours."""

    name = "normal_day"
    title_vi = "Một ngày bình thường"
    title_en = "A normal day"

    def __init__(self) -> None:
        self.areas = communes_2025()
        self.sampler = AreaSampler(self.areas, population_weights(self.areas))
        self.codes = list(CATEGORY_MIX)
        w = np.array(list(CATEGORY_MIX.values()), float)
        self.cat_p = w / w.sum()

    def duration_s(self) -> float:
        """Return one day in seconds."""
        return DAY_S

    def events(self, seed: int) -> Iterator[Timed]:
        """Yield the day's reports in time order."""
        rng = np.random.default_rng(seed)
        hour_p = HOURLY / HOURLY.sum()
        hours = rng.choice(24, size=REPORTS_PER_DAY, p=hour_p)
        offsets = np.sort(hours * 3600.0 + rng.uniform(0, 3600.0, REPORTS_PER_DAY))
        for i, t in enumerate(offsets):
            yield Timed(float(t), self.report(rng, i))

    def report(self, rng: np.random.Generator, i: int) -> dict:
        """Return report number ``i`` (API input form): a category by the mix, a point in a commune
        drawn by population."""
        cat = self.codes[int(rng.choice(len(self.codes), p=self.cat_p))]
        idx = self.sampler.area_index(rng)
        lat, lon = self.sampler.point_in(rng, idx)
        area = self.areas.areas[idx]
        text = TEXTS.get(cat.split(".")[0], "Người dân gửi phản ánh.")
        return {"kind": "report", "category": cat, "lat": lat, "lon": lon, "severity": "minor",
                "source": {"channel": "hue-s"},
                "props": {"title": f"Phản ánh #{i + 1} - {area.full_name}", "description": text}}
