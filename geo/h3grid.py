"""H3 helpers. Names follow h3-py: ``latlng_*`` takes latitude first.

Cells travel on the wire as the 15-hex-digit string and are stored as signed 64-bit integers
(H3 indexes fit below 2**63, so the value is the same either way).
"""
from __future__ import annotations

import h3
import numpy as np

DEFAULT_RES = 9


def latlng_to_cell_int(lat: float, lng: float, res: int = DEFAULT_RES) -> int:
    """Return the H3 cell containing (lat, lng) at ``res`` as an int."""
    return h3.str_to_int(h3.latlng_to_cell(lat, lng, res))


def latlng_to_cells(lat: np.ndarray, lng: np.ndarray, res: int = DEFAULT_RES) -> np.ndarray:
    """Return an int64 array of H3 cells for arrays of lat/lng (same results as the scalar path)."""
    lat = np.asarray(lat, dtype=np.float64)
    lng = np.asarray(lng, dtype=np.float64)
    out = np.empty(lat.shape[0], dtype=np.int64)
    to_cell, to_int = h3.latlng_to_cell, h3.str_to_int
    for i in range(lat.shape[0]):
        out[i] = to_int(to_cell(float(lat[i]), float(lng[i]), res))
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
