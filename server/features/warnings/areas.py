"""Where a warning applies: communes (GSO codes) and H3 cells to a geometry and to CAP areas,
CAP areas (polygons, circles, GSO geocodes) back to a geometry, and the communes each river
gauge puts at risk per alarm level (``geo/data/warning_gauge_areas.json``, illustrative).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import h3
import shapely
from shapely import affinity
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from geo.areas import AreaSet
from geo.datafiles import data_path
from server.core.errors import ValidationFailed, detail
from server.features.warnings.cap import CapAlert, CapArea, Pair

GAUGE_FILE = "warning_gauge_areas.json"
GSO = "GSO"  # geocode valueName of a Vietnamese administrative unit code
H3_NAME = "H3"
SIMPLIFY_DEG = 0.002  # ~200 m: commune outlines in CAP stay a few dozen points
KM_PER_DEG_LAT = 111.32


@dataclass(frozen=True)
class GaugeArea:
    """The communes one gauge puts at risk: ``levels[n]`` at alarm level n (cumulative)."""

    station: str
    river: str
    category: str
    levels: dict[int, tuple[str, ...]]

    def communes(self, level: int) -> list[str]:
        """Return the communes at risk at ``level`` (the highest level listed at most)."""
        known = [n for n in self.levels if n <= level]
        return list(self.levels[max(known)]) if known else []


def load_gauge_areas() -> dict[str, GaugeArea]:
    """Return the gauges' areas at risk by station id."""
    doc = json.loads(data_path(GAUGE_FILE).read_text(encoding="utf-8"))
    return {sid: GaugeArea(sid, g["river"], g["category"],
                           {int(k): tuple(v) for k, v in g["levels"].items()})
            for sid, g in doc["gauges"].items()}


def check_targets(communes: list[str], cells: list[str], areaset: AreaSet) -> None:
    """Raise ValidationFailed unless every commune code is known and every cell is a valid H3
    cell, and at least one target is given."""
    problems = [detail(f"communes[{i}]", f"unknown commune code {c!r}")
                for i, c in enumerate(communes) if c not in areaset.codes]
    problems += [detail(f"cells[{i}]", f"not an H3 cell: {c!r}")
                 for i, c in enumerate(cells) if not h3.is_valid_cell(c)]
    if not communes and not cells:
        problems.append(detail("communes", "name the communes (GSO codes) or H3 cells warned"))
    if problems:
        raise ValidationFailed("invalid warning target", problems)


def cell_polygon(cell: str) -> Polygon:
    """Return an H3 cell as a lon/lat polygon."""
    return Polygon([(lon, lat) for lat, lon in h3.cell_to_boundary(cell)])


def target_geometry(communes: list[str], cells: list[str], areaset: AreaSet) -> BaseGeometry:
    """Return the union of the communes' outlines and the cells' hexagons (lon/lat)."""
    parts = [areaset.by_code(c).geometry for c in communes] + [cell_polygon(c) for c in cells]
    return shapely.union_all(parts) if parts else Polygon()


def _ring_text(coords: list[tuple[float, float]]) -> str:
    return " ".join(f"{lat:.5f},{lon:.5f}" for lon, lat in coords)


def polygons_text(geom: BaseGeometry, tolerance: float = SIMPLIFY_DEG) -> list[str]:
    """Return CAP polygon texts (``lat,lon`` pairs, closed) of the outer rings of ``geom``."""
    simple = geom.simplify(tolerance, preserve_topology=True) if tolerance else geom
    polys = list(getattr(simple, "geoms", [simple]))
    return [_ring_text(list(p.exterior.coords)) for p in polys
            if isinstance(p, Polygon) and not p.is_empty and len(p.exterior.coords) >= 4]


