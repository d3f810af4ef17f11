"""Which area holds a point: an H3 cell → area table for cells wholly inside one area, and the
exact grid point-in-polygon of ``geo.pip`` only for cells that straddle a border (or lie outside
the table).

The table is dense per *parent* cell: for each res ``res - 4`` parent that touches the territory,
one int16 slot per child digit combination (8⁴ = 4096 slots, the three-bit digits used directly as
the index). A slot holds the area index, NO_AREA (the cell lies wholly outside every area) or
BORDER (ask the grid). A child is classified from the grid: wholly inside area k when every grid
cell under its hexagon's bounding box (grown by a slack for the geodesic edges) is inside k.

``locate_one`` (one event), ``locate_into`` (a batch) and ``locate_parallel`` (a large batch, in
chunks on every core) all run ``locate_into``.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import h3
import numba
import numpy as np

from geo import batch, h3grid
from geo.areas import AreaSet
from geo.batch import CHUNK
from geo.h3kernel import latlng_to_cell
from geo.pip import (BORDER, DEFAULT_CELL_DEG, NO_AREA, GridIndex, build_grid_index,
                     locate_points)
from geo.pip import locate_into as grid_locate

log = logging.getLogger(__name__)

TABLE_DEPTH = 4
_SLOTS = 8 ** TABLE_DEPTH
_jit = numba.njit(cache=True, nogil=True)


@dataclass(frozen=True)
class CellTable:
    """Dense cell → area table of one resolution (see the module docstring)."""

    res: int
    parent_res: int
    parents: np.ndarray
    area: np.ndarray

    @property
    def args(self) -> tuple:
        """Return the kernel arguments in the order the kernels take them."""
        return (self.res, self.parent_res, self.parents, self.area)

    @property
    def nbytes(self) -> int:
        """Return the memory held by the table, in bytes."""
        return int(self.parents.nbytes + self.area.nbytes)

    @property
    def interior_cells(self) -> int:
        """Return how many cells the table answers without the exact test."""
        return int(np.count_nonzero(self.area >= 0))


@_jit
def locate_into(lat: np.ndarray, lon: np.ndarray, known: bool, cells: np.ndarray, res: int,
                parent_res: int, parents: np.ndarray, area: np.ndarray, x0: float, y0: float,
                step: float, nx: int, ny: int, npoly: int, gcell: np.ndarray,
                cand_start: np.ndarray, cand: np.ndarray, row_start: np.ndarray, ex0: np.ndarray,
                ey0: np.ndarray, ex1: np.ndarray, ey1: np.ndarray, out: np.ndarray) -> None:
    """Fill ``out`` with the area of each point (and ``cells``, unless ``known``); one core.

    The cell table answers every cell it holds as interior or outside; the points of border cells
    (and of cells outside the table) then go to the grid kernel together. Every path runs this
    kernel.
    """
    depth = res - parent_res
    digit_mask = (1 << (3 * depth)) - 1
    low_sevens = (1 << (3 * (15 - parent_res))) - 1
    ask = np.empty(lat.shape[0], np.int64)
    m = 0
    for i in range(lat.shape[0]):
        if not known:
            cells[i] = latlng_to_cell(lat[i], lon[i], res)
        cell = cells[i]
        parent = (cell & ~(15 << 52)) | (parent_res << 52) | low_sevens
        pos = np.searchsorted(parents, parent)
        v = BORDER
        if pos < parents.shape[0] and parents[pos] == parent:
            v = area[(pos << (3 * TABLE_DEPTH)) + ((cell >> (3 * (15 - res))) & digit_mask)]
        out[i] = v
        if v == BORDER:
            ask[m] = i
            m += 1
    if m:
        idx = ask[:m]
        found = np.empty(m, np.int32)
        grid_locate(lon[idx], lat[idx], x0, y0, step, nx, ny, npoly, gcell, cand_start, cand,
                    row_start, ex0, ey0, ex1, ey1, found)
        for k in range(m):
            out[idx[k]] = found[k]


@_jit
def locate_one(lat: float, lon: float, res: int, parent_res: int, parents: np.ndarray,
               area: np.ndarray, x0: float, y0: float, step: float, nx: int, ny: int,
               npoly: int, gcell: np.ndarray, cand_start: np.ndarray, cand: np.ndarray,
               row_start: np.ndarray, ex0: np.ndarray, ey0: np.ndarray, ex1: np.ndarray,
               ey1: np.ndarray) -> tuple[int, int]:
    """Return (cell, area index or NO_AREA) of one point: ``locate_into`` on a batch of one."""
    cells, out = np.empty(1, np.int64), np.empty(1, np.int32)
    locate_into(np.array([lat]), np.array([lon]), False, cells, res, parent_res, parents, area,
                x0, y0, step, nx, ny, npoly, gcell, cand_start, cand, row_start, ex0, ey0, ex1,
                ey1, out)
    return cells[0], out[0]


@numba.njit(cache=True, nogil=True, parallel=True)
def locate_parallel(lat: np.ndarray, lon: np.ndarray, known: bool, cells: np.ndarray, res: int,
                    parent_res: int, parents: np.ndarray, area: np.ndarray, x0: float, y0: float,
                    step: float, nx: int, ny: int, npoly: int, gcell: np.ndarray,
                    cand_start: np.ndarray, cand: np.ndarray, row_start: np.ndarray,
                    ex0: np.ndarray, ey0: np.ndarray, ex1: np.ndarray, ey1: np.ndarray,
                    out: np.ndarray) -> None:
    """``locate_into`` over chunks of the batch, on all cores."""
    n = lat.shape[0]
    for c in numba.prange((n + CHUNK - 1) // CHUNK):
        lo, hi = c * CHUNK, min(n, (c + 1) * CHUNK)
        locate_into(lat[lo:hi], lon[lo:hi], known, cells[lo:hi], res, parent_res, parents, area,
                    x0, y0, step, nx, ny, npoly, gcell, cand_start, cand, row_start, ex0, ey0,
                    ex1, ey1, out[lo:hi])


# -- building the table -----------------------------------------------------------------------

@_jit
def _classify_boxes(boxes: np.ndarray, x0: float, y0: float, step: float, nx: int, ny: int,
                    gcell: np.ndarray) -> np.ndarray:
    """Return, per (lon0, lat0, lon1, lat1) box, the one area every grid cell under it is
    wholly inside, NO_AREA if every such cell is outside every area, else BORDER."""
    out = np.empty(boxes.shape[0], np.int16)
    for b in range(boxes.shape[0]):
        c0 = int(math.floor((boxes[b, 0] - x0) / step))
        c1 = int(math.floor((boxes[b, 2] - x0) / step))
        r0 = int(math.floor((boxes[b, 1] - y0) / step))
        r1 = int(math.floor((boxes[b, 3] - y0) / step))
        label = -3
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                v = gcell[r * nx + c] if 0 <= r < ny and 0 <= c < nx else NO_AREA
                if label == -3:
                    label = v
                elif v != label or v <= BORDER:
                    label = BORDER
            if label == BORDER:
                break
        out[b] = BORDER if label <= BORDER else label
    return out


def _child_boxes(children: list[int], res: int) -> np.ndarray:
    """Return (lon0, lat0, lon1, lat1) per cell from its vertices, grown for geodesic edges."""
    slack = 1e-7 + 1e-3 * h3.average_hexagon_edge_length(res, "km") / 111.0
    boundary = h3.api.basic_int.cell_to_boundary
    verts = [boundary(c) for c in children]
    longest = max(len(v) for v in verts)
    v = np.array([b + b[:1] * (longest - len(b)) for b in verts])
    boxes = np.column_stack([v[:, :, 1].min(1), v[:, :, 0].min(1), v[:, :, 1].max(1),
                             v[:, :, 0].max(1)])
    return boxes + np.array([-slack, -slack, slack, slack])


def build_cell_table(grid: GridIndex, res: int) -> CellTable:
    """Return the CellTable of resolution ``res`` derived from ``grid``."""
    parent_res = max(0, res - TABLE_DEPTH)
    ys, xs = np.divmod(np.flatnonzero(grid.cell != NO_AREA), grid.nx)
    lat, lon = grid.y0 + (ys + 0.5) * grid.step, grid.x0 + (xs + 0.5) * grid.step
    parents = np.unique(h3grid.latlng_to_cells(lat, lon, parent_res))
    depth = res - parent_res
    area = np.full(len(parents) * _SLOTS, BORDER, np.int16)
    to_children = h3.api.basic_int.cell_to_children
    for pos, parent in enumerate(parents.tolist()):
        children = to_children(parent, res)
        labels = _classify_boxes(_child_boxes(children, res), *grid.args[:5], grid.cell)
        digits = np.array(children, np.int64) >> (3 * (15 - res)) & ((1 << (3 * depth)) - 1)
        area[pos * _SLOTS + digits] = labels
    return CellTable(res, parent_res, parents, area)


class AreaLocator:
    """Locate points in one AreaSet. The scalar and batch paths run the same kernel."""

    def __init__(self, areaset: AreaSet, res: int = h3grid.DEFAULT_RES,
                 cell_deg: float = DEFAULT_CELL_DEG):
        self.areaset = areaset
        self.res = res
        self.grid = build_grid_index([a.geometry for a in areaset.areas], cell_deg)
        self.table = build_cell_table(self.grid, res)
        self._args = (*self.table.args, *self.grid.args)
        log.info("area locator %s res %d: %d interior cells, %.1f MB", areaset.generation, res,
                 self.table.interior_cells, self.nbytes / 1e6)

    @property
    def nbytes(self) -> int:
        """Return the memory held by the grid and the cell table, in bytes."""
        return self.grid.nbytes + self.table.nbytes

    def locate_many(self, lat: np.ndarray, lon: np.ndarray,
                    cells: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Return (cells int64, area index int32 with -1 outside) for arrays of lat/lon.

        With ``cells`` given (cells of these points at this locator's resolution), they are used
        as they are instead of being computed.
        """
        lat = np.ascontiguousarray(lat, np.float64)
        lon = np.ascontiguousarray(lon, np.float64)
        known = cells is not None
        cells = np.ascontiguousarray(cells, np.int64) if known else np.empty(len(lat), np.int64)
        out = np.empty(len(lat), np.int32)
        batch.run(locate_into, locate_parallel, len(lat), lat, lon, known, cells, *self._args, out)
        return cells, out

    def locate(self, lat: float, lon: float) -> tuple[int, int]:
        """Return (cell, area index or -1) for one point (the scalar path)."""
        return locate_one(lat, lon, *self._args)

    def locate_points(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Return the area index (int32, -1 outside) of each point, without H3 cells (the join)."""
        return locate_points(self.grid, lon, lat)

    def code_of(self, idx: int) -> str | None:
        """Return the area code of an index (None for -1)."""
        return self.areaset.areas[idx].code if idx != NO_AREA else None

    def codes_of(self, area_idx: np.ndarray) -> list[str | None]:
        """Return area codes (None for -1) for an array of area indexes."""
        codes = self.areaset.codes
        return [codes[i] if i != NO_AREA else None for i in area_idx.tolist()]
