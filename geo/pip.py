"""Exact point-in-polygon for polygons that tile a region: a uniform grid compiled with numba.

Every grid cell is classified once: wholly inside one polygon (the answer is one array read),
wholly outside every polygon, or a *border* cell that some polygon boundary crosses. A border cell
keeps its candidate polygons (those whose boundary crosses it, plus the one holding its centre),
and each grid row keeps, per polygon, the edges that cross the row. A point in a border cell casts
a ray towards +x; for each candidate, the parity of the candidate's edges that the ray crosses in
that row says whether the point is inside. The side test is exact: a floating-point filter with
the error bound GEOS uses, then an exact expansion sum when the filter cannot decide.

Cells and rows are grown by ``MARGIN_DEG`` when edges are assigned to them, so a point whose grid
index rounds into a neighbouring cell still meets every edge that could matter.

Rule for a point exactly on a border (documented and deterministic): an edge counts when
``y_low <= py < y_high`` and the point lies strictly left of the upward edge (as GEOS's ray
crossing counter). A point on a shared border therefore belongs to the polygon on its east side
(on a horizontal border: the polygon to the north); a point on the outer boundary of the union
belongs to the polygon only on its western/southern edges. Every other point gets exactly what
shapely ``contains`` says.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo import batch
from geo.batch import CHUNK

NO_AREA = -1
BORDER = -2
MARGIN_DEG = 1e-9
DEFAULT_CELL_DEG = 0.001

_jit = numba.njit(cache=True, nogil=True)
_inline = numba.njit(cache=True, nogil=True, inline="always")


@dataclass(frozen=True)
class GridIndex:
    """The grid (row-major, ``cell[iy * nx + ix]``) and its border data, ready for numba.

    ``cell``: polygon index ≥ 0, ``NO_AREA``, or ``BORDER - b`` for border cell b, whose
    candidates are ``cand[cand_start[b]:cand_start[b + 1]]``. Edges of polygon p crossing row r:
    ``row_start[r * npoly + p]`` up to the next entry, in ``ex0, ey0, ex1, ey1`` (lower end first).
    """

    x0: float
    y0: float
    step: float
    nx: int
    ny: int
    npoly: int
    cell: np.ndarray
    cand_start: np.ndarray
    cand: np.ndarray
    row_start: np.ndarray
    ex0: np.ndarray
    ey0: np.ndarray
    ex1: np.ndarray
    ey1: np.ndarray

    @property
    def args(self) -> tuple:
        """Return the kernel arguments in the order ``locate_*`` take them."""
        return (self.x0, self.y0, self.step, self.nx, self.ny, self.npoly, self.cell,
                self.cand_start, self.cand, self.row_start, self.ex0, self.ey0, self.ex1, self.ey1)

    @property
    def nbytes(self) -> int:
        """Return the memory held by the arrays, in bytes."""
        arrays = (self.cell, self.cand_start, self.cand, self.row_start, self.ex0, self.ey0,
                  self.ex1, self.ey1)
        return int(sum(a.nbytes for a in arrays))

    @property
    def border_share(self) -> float:
        """Return the share of grid cells that are border cells."""
        return float(np.count_nonzero(self.cell <= BORDER)) / self.cell.size


# -- exact orientation ------------------------------------------------------------------------

@_inline
def _two_sum(a: float, b: float) -> tuple[float, float]:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@_inline
def _split(a: float) -> tuple[float, float]:
    c = 134217729.0 * a
    hi = c - (c - a)
    return hi, a - hi


@_inline
def _two_prod(a: float, b: float) -> tuple[float, float]:
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


@_jit
def _orient_exact(ax: float, ay: float, bx: float, by: float, cx: float, cy: float) -> int:
    """Exact sign of (a - c) × (b - c): every rounding error is kept in an expansion sum."""
    a1, a0 = _two_sum(ax, -cx)
    b1, b0 = _two_sum(by, -cy)
    c1, c0 = _two_sum(ay, -cy)
    d1, d0 = _two_sum(bx, -cx)
    terms = np.empty(16)
    n = 0
    for u, v, sign in ((a1, b1, 1.0), (a1, b0, 1.0), (a0, b1, 1.0), (a0, b0, 1.0),
                       (c1, d1, -1.0), (c1, d0, -1.0), (c0, d1, -1.0), (c0, d0, -1.0)):
        p, e = _two_prod(u, v)
        terms[n], terms[n + 1] = sign * p, sign * e
        n += 2
    expansion = np.zeros(17)
    size = 0
    for t in terms:
        q = t
        k = 0
        for i in range(size):
            q, h = _two_sum(q, expansion[i])
            if h != 0.0:
                expansion[k] = h
                k += 1
        expansion[k] = q
        size = k + 1
    for i in range(size - 1, -1, -1):
        if expansion[i] != 0.0:
            return 1 if expansion[i] > 0.0 else -1
    return 0


@_inline
def orient(ax: float, ay: float, bx: float, by: float, cx: float, cy: float) -> int:
    """Return +1 if c lies left of a→b, -1 if right, 0 if on the line (exact).

    The filter is GEOS's ``orientationIndexFilter`` (error bound 1e-15 · |terms|).
    """
    left = (ax - cx) * (by - cy)
    right = (ay - cy) * (bx - cx)
    det = left - right
    if left > 0.0:
        if right <= 0.0:
            return 1 if det > 0.0 else (-1 if det < 0.0 else 0)
        detsum = left + right
    elif left < 0.0:
        if right >= 0.0:
            return 1 if det > 0.0 else (-1 if det < 0.0 else 0)
        detsum = -left - right
    else:
        return 1 if det > 0.0 else (-1 if det < 0.0 else 0)
    bound = 1e-15 * detsum
    if det >= bound or -det >= bound:
        return 1 if det > 0.0 else -1
    return _orient_exact(ax, ay, bx, by, cx, cy)


# -- the locate kernel ------------------------------------------------------------------------
# The per-point logic lives in the loop body itself: a helper that takes the arrays and runs once
# per point costs a reference-count increment and decrement per array per call (~100 ns), which
# is more than the whole lookup. Every path — one event, a batch, a chunk of a parallel batch —
# runs ``locate_into``.

@_jit
def locate_into(px: np.ndarray, py: np.ndarray, x0: float, y0: float, step: float, nx: int,
                ny: int, npoly: int, cell: np.ndarray, cand_start: np.ndarray, cand: np.ndarray,
                row_start: np.ndarray, ex0: np.ndarray, ey0: np.ndarray, ex1: np.ndarray,
                ey1: np.ndarray, out: np.ndarray) -> None:
    """Fill ``out`` with the polygon holding each point (px, py), or NO_AREA; one core."""
    for i in range(px.shape[0]):
        out[i] = NO_AREA
        x, y = px[i], py[i]
        fx, fy = (x - x0) / step, (y - y0) / step
        if not (fx >= 0.0 and fy >= 0.0 and fx < nx and fy < ny):
            continue
        iy = int(fy)
        v = cell[iy * nx + int(fx)]
        if v >= NO_AREA:
            out[i] = v
            continue
        b, base = BORDER - v, iy * npoly
        for q in range(cand_start[b], cand_start[b + 1]):
            p = cand[q]
            odd = False
            for e in range(row_start[base + p], row_start[base + p + 1]):
                if ey0[e] <= y < ey1[e] and orient(ex0[e], ey0[e], ex1[e], ey1[e], x, y) > 0:
                    odd = not odd
            if odd:
                out[i] = p
                break


@numba.njit(cache=True, nogil=True, parallel=True)
def locate_parallel(px: np.ndarray, py: np.ndarray, x0: float, y0: float, step: float, nx: int,
                    ny: int, npoly: int, cell: np.ndarray, cand_start: np.ndarray,
                    cand: np.ndarray, row_start: np.ndarray, ex0: np.ndarray, ey0: np.ndarray,
                    ex1: np.ndarray, ey1: np.ndarray, out: np.ndarray) -> None:
    """``locate_into`` over chunks of the batch, on all cores."""
    n = px.shape[0]
    for c in numba.prange((n + CHUNK - 1) // CHUNK):
        lo, hi = c * CHUNK, min(n, (c + 1) * CHUNK)
        locate_into(px[lo:hi], py[lo:hi], x0, y0, step, nx, ny, npoly, cell, cand_start, cand,
                    row_start, ex0, ey0, ex1, ey1, out[lo:hi])


def locate_points(index: GridIndex, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Return an int32 array: the index of the polygon holding each point, or -1 (NO_AREA)."""
    px = np.ascontiguousarray(lon, dtype=np.float64)
    py = np.ascontiguousarray(lat, dtype=np.float64)
    out = np.empty(px.shape[0], np.int32)
    batch.run(locate_into, locate_parallel, len(px), px, py, *index.args, out)
    return out


