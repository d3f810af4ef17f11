"""The main roads of ``hue_main_roads.geojson`` cut into numbered segments, with a spatial index
to snap a point to the nearest segment (flooded roads are marked per segment).

A road's id is its name's slug and its source id (``quoc-lo-1a-328``); each road is cut along
its length into segments of at most ``segment_m`` metres, numbered from 0 in drawing order
(parts of a MultiLineString one after the other), so ``(road_id, index)`` names a stretch of
road in a stable way as long as the data file and ``segment_m`` do not change. The railway is
left out. Distances use a local equirectangular projection centred on the province (error
well under 1 % over Huế), enough to snap a report to a road.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point, shape
from shapely.ops import substring

from geo.datafiles import load_geojson
from geo.stations import slug

ROADS = "hue_main_roads.geojson"
RAILWAY = "Đường sắt"
LAT0, LON0 = 16.4, 107.5
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(LAT0))


def to_metres(lon: Any, lat: Any) -> tuple[Any, Any]:
    """Return (x, y) in metres of the local projection (numbers or numpy arrays)."""
    return (np.asarray(lon) - LON0) * M_PER_DEG_LON, (np.asarray(lat) - LAT0) * M_PER_DEG_LAT


def to_degrees(x: Any, y: Any) -> tuple[Any, Any]:
    """Return (lon, lat) of local (x, y) metres."""
    return np.asarray(x) / M_PER_DEG_LON + LON0, np.asarray(y) / M_PER_DEG_LAT + LAT0


@dataclass(frozen=True)
class Segment:
    """One stretch of a road: ``id`` = ``{road_id}:{index}``, name and class, the line
    (``path``: ``[[lon, lat], …]``) and its length."""

    road_id: str
    index: int
    name: str
    road_class: str
    path: tuple[tuple[float, float], ...]
    length_m: float

    @property
    def id(self) -> str:
        """Return ``{road_id}:{index}``."""
        return f"{self.road_id}:{self.index}"

    @property
    def middle(self) -> tuple[float, float]:
        """Return (lat, lon) of the point halfway along the segment."""
        x, y = to_metres(*zip(*self.path))
        mid = LineString(np.column_stack([x, y])).interpolate(0.5, normalized=True)
        lon, lat = to_degrees(mid.x, mid.y)
        return round(float(lat), 6), round(float(lon), 6)

    def to_json(self) -> dict[str, Any]:
        """Return ``{id, road_id, index, name, road_class, length_m, path}``."""
        return {"id": self.id, "road_id": self.road_id, "index": self.index, "name": self.name,
                "road_class": self.road_class, "length_m": round(self.length_m),
                "path": [list(p) for p in self.path]}


class RoadNetwork:
    """Segments of the main roads and an STRtree over them (in metres)."""

    def __init__(self, segment_m: float = 1000.0):
        self.segment_m = segment_m
        self.segments: list[Segment] = []
        lines = []
        for f in load_geojson(ROADS)["features"]:
            p = f["properties"]
            if p.get("road_class") == RAILWAY:
                continue
            road_id = f"{slug(p['name'])}-{p['src_gid']}"
            for line in self._cut(shape(f["geometry"])):
                lon, lat = to_degrees(*np.asarray(line.coords).T)
                path = tuple((round(float(a), 6), round(float(b), 6)) for a, b in zip(lon, lat))
                index = sum(1 for s in self.segments if s.road_id == road_id)
                self.segments.append(Segment(road_id, index, p["name"], p.get("road_class", ""),
                                             path, line.length))
                lines.append(line)
        self._lines = lines
        self._tree = shapely.STRtree(lines)
        self._by_id = {s.id: s for s in self.segments}

    def _cut(self, geom: Any) -> list[LineString]:
        """Return the geometry's lines (in metres) cut into pieces of at most ``segment_m``."""
        parts = list(geom.geoms) if geom.geom_type == "MultiLineString" else [geom]
        out = []
        for part in parts:
            x, y = to_metres(*np.asarray(part.coords)[:, :2].T)
            line = LineString(np.column_stack([x, y]))
            n = max(1, math.ceil(line.length / self.segment_m))
            step = line.length / n
            out.extend(substring(line, k * step, (k + 1) * step) for k in range(n))
        return out

    def get(self, road_id: str, index: int) -> Segment | None:
        """Return segment ``index`` of road ``road_id``, or None."""
        return self._by_id.get(f"{road_id}:{index}")

    def by_id(self, segment_id: str) -> Segment | None:
        """Return the segment ``{road_id}:{index}``, or None."""
        return self._by_id.get(segment_id)

    def nearest(self, lat: float, lon: float, max_m: float) -> tuple[Segment, float] | None:
        """Return (the segment nearest to the point, its distance in metres) if one lies within
        ``max_m``, else None."""
        x, y = to_metres(lon, lat)
        point = Point(float(x), float(y))
        idx = self._tree.query_nearest(point, max_distance=max_m, all_matches=False)
        if len(idx) == 0:
            return None
        i = int(idx[0])
        return self.segments[i], float(self._lines[i].distance(point))

    def within(self, lat: float, lon: float, radius_m: float) -> list[Segment]:
        """Return the segments that pass within ``radius_m`` of the point, in network order."""
        x, y = to_metres(lon, lat)
        idx = self._tree.query(Point(float(x), float(y)), predicate="dwithin", distance=radius_m)
        return [self.segments[int(i)] for i in sorted(idx)]

    def road_ids(self) -> list[str]:
        """Return the road ids, in file order."""
        return list(dict.fromkeys(s.road_id for s in self.segments))

    def geojson(self) -> dict[str, Any]:
        """Return the segments as a GeoJSON FeatureCollection (properties: Segment.to_json less
        the path)."""
        feats = []
        for s in self.segments:
            props = {k: v for k, v in s.to_json().items() if k != "path"}
            feats.append({"type": "Feature", "properties": props,
                          "geometry": {"type": "LineString",
                                       "coordinates": [list(p) for p in s.path]}})
        return {"type": "FeatureCollection", "features": feats}


@lru_cache(maxsize=4)
def road_network(segment_m: float = 1000.0) -> RoadNetwork:
    """Return the (shared, read-only) network cut at ``segment_m``."""
    return RoadNetwork(segment_m)
