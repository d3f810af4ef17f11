"""Random points in real areas (population-weighted), shared by the scenarios."""
from __future__ import annotations

import numpy as np
import shapely

from geo.areas import AreaSet


class AreaSampler:
    """Draw points uniformly inside areas chosen with given weights (rejection sampling)."""

    def __init__(self, areaset: AreaSet, weights: np.ndarray):
        self.areaset = areaset
        self.p = np.asarray(weights, float) / float(np.sum(weights))
        for a in areaset.areas:
            shapely.prepare(a.geometry)

    def area_index(self, rng: np.random.Generator) -> int:
        """Return the index of an area drawn by weight."""
        return int(rng.choice(len(self.p), p=self.p))

    def point_in(self, rng: np.random.Generator, idx: int) -> tuple[float, float]:
        """Return (lat, lon) uniformly inside area ``idx`` (rounded to ~1 m)."""
        geom = self.areaset.areas[idx].geometry
        x0, y0, x1, y1 = geom.bounds
        while True:
            xs, ys = rng.uniform(x0, x1, 32), rng.uniform(y0, y1, 32)
            ok = shapely.contains_xy(geom, xs, ys)
            if ok.any():
                k = int(np.argmax(ok))
                return round(float(ys[k]), 6), round(float(xs[k]), 6)


def population_weights(areaset: AreaSet) -> np.ndarray:
    """Return each area's population (1 where unknown) as float weights."""
    return np.array([float(a.props.get("population") or 1) for a in areaset.areas])
