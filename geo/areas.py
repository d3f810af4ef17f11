"""Administrative areas (a *generation* of boundaries) and their lookup by point.

An AreaSet is one generation: e.g. the 40 communes in force since 2025-07-01. Areas are addressed
by their GSO code (a string such as ``"19753"``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.datafiles import COMMUNES_2025, load_geojson


@dataclass(frozen=True)
class Area:
    """One area: GSO code, Vietnamese short and full names, type (Phường/Xã/…), geometry."""

    code: str
    name: str
    full_name: str
    type: str
    geometry: BaseGeometry = field(repr=False)
    props: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class AreaSet:
    """A generation of areas that tile the territory, valid from ``valid_from`` (inclusive)."""

    generation: str
    level: str
    valid_from: date
    valid_to: date | None
    areas: tuple[Area, ...]

    @property
    def codes(self) -> list[str]:
        """Return the area codes in index order."""
        return [a.code for a in self.areas]

    def index_of(self, code: str) -> int:
        """Return the position of ``code``; raise KeyError if unknown."""
        for i, area in enumerate(self.areas):
            if area.code == code:
                return i
        raise KeyError(code)

    def by_code(self, code: str) -> Area:
        """Return the Area with ``code``; raise KeyError if unknown."""
        return self.areas[self.index_of(code)]

    def union(self) -> BaseGeometry:
        """Return the union of all areas (the territory)."""
        return shapely.union_all([a.geometry for a in self.areas])

    def to_geojson(self) -> dict[str, Any]:
        """Return the areas as an RFC 7946 FeatureCollection (lon/lat order)."""
        feats = []
        for a in self.areas:
            props = {"code": a.code, "name": a.name, "full_name": a.full_name, "type": a.type}
            props.update({k: v for k, v in a.props.items() if k in ("population", "area_km2_official")})
            feats.append({"type": "Feature", "id": a.code, "properties": props,
                          "geometry": shapely.geometry.mapping(a.geometry)})
        return {"type": "FeatureCollection", "features": feats}


def _area_from_feature(feat: dict[str, Any], name_key: str = "name") -> Area:
    p = feat["properties"]
    return Area(code=str(p["code"]), name=p[name_key], full_name=p.get("full_name") or p[name_key],
                type=p.get("type", ""), geometry=shape(feat["geometry"]), props=dict(p))


def load_areaset(filename: str, generation: str, level: str, valid_from: date,
                 valid_to: date | None = None) -> AreaSet:
    """Return an AreaSet read from a GeoJSON file shipped in ``geo/data``."""
    fc = load_geojson(filename)
    areas = tuple(_area_from_feature(f) for f in fc["features"])
    return AreaSet(generation, level, valid_from, valid_to, areas)


def communes_2025() -> AreaSet:
    """Return the 40 communes and wards in force since 2025-07-01."""
    return load_areaset(COMMUNES_2025, "communes-2025", "commune", date(2025, 7, 1))
