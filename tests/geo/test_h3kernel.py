"""The numba lat/lng → cell kernel gives bit-identical cells to h3-py: millions of points over the
globe and over Huế at several resolutions, and adversarial points (cell edges and vertices, edges
between icosahedron faces, pentagons, face centres)."""
from __future__ import annotations

import numpy as np
import pytest
from h3.api import basic_int

from geo import h3grid
from geo.h3kernel import _CENTRE

RNG_SEED = 20251117


def reference(lat: np.ndarray, lng: np.ndarray, res: int) -> np.ndarray:
    """h3-py, one point at a time."""
    pairs = zip(lat.tolist(), lng.tolist())
    return np.array([basic_int.latlng_to_cell(a, b, res) for a, b in pairs], np.int64)


def assert_identical(lat: np.ndarray, lng: np.ndarray, res: int) -> None:
    got = h3grid.latlng_to_cells(lat, lng, res)
    want = reference(lat, lng, res)
    bad = np.flatnonzero(got != want)
    assert bad.size == 0, [(lat[i], lng[i], hex(got[i]), hex(want[i])) for i in bad[:5]]


def unit_to_latlng(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    v = v / np.linalg.norm(v, axis=1)[:, None]
    return np.degrees(np.arcsin(v[:, 2])), np.degrees(np.arctan2(v[:, 1], v[:, 0]))


@pytest.mark.parametrize("res", [0, 3, 7, 9, 12, 15])
def test_random_points_over_the_globe(res):
    rng = np.random.default_rng(RNG_SEED + res)
    n = 400_000
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    assert_identical(lat, rng.uniform(-180, 180, n), res)


@pytest.mark.parametrize("res", [8, 9, 10])
def test_a_million_points_over_hue(res):
    rng = np.random.default_rng(RNG_SEED)
    n = 1_000_000
    assert_identical(rng.uniform(15.9, 16.8, n), rng.uniform(106.9, 108.3, n), res)


def near_cell_boundaries(rng, res: int, cells: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Vertices and points along the edges of random cells, moved by 1e-13…1e-7 degrees."""
    lat0 = np.degrees(np.arcsin(rng.uniform(-1, 1, cells)))
    pts = []
    for c in reference(lat0, rng.uniform(-180, 180, cells), res).tolist():
        b = np.array(basic_int.cell_to_boundary(c))
        t = rng.uniform(0, 1, (len(b), 1))
        pts += [b, b * t + np.roll(b, 1, axis=0) * (1 - t)]
    p = np.repeat(np.vstack(pts), 3, axis=0)
    p += rng.normal(size=p.shape) * 10 ** rng.uniform(-13, -7, (len(p), 1))
    return p[:, 0], p[:, 1]


@pytest.mark.parametrize("res", [0, 1, 5, 9, 10, 15])
def test_points_on_cell_edges_and_vertices(res):
    assert_identical(*near_cell_boundaries(np.random.default_rng(RNG_SEED + res), res), res)


@pytest.mark.parametrize("res", [0, 2, 9, 15])
def test_points_near_face_edges_pentagons_and_face_centres(res):
    rng = np.random.default_rng(RNG_SEED - res)
    i, j = rng.integers(0, 20, 20000), rng.integers(0, 20, 20000)
    mid = (_CENTRE[i] + _CENTRE[j]) / 2
    face_edges = mid + rng.normal(size=mid.shape) * 10 ** rng.uniform(-14, -6, (20000, 1))
    centres = np.repeat(_CENTRE, 1000, axis=0)
    centres += rng.normal(size=centres.shape) * 10 ** rng.uniform(-15, -2, (len(centres), 1))
    pent = np.array([basic_int.cell_to_latlng(c) for c in basic_int.get_pentagons(res)])
    near_pent = np.repeat(pent, 2000, axis=0)
    near_pent += rng.normal(size=near_pent.shape) * 10 ** rng.uniform(-12, 0, (len(near_pent), 1))
    for lat, lng in (unit_to_latlng(face_edges), unit_to_latlng(centres),
                     (near_pent[:, 0], near_pent[:, 1])):
        assert_identical(lat, lng, res)


def test_scalar_and_batch_paths_agree_and_bad_input_is_refused():
    rng = np.random.default_rng(1)
    lat, lng = rng.uniform(-80, 80, 500), rng.uniform(-180, 180, 500)
    batch = h3grid.latlng_to_cells(lat, lng, 9)
    assert [h3grid.latlng_to_cell_int(a, b, 9) for a, b in zip(lat, lng)] == batch.tolist()
    with pytest.raises(ValueError, match="finite"):
        h3grid.latlng_to_cells(np.array([16.4, np.nan]), np.array([107.5, 107.5]), 9)
    with pytest.raises(ValueError, match="resolution"):
        h3grid.latlng_to_cell_int(16.4, 107.5, 16)
