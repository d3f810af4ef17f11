"""Administrative areas: *generations* of boundaries, each in force over a period.

An AreaSet is one generation: e.g. the 40 communes in force since 2025-07-01. Areas are addressed
by their GSO code (a string such as ``"19753"``). ``Generations`` holds them in time order (from
``geo/data/generations.json``) and says which one was in force at a given time.
"""
from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.datafiles import COMMUNES_2025, DATA_DIR, load_geojson

#: Validity dates of boundaries are local dates in Vietnam.
VN_TZ = timezone(timedelta(hours=7))
GENERATIONS_FILE = DATA_DIR / "generations.json"


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
    """A generation of areas that tile the territory, valid from ``valid_from`` to ``valid_to``
    (local dates, inclusive; None: open-ended)."""

    generation: str
    level: str
    valid_from: date | None
    valid_to: date | None
    areas: tuple[Area, ...]
    vi: str = ""
    en: str = ""

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
        """Return the areas as an RFC 7946 FeatureCollection (lon/lat order); each area's
        ``label_point`` is [lon, lat] of a point surely inside it (a page's default location
        for "somewhere in this commune")."""
        feats = []
        for a in self.areas:
            inside = a.geometry.representative_point()
            props = {"code": a.code, "name": a.name, "full_name": a.full_name, "type": a.type,
                     "label_point": [round(inside.x, 5), round(inside.y, 5)]}
            props.update({k: v for k, v in a.props.items()
                          if k in ("population", "area_km2_official")})
            feats.append({"type": "Feature", "id": a.code, "properties": props,
                          "geometry": shapely.geometry.mapping(a.geometry)})
        return {"type": "FeatureCollection", "features": feats}

    def to_json(self) -> dict[str, Any]:
        """Return ``{id, level, vi, en, valid_from, valid_to, areas}`` (dates ISO or null)."""
        return {"id": self.generation, "level": self.level, "vi": self.vi, "en": self.en,
                "valid_from": self.valid_from.isoformat() if self.valid_from else None,
                "valid_to": self.valid_to.isoformat() if self.valid_to else None,
                "areas": len(self.areas)}


def _area_from_feature(feat: dict[str, Any]) -> Area:
    p = feat["properties"]
    name = p.get("short_name") or p["name"]
    return Area(code=str(p["code"]), name=name, full_name=p.get("full_name") or p["name"],
                type=p.get("type", ""), geometry=shape(feat["geometry"]), props=dict(p))


def load_areaset(filename: str, generation: str, level: str, valid_from: date | None,
                 valid_to: date | None = None, vi: str = "", en: str = "") -> AreaSet:
    """Return an AreaSet read from a GeoJSON file shipped in ``geo/data``."""
    fc = load_geojson(filename)
    areas = tuple(_area_from_feature(f) for f in fc["features"])
    return AreaSet(generation, level, valid_from, valid_to, areas, vi, en)


def communes_2025() -> AreaSet:
    """Return the 40 communes and wards in force since 2025-07-01."""
    return load_areaset(COMMUNES_2025, "communes-2025", "commune", date(2025, 7, 1))


def local_day_start_us(day: date) -> int:
    """Return 00:00 of a local (UTC+07:00) day in epoch microseconds."""
    return int(datetime.combine(day, time(0), VN_TZ).timestamp()) * 1_000_000


class Generations:
    """Boundary generations in time order; ``index_at`` says which was in force at a time.

    A time before the first generation's ``valid_from`` uses the first generation.
    """

    def __init__(self, sets: list[AreaSet]):
        self.sets = tuple(sets)
        problems = self._problems()
        if problems:
            raise ValueError("invalid boundary generations: " + "; ".join(problems))
        starts = [local_day_start_us(s.valid_from) if s.valid_from else np.iinfo(np.int64).min
                  for s in self.sets]
        self.starts_us = np.array(starts, np.int64)
        self._starts = starts

    def _problems(self) -> list[str]:
        out = [] if self.sets else ["no generations"]
        for a, b in zip(self.sets, self.sets[1:]):
            if a.valid_to is None or b.valid_from is None \
                    or a.valid_to + timedelta(days=1) != b.valid_from:
                out.append(f"{a.generation} (to {a.valid_to}) must end the day before "
                           f"{b.generation} starts ({b.valid_from})")
        if len({s.generation for s in self.sets}) != len(self.sets):
            out.append("generation ids repeat")
        return out

    @classmethod
    def load(cls, path=GENERATIONS_FILE) -> "Generations":  # noqa: ANN001 - a Path
        """Return the generations listed in ``geo/data/generations.json``."""
        doc = json.loads(path.read_text(encoding="utf-8"))
        day = lambda v: date.fromisoformat(v) if v else None  # noqa: E731
        return cls([load_areaset(g["file"], g["id"], g["level"], day(g["valid_from"]),
                                 day(g["valid_to"]), g.get("vi", ""), g.get("en", ""))
                    for g in doc["generations"]])

    @property
    def ids(self) -> list[str]:
        """Return the generation ids in time order."""
        return [s.generation for s in self.sets]

    def index_of(self, generation: str) -> int:
        """Return the position of a generation id; raise KeyError naming the known ones."""
        try:
            return self.ids.index(generation)
        except ValueError:
            raise KeyError(f"no generation {generation!r}; have {', '.join(self.ids)}") from None

    def get(self, generation: str) -> AreaSet:
        """Return the AreaSet of a generation id; raise KeyError."""
        return self.sets[self.index_of(generation)]

    def index_at(self, t_us: int) -> int:
        """Return the index of the generation in force at ``t_us`` (epoch microseconds)."""
        return max(0, bisect.bisect_right(self._starts, t_us) - 1)

    def indexes_at(self, t_us: np.ndarray) -> np.ndarray:
        """Return, per time (int64 epoch µs), the index of the generation in force (int8)."""
        pos = np.searchsorted(self.starts_us, np.asarray(t_us, np.int64), side="right") - 1
        return np.maximum(pos, 0).astype(np.int8)
