"""The service region: Huế's land plus its sea out to a configurable distance (~100 km)."""
from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

KM_PER_DEG_LAT = 111.32


class ServiceRegion:
    """Points the IOC accepts: within ``buffer_km`` of the territory (equirectangular buffer)."""

    def __init__(self, territory: BaseGeometry, buffer_km: float = 100.0):
        self.buffer_km = buffer_km
        lat0 = territory.centroid.y
        self._k = k = math.cos(math.radians(lat0))
        self._flat = shapely.transform(territory, lambda xy: xy * [k, 1.0])
        grown = self._flat.simplify(0.005).buffer(buffer_km / KM_PER_DEG_LAT, quad_segs=16)
        self.geometry = shapely.transform(grown, lambda xy: xy / [k, 1.0])
        shapely.prepare(self.geometry)
        shapely.prepare(self._flat)

    def contains_many(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Return a bool array: True where (lat, lon) lies inside the region."""
        return shapely.contains_xy(self.geometry, np.asarray(lon, float), np.asarray(lat, float))

    def contains(self, lat: float, lon: float) -> bool:
        """Return True if one point lies inside the region."""
        return bool(self.contains_many(np.array([lat]), np.array([lon]))[0])

    def distance_km(self, lat: float, lon: float) -> float:
        """Return the distance in km from (lat, lon) to the territory (0 inside it),
        equirectangular like the buffer."""
        point = shapely.Point(lon * self._k, lat)
        return float(shapely.distance(self._flat, point)) * KM_PER_DEG_LAT

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Return (min lon, min lat, max lon, max lat)."""
        return tuple(self.geometry.bounds)
