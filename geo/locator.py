"""Which area holds a point: an H3 cell table for cells wholly inside one area, and the exact
numba point-in-polygon (``geo.pip``) only for cells that straddle a border or lie outside.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import h3
import numpy as np
import shapely

from geo import h3grid
from geo.areas import AreaSet
from geo.pip import NO_AREA, EdgeIndex, build_edge_index, locate_points

log = logging.getLogger(__name__)

# Cells are tested against the area buffered inwards by this much (degrees, ~0.1 m), which covers
# the difference between a cell's geodesic edges and the straight lines of its boundary polygon.
_CELL_EPS_DEG = 1e-6


@dataclass(frozen=True)
class CellTable:
    """Sorted interior cells (int64) and the area index each belongs to."""

    cells: np.ndarray
    area: np.ndarray

    @property
    def nbytes(self) -> int:
        """Return the memory held by the table, in bytes."""
        return int(self.cells.nbytes + self.area.nbytes)


def _interior_cells(geom, res: int) -> np.ndarray:
    """Return the int64 cells whose whole hexagon lies inside ``geom``."""
    shp = h3.geo_to_h3shape(shapely.geometry.mapping(geom))
    cand = h3.h3shape_to_cells_experimental(shp, res, contain="center")
    if not cand:
        return np.empty(0, np.int64)
    rings = [[(lng, lat) for lat, lng in h3.cell_to_boundary(c)] for c in cand]
    hexes = shapely.polygons([r + r[:1] for r in rings])
    inside = shapely.contains(geom, shapely.buffer(hexes, _CELL_EPS_DEG))
    return np.array([h3.str_to_int(c) for c, ok in zip(cand, inside) if ok], np.int64)


def build_cell_table(areaset: AreaSet, res: int) -> CellTable:
    """Return the CellTable of ``areaset`` at resolution ``res``."""
    cells, owner = [], []
    for i, area in enumerate(areaset.areas):
        shapely.prepare(area.geometry)
        inner = _interior_cells(area.geometry, res)
        cells.append(inner)
        owner.append(np.full(len(inner), i, np.int16))
    all_cells, all_owner = np.concatenate(cells), np.concatenate(owner)
    order = np.argsort(all_cells)
    return CellTable(all_cells[order], all_owner[order])


class AreaLocator:
    """Locate points in one AreaSet. ``locate_many`` and ``locate`` share one implementation."""

    def __init__(self, areaset: AreaSet, res: int = h3grid.DEFAULT_RES):
        self.areaset = areaset
        self.res = res
        self.table = build_cell_table(areaset, res)
        self.edges: EdgeIndex = build_edge_index([a.geometry for a in areaset.areas])
        log.info("area locator %s res %d: %d interior cells", areaset.generation, res,
                 len(self.table.cells))

    def locate_many(self, lat: np.ndarray, lon: np.ndarray,
                    cells: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Return (cells int64, area index int32 with -1 outside) for arrays of lat/lon."""
        lat = np.asarray(lat, np.float64)
        lon = np.asarray(lon, np.float64)
        if cells is None:
            cells = h3grid.latlng_to_cells(lat, lon, self.res)
        pos = np.searchsorted(self.table.cells, cells)
        pos = np.minimum(pos, len(self.table.cells) - 1)
        hit = self.table.cells[pos] == cells
        area = np.where(hit, self.table.area[pos].astype(np.int32), NO_AREA).astype(np.int32)
        miss = ~hit
        if miss.any():
            area[miss] = locate_points(self.edges, lon[miss], lat[miss])
        return cells, area

    def locate(self, lat: float, lon: float) -> tuple[int, str | None]:
        """Return (cell int, area code or None) for one point."""
        cells, area = self.locate_many(np.array([lat]), np.array([lon]))
        idx = int(area[0])
        return int(cells[0]), (self.areaset.areas[idx].code if idx != NO_AREA else None)

    def codes_of(self, area_idx: np.ndarray) -> list[str | None]:
        """Return area codes (None for -1) for an array of area indexes."""
        codes = self.areaset.codes
        return [codes[i] if i != NO_AREA else None for i in area_idx.tolist()]