def cap_areas(communes: list[str], cells: list[str], areaset: AreaSet, lang: str) -> list[CapArea]:
    """Return one CAP area per commune (outline + GSO code) and one for the cells (their union
    + one H3 geocode each); ``lang`` ``vi`` or ``en`` picks the description's language."""
    out = []
    for code in communes:
        a = areaset.by_code(code)
        desc = a.full_name if lang == "vi" else f"{a.name} ({a.type}), Huế"
        out.append(CapArea(desc=desc, polygons=polygons_text(a.geometry),
                           geocodes=[Pair(name=GSO, value=code)]))
    if cells:
        desc = f"{len(cells)} ô lưới H3" if lang == "vi" else f"{len(cells)} H3 cells"
        out.append(CapArea(desc=desc, polygons=polygons_text(
            target_geometry([], cells, areaset), 0.0),
            geocodes=[Pair(name=H3_NAME, value=c) for c in cells]))
    return out


def _parse_polygon(text: str) -> Polygon:
    pts = [tuple(float(v) for v in pair.split(",")) for pair in text.split()]
    return Polygon([(lon, lat) for lat, lon in pts])


def _parse_circle(text: str) -> BaseGeometry:
    centre, _, radius = text.strip().partition(" ")
    lat, lon = (float(v) for v in centre.split(","))
    r_deg = max(float(radius), 0.01) / KM_PER_DEG_LAT
    disc = Point(lon, lat).buffer(r_deg, 32)
    scale = 1.0 / max(math.cos(math.radians(lat)), 0.01)
    return affinity.scale(disc, xfact=scale, yfact=1.0, origin=(lon, lat))


def alert_geometry(alert: CapAlert, areaset: AreaSet) -> tuple[BaseGeometry, list[str]]:
    """Return (the union of every area's polygons, circles and known GSO geocodes, the commune
    codes named by geocode); an empty geometry when the alert states no usable area."""
    parts: list[BaseGeometry] = []
    named: list[str] = []
    for info in alert.infos:
        for area in info.areas:
            parts += [_parse_polygon(p).buffer(0) for p in area.polygons]
            parts += [_parse_circle(c) for c in area.circles]
            named += [g.value for g in area.geocodes if g.value in areaset.codes
                      and g.name.upper() in (GSO, "VN-GSO", "GSO_CODE")]
    named = sorted(set(named))
    parts += [areaset.by_code(c).geometry for c in named]
    return (shapely.union_all(parts) if parts else Polygon()), named


@dataclass(frozen=True)
class AlertPlace:
    """Where a received alert applies within Huế: ``inside`` (its area cut to the territory,
    empty when none), ``stated`` (False: the message states no area), the ``communes`` it
    touches and the ``point`` (lon, lat) its event is placed at."""

    inside: BaseGeometry
    stated: bool
    communes: list[str]
    point: tuple[float, float] | None


def alert_place(alert: CapAlert, areaset: AreaSet) -> AlertPlace:
    """Return the AlertPlace of ``alert``: the heavy geometry of a received message, bounded by
    the point limits of ``cap.check`` and run off the event loop (``CapIntake``)."""
    geom, _ = alert_geometry(alert, areaset)
    inside = geom.intersection(areaset.union()) if not geom.is_empty else geom
    if inside.is_empty or inside.area == 0:
        return AlertPlace(inside, not geom.is_empty, [], None)
    point = inside.representative_point()
    return AlertPlace(inside, True, communes_touching(inside, areaset), (point.x, point.y))


def communes_touching(geom: BaseGeometry, areaset: AreaSet) -> list[str]:
    """Return the codes of the communes whose outline intersects ``geom``."""
    if geom.is_empty:
        return []
    shapely.prepare(geom)
    return [a.code for a in areaset.areas if geom.intersects(a.geometry)]


def describe(geom: BaseGeometry) -> dict[str, Any]:
    """Return ``{bbox: [w, s, e, n], centroid: [lon, lat]}`` of a non-empty geometry."""
    c = geom.representative_point()
    return {"bbox": [round(v, 5) for v in geom.bounds], "point": [round(c.x, 5), round(c.y, 5)]}
