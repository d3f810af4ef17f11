"""What changes between two boundary generations: which areas hand territory to which, and which
H3 cells change hands (``ioc areas diff GEN_A GEN_B``).

Territory: the exact overlay of the two generations' polygons (areas in km² from a local
equirectangular scale at each piece's latitude — within 0.1 % at Huế's size). Cells: every cell
of the chosen resolution whose centre lies in either territory; a cell's owner in a generation is
the area holding its centre (the routing engine answers that), and it *changes hands* when the two
owners' codes differ (a cell beyond one generation's coast has owner None there).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import h3
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo import h3grid
from geo.areas import AreaSet
from geo.locator import AreaLocator

KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320
MIN_PIECE_KM2 = 1e-4


def km2(geom: BaseGeometry) -> float:
    """Return the area of a lon/lat geometry in km² (equirectangular at its centroid)."""
    if geom.is_empty:
        return 0.0
    k = math.cos(math.radians(geom.centroid.y)) * KM_PER_DEG_LON_EQUATOR * KM_PER_DEG_LAT
    return geom.area * k


@dataclass
class Handover:
    """The part of area ``source`` (generation A; None: outside it) that lies in area ``target``
    (generation B; None: outside it): its geometry, km², shares and the cells it holds."""

    source: str | None
    source_name: str | None
    target: str | None
    target_name: str | None
    geometry: BaseGeometry
    km2: float
    share_of_source: float
    share_of_target: float
    cells: list[int] = field(default_factory=list)

    @property
    def changes_hands(self) -> bool:
        """Return True when the territory goes to an area with another code."""
        return self.source != self.target


@dataclass
class GenerationDiff:
    """The handovers from generation ``a`` to ``b`` and the cell counts at ``res``."""

    a: str
    b: str
    res: int
    handovers: list[Handover]
    cells_total: int

    @property
    def cells_changed(self) -> int:
        """Return how many cells change hands."""
        return sum(len(h.cells) for h in self.handovers if h.changes_hands)

    def table(self, min_km2: float = 0.0) -> str:
        """Return a text table, one line per handover of at least ``min_km2`` (and every one
        that holds cells changing hands), largest first within each source area."""
        head = (f"{'từ / from (' + self.a + ')':<32} {'sang / to (' + self.b + ')':<32} "
                f"{'km²':>9} {'% từ':>6} {'% sang':>6} {'ô H3':>7}")
        lines = [head, "-" * len(head)]
        shown = [h for h in self.handovers if h.km2 >= min_km2]
        for h in shown:
            lines.append(f"{_label(h.source, h.source_name):<32} "
                         f"{_label(h.target, h.target_name):<32} "
                         f"{h.km2:>9.2f} {100 * h.share_of_source:>6.1f} "
                         f"{100 * h.share_of_target:>6.1f} {len(h.cells):>7}")
        if len(shown) < len(self.handovers):
            lines.append(f"(+{len(self.handovers) - len(shown)} mảnh < {min_km2:g} km² / smaller "
                         f"pieces not shown)")
        lines.append(f"{self.cells_changed} / {self.cells_total} ô H3 (res {self.res}) đổi chủ / "
                     f"cells change hands")
        return "\n".join(lines)

    def to_geojson(self) -> dict[str, Any]:
        """Return an RFC 7946 FeatureCollection: one feature per handover, its cells compacted."""
        feats = []
        for h in self.handovers:
            cells = h3.compact_cells([h3grid.cell_to_str(c) for c in h.cells]) if h.cells else []
            feats.append({"type": "Feature", "geometry": shapely.geometry.mapping(h.geometry),
                          "properties": {
                              "from": h.source, "from_name": h.source_name, "to": h.target,
                              "to_name": h.target_name, "km2": round(h.km2, 4),
                              "share_of_from": round(h.share_of_source, 5),
                              "share_of_to": round(h.share_of_target, 5),
                              "changes_hands": h.changes_hands, "cell_count": len(h.cells),
                              "cells": sorted(cells)}})
        return {"type": "FeatureCollection", "features": feats,
                "diff": {"from": self.a, "to": self.b, "res": self.res,
                         "cells_total": self.cells_total, "cells_changed": self.cells_changed}}


def _label(code: str | None, name: str | None) -> str:
    return f"{code} {name}" if code else "(ngoài / outside)"


def _pieces(a: AreaSet, b: AreaSet) -> list[tuple[int, int, BaseGeometry]]:
    """Return (index in a or -1, index in b or -1, geometry) of the overlay's non-empty pieces."""
    ga, gb = [x.geometry for x in a.areas], [x.geometry for x in b.areas]
    tree = shapely.STRtree(gb)
    ia, ib = tree.query(ga, predicate="intersects")
    out = [(int(i), int(j), shapely.intersection(ga[i], gb[j])) for i, j in zip(ia, ib)]
    ua, ub = a.union(), b.union()
    out += [(i, -1, shapely.difference(g, ub)) for i, g in enumerate(ga)]
    out += [(-1, j, shapely.difference(g, ua)) for j, g in enumerate(gb)]
    return [(i, j, shapely.make_valid(g)) for i, j, g in out if km2(g) >= MIN_PIECE_KM2]


def _cell_owners(la: AreaLocator, lb: AreaLocator, res: int) -> tuple[np.ndarray, np.ndarray,
                                                                      np.ndarray]:
    """Return (cells, owner index in a, owner index in b) of every cell centred in either."""
    territory = shapely.union(la.areaset.union(), lb.areaset.union())
    shape = h3.geo_to_h3shape(shapely.geometry.mapping(territory))
    cells = np.array(sorted(h3.api.basic_int.h3shape_to_cells(shape, res)), np.int64)
    centres = np.array([h3.api.basic_int.cell_to_latlng(int(c)) for c in cells]).reshape(-1, 2)
    lat, lon = centres[:, 0], centres[:, 1]
    return cells, la.locate_points(lat, lon), lb.locate_points(lat, lon)


def diff_generations(la: AreaLocator, lb: AreaLocator,
                     res: int = h3grid.DEFAULT_RES) -> GenerationDiff:
    """Return the GenerationDiff from ``la``'s generation to ``lb``'s (cells at ``res``)."""
    a, b = la.areaset, lb.areaset
    size_a = [km2(x.geometry) for x in a.areas]
    size_b = [km2(x.geometry) for x in b.areas]
    cells, own_a, own_b = _cell_owners(la, lb, res)
    by_pair: dict[tuple[int, int], list[int]] = {}
    for c, i, j in zip(cells.tolist(), own_a.tolist(), own_b.tolist()):
        by_pair.setdefault((i, j), []).append(c)
    pieces = {(i, j): g for i, j, g in _pieces(a, b)}
    handovers = []
    for i, j in sorted(set(pieces) | set(by_pair)):
        geom = pieces.get((i, j), shapely.GeometryCollection())
        k = km2(geom)
        handovers.append(Handover(
            a.areas[i].code if i >= 0 else None, a.areas[i].full_name if i >= 0 else None,
            b.areas[j].code if j >= 0 else None, b.areas[j].full_name if j >= 0 else None,
            geom, k, k / size_a[i] if i >= 0 else 0.0, k / size_b[j] if j >= 0 else 0.0,
            by_pair.get((i, j), [])))
    handovers.sort(key=lambda h: (h.source is None, h.source or "", -h.km2))
    return GenerationDiff(a.generation, b.generation, res, handovers, len(cells))
