"""Great-circle distances on the sphere PostGIS uses for ``geography`` KNN (``<->``), so that the
embedded store ranks and measures exactly like PostGIS."""
from __future__ import annotations

import math

import numpy as np

#: Mean radius of the WGS 84 ellipsoid, (2a + b) / 3, in metres (PostGIS's sphere).
EARTH_RADIUS_M = 6_371_008.771_415


def distance_m(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Return the great-circle distances in metres from (lat, lon) to each (lats[i], lons[i])."""
    p1, p2 = math.radians(lat), np.radians(np.asarray(lats, dtype=np.float64))
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lons, dtype=np.float64) - lon)
    h = np.sin(dphi / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def bbox_around(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """Return a (min lon, min lat, max lon, max lat) box that contains every point within
    ``radius_m`` of (lat, lon); near a pole or the antimeridian it widens to all longitudes."""
    rho = radius_m / EARTH_RADIUS_M * (1 + 1e-9)
    dlat = math.degrees(rho)
    lat0, lat1 = lat - dlat, lat + dlat
    spread = math.sin(rho) / math.cos(math.radians(lat)) if lat0 > -90 and lat1 < 90 else 2.0
    if spread >= 1 or rho >= math.pi / 2:
        return -180.0, max(lat0, -90.0), 180.0, min(lat1, 90.0)
    dlon = math.degrees(math.asin(spread))  # the widest longitude of the spherical cap
    if lon - dlon < -180 or lon + dlon > 180:
        return -180.0, lat0, 180.0, lat1
    return lon - dlon, lat0, lon + dlon, lat1
