"""H3 helpers. Names follow h3-py: ``latlng_*`` takes latitude first.

Cells travel on the wire as the 15-hex-digit string and are stored as signed 64-bit integers
(H3 indexes fit below 2**63, so the value is the same either way). lat/lng → cell runs in the
numba port of ``geo.h3kernel`` (bit-identical to h3-py; on every core for large batches).
"""
from __future__ import annotations

import h3
import numpy as np

from geo import batch
from geo.h3kernel import latlng_to_cell, latlng_to_cells_into, latlng_to_cells_parallel

DEFAULT_RES = 9


def _check_res(res: int) -> None:
    if not 0 <= res <= 15:
        raise ValueError(f"H3 resolution must be 0…15, not {res}")


def latlng_to_cell_int(lat: float, lng: float, res: int = DEFAULT_RES) -> int:
    """Return the H3 cell containing (lat, lng) at ``res`` as an int; ValueError if not finite."""
    _check_res(res)
    cell = latlng_to_cell(float(lat), float(lng), res)
    if cell == 0:
        raise ValueError(f"({lat}, {lng}) is not a finite coordinate")
    return cell


def latlng_to_cells(lat: np.ndarray, lng: np.ndarray, res: int = DEFAULT_RES) -> np.ndarray:
    """Return an int64 array of the H3 cells of arrays of lat/lng (what h3-py gives, per point).

    Raise ValueError if a coordinate is not finite.
    """
    _check_res(res)
    lat = np.ascontiguousarray(lat, dtype=np.float64)
    lng = np.ascontiguousarray(lng, dtype=np.float64)
    out = np.empty(lat.shape[0], dtype=np.int64)
    batch.run(latlng_to_cells_into, latlng_to_cells_parallel, len(lat), lat, lng, res, out)
    if lat.shape[0] and not out.all():
        i = int(np.flatnonzero(out == 0)[0])
        raise ValueError(f"({lat[i]}, {lng[i]}) is not a finite coordinate")
    return out


def cell_to_str(cell: int) -> str:
    """Return the canonical 15-hex-digit string of an integer cell."""
    return format(int(cell), "015x")


def str_to_cell(text: str) -> int:
    """Return the integer form of a cell string; raise ValueError if it is not a valid H3 cell."""
    if not isinstance(text, str) or not h3.is_valid_cell(text):
        raise ValueError(f"{text!r} is not a valid H3 cell")
    return h3.str_to_int(text)


def cell_parent(cell: int, res: int) -> int:
    """Return the parent of an integer cell at a coarser resolution."""
    return h3.str_to_int(h3.cell_to_parent(cell_to_str(cell), res))


def cell_center(cell: int) -> tuple[float, float]:
    """Return (lat, lng) of the centre of an integer cell."""
    return h3.cell_to_latlng(cell_to_str(cell))


def grid_disk_int(cell: int, k: int = 1) -> list[int]:
    """Return the integer cells within ``k`` steps of ``cell`` (itself included)."""
    return [h3.str_to_int(c) for c in h3.grid_disk(cell_to_str(cell), k)]
