"""What the public page shows, prepared without Tornado: the communes as an SVG sketch (no tile
server, works offline) and published cases as dots on it (positions already coarsened for
sensitive categories by ``ReportDesk.public_map``)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon

from geo.areas import AreaSet
from server.features.reports.casebook import DONE

SIMPLIFY_DEG = 0.002


@dataclass(frozen=True)
class Dot:
    """One published case on the sketch."""

    x: float
    y: float
    done: bool
    title: str


class CommuneSketch:
    """Commune outlines projected to an SVG box (equirectangular at Huế's latitude)."""

    def __init__(self, areaset: AreaSet, width: float = 800.0):
        x0, y0, x1, y1 = areaset.union().bounds
        self._k = math.cos(math.radians((y0 + y1) / 2))
        self._x0, self._y1 = x0, y1
        self._scale = width / ((x1 - x0) * self._k)
        self.width = round(width)
        self.height = round((y1 - y0) * self._scale)
        self.paths = [(a.full_name, self._path(a.geometry)) for a in areaset.areas]

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        """Return SVG coordinates of a point."""
        return (round((lon - self._x0) * self._k * self._scale, 1),
                round((self._y1 - lat) * self._scale, 1))

    def _ring(self, coords: Any) -> str:
        pts = [self.xy(lat, lon) for lon, lat in coords]
        return "M" + "L".join(f"{x},{y}" for x, y in pts) + "Z"

    def _path(self, geom: Any) -> str:
        geom = shapely.simplify(geom, SIMPLIFY_DEG, preserve_topology=True)
        polys = geom.geoms if isinstance(geom, MultiPolygon) else [geom]
        return "".join(self._ring(p.exterior.coords) for p in polys if isinstance(p, Polygon))

    def dots(self, geojson: dict[str, Any], names: dict[str, str]) -> list[Dot]:
        """Return the dots of a FeatureCollection from ``ReportDesk.public_map``."""
        out = []
        for feat in geojson["features"]:
            lon, lat = feat["geometry"]["coordinates"]
            x, y = self.xy(lat, lon)
            props = feat["properties"]
            out.append(Dot(x, y, props["status"] in DONE, names.get(props["category"], "")))
        return out