# -- building the grid ------------------------------------------------------------------------

def _ring_edges(geom: BaseGeometry) -> np.ndarray:
    """Return an (n, 4) array of ring edges (x0, y0, x1, y1) with y0 <= y1."""
    parts = []
    for ring in shapely.get_rings(shapely.get_parts(geom)):
        xy = shapely.get_coordinates(ring)
        parts.append(np.hstack([xy[:-1], xy[1:]]))
    edges = np.vstack(parts)
    flip = edges[:, 1] > edges[:, 3]
    edges[flip] = edges[flip][:, [2, 3, 0, 1]]
    return edges


@_inline
def _row_span(ya: float, yb: float, y0: float, step: float, ny: int) -> tuple[int, int]:
    r0 = max(0, int(math.floor((ya - MARGIN_DEG - y0) / step)))
    r1 = min(ny - 1, int(math.floor((yb + MARGIN_DEG - y0) / step)))
    return r0, r1


@_jit
def _edge_rows(e: np.ndarray, owner: np.ndarray, y0: float, step: float, ny: int,
               npoly: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (row_start CSR over (row, polygon), edge order) for the per-row edge lists."""
    counts = np.zeros(ny * npoly + 1, np.int64)
    for k in range(e.shape[0]):
        r0, r1 = _row_span(e[k, 1], e[k, 3], y0, step, ny)
        for r in range(r0, r1 + 1):
            counts[r * npoly + owner[k] + 1] += 1
    row_start = np.cumsum(counts)
    fill = row_start[:-1].copy()
    order = np.empty(row_start[-1], np.int64)
    for k in range(e.shape[0]):
        r0, r1 = _row_span(e[k, 1], e[k, 3], y0, step, ny)
        for r in range(r0, r1 + 1):
            slot = r * npoly + owner[k]
            order[fill[slot]] = k
            fill[slot] += 1
    return row_start, order


@_inline
def _x_at(e: np.ndarray, k: int, y: float, end: int) -> float:
    if e[k, 3] == e[k, 1]:
        return e[k, 2 * end]
    return e[k, 0] + (y - e[k, 1]) * (e[k, 2] - e[k, 0]) / (e[k, 3] - e[k, 1])


@_jit
def _touched_cells(e: np.ndarray, owner: np.ndarray, x0: float, y0: float, step: float,
                   nx: int, ny: int, npoly: int) -> np.ndarray:
    """Return the sorted unique keys ``cell * npoly + polygon`` of cells each boundary touches.

    A cell is touched when an edge (horizontal ones included) comes within MARGIN_DEG of it: per
    row, the edge is clipped to the row band (grown by the margin) and the cells under its x
    extent (grown too) are marked.
    """
    out = []
    for k in range(e.shape[0]):
        r0, r1 = _row_span(e[k, 1], e[k, 3], y0, step, ny)
        for r in range(r0, r1 + 1):
            ya = max(e[k, 1], y0 + r * step - MARGIN_DEG)
            yb = min(e[k, 3], y0 + (r + 1) * step + MARGIN_DEG)
            xa, xb = _x_at(e, k, ya, 0), _x_at(e, k, yb, 1)
            c0 = max(0, int(math.floor((min(xa, xb) - 2 * MARGIN_DEG - x0) / step)))
            c1 = min(nx - 1, int(math.floor((max(xa, xb) + 2 * MARGIN_DEG - x0) / step)))
            for c in range(c0, c1 + 1):
                out.append((r * nx + c) * npoly + owner[k])
    return np.unique(np.array(out, np.int64))


@_jit
def _polygon_at(px: float, py: float, r: int, npoly: int, row_start: np.ndarray,
                ex0: np.ndarray, ey0: np.ndarray, ex1: np.ndarray, ey1: np.ndarray) -> int:
    """Return the polygon holding a point of row r by testing every polygon (build time only:
    ``locate_into`` with every polygon as a candidate)."""
    out = np.empty(1, np.int32)
    every = np.arange(npoly).astype(np.int32)
    locate_into(np.array([px]), np.array([py]), px - 1.0, py - 1.0, 2.0, 1, 1, npoly,
                np.array([BORDER], np.int32), np.array([0, npoly]), every,
                row_start[r * npoly:(r + 1) * npoly + 1], ex0, ey0, ex1, ey1, out)
    return out[0]


@_jit
def _classify(touched: np.ndarray, x0: float, y0: float, step: float, nx: int, ny: int,
              npoly: int, row_start: np.ndarray, ex0: np.ndarray, ey0: np.ndarray,
              ex1: np.ndarray, ey1: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (cell, cand_start, cand): runs of untouched cells in a row share one polygon."""
    cell = np.full(nx * ny, NO_AREA - 1000, np.int32)
    keys = touched // npoly
    starts = [0]
    cands = [np.int64(0) for _ in range(0)]
    t = 0
    for idx in range(nx * ny):
        r, c = idx // nx, idx % nx
        px, py = x0 + (c + 0.5) * step, y0 + (r + 0.5) * step
        if t < keys.shape[0] and keys[t] == idx:
            centre = _polygon_at(px, py, r, npoly, row_start, ex0, ey0, ex1, ey1)
            seen_centre = centre == NO_AREA
            while t < keys.shape[0] and keys[t] == idx:
                p = touched[t] % npoly
                seen_centre = seen_centre or p == centre
                cands.append(p)
                t += 1
            if not seen_centre:
                cands.append(centre)
            cell[idx] = BORDER - (len(starts) - 1)
            starts.append(len(cands))
        elif c > 0 and cell[idx - 1] >= NO_AREA:
            cell[idx] = cell[idx - 1]
        else:
            cell[idx] = _polygon_at(px, py, r, npoly, row_start, ex0, ey0, ex1, ey1)
    return cell, np.array(starts, np.int64), np.array(cands, np.int32)


def build_grid_index(polygons: list[BaseGeometry], cell_deg: float = DEFAULT_CELL_DEG) -> GridIndex:
    """Return a GridIndex over ``polygons`` (Polygons or MultiPolygons that do not overlap)."""
    per_poly = [_ring_edges(p) for p in polygons]
    all_edges = np.ascontiguousarray(np.vstack(per_poly))
    all_owner = np.concatenate([np.full(len(e), i, np.int64) for i, e in enumerate(per_poly)])
    sloped = all_edges[:, 1] < all_edges[:, 3]
    edges, owner = np.ascontiguousarray(all_edges[sloped]), all_owner[sloped]
    x0 = float(all_edges[:, [0, 2]].min()) - cell_deg
    y0 = float(all_edges[:, 1].min()) - cell_deg
    nx = int(math.ceil((all_edges[:, [0, 2]].max() + cell_deg - x0) / cell_deg)) + 1
    ny = int(math.ceil((all_edges[:, 3].max() + cell_deg - y0) / cell_deg)) + 1
    npoly = len(polygons)
    row_start, order = _edge_rows(edges, owner, y0, cell_deg, ny, npoly)
    e = edges[order]
    ex0, ey0, ex1, ey1 = (np.ascontiguousarray(e[:, i]) for i in range(4))
    touched = _touched_cells(all_edges, all_owner, x0, y0, cell_deg, nx, ny, npoly)
    cell, cand_start, cand = _classify(touched, x0, y0, cell_deg, nx, ny, npoly, row_start,
                                       ex0, ey0, ex1, ey1)
    return GridIndex(x0, y0, cell_deg, nx, ny, npoly, cell, cand_start, cand, row_start,
                     ex0, ey0, ex1, ey1)
