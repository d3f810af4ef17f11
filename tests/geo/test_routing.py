"""Routing exactness: the H3 cell table + numba grid point-in-polygon agree with shapely on the
real polygons of both boundary generations — inside every area, near shared borders and
vertices, and outside — and the rule for points exactly on a border is the documented one."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import shapely

from geo.locator import AreaLocator
from geo.pip import build_grid_index, locate_points, orient
from tests.helpers import report

RNG_SEED = 20251117
GENERATIONS = [0, 1]


def shapely_owner(areaset, lat: np.ndarray, lon: np.ndarray) -> list[str | None]:
    """Return the code of the polygon that contains each point per shapely (None: none)."""
    pts = shapely.points(lon, lat)
    owner: list[str | None] = [None] * len(pts)
    for area in areaset.areas:
        for i in np.flatnonzero(shapely.contains(area.geometry, pts)):
            assert owner[i] is None, "polygons overlap"
            owner[i] = area.code
    return owner


def located(locator: AreaLocator, lat: np.ndarray, lon: np.ndarray) -> list[str | None]:
    """Codes from the routing path (cells + table + grid)."""
    return locator.codes_of(locator.locate_many(lat, lon)[1])


def joined(locator: AreaLocator, lat: np.ndarray, lon: np.ndarray) -> list[str | None]:
    """Codes from the bulk join path (grid only)."""
    return locator.codes_of(locator.locate_points(lat, lon))


def border_points(areaset, rng, per_area: int = 150):
    """Points within 1e-12…1e-4 degrees of ring vertices and edge points, both sides."""
    lats, lons = [], []
    for area in areaset.areas:
        for ring in shapely.get_rings(shapely.get_parts(area.geometry)):
            xy = shapely.get_coordinates(ring)
            pick = rng.choice(len(xy) - 1, size=min(per_area, len(xy) - 1), replace=False)
            a, b = xy[pick], xy[pick + 1]
            for base in (a, (a + b) / 2, a + (b - a) * rng.uniform(size=(len(a), 1))):
                scale = 10 ** rng.uniform(-12, -4, size=(len(base), 1))
                offset = rng.normal(size=(len(base), 2)) * scale
                lons.append(base[:, 0] + offset[:, 0])
                lats.append(base[:, 1] + offset[:, 1])
    return np.concatenate(lats), np.concatenate(lons)


@pytest.mark.parametrize("gen", GENERATIONS)
def test_points_inside_every_area(router, gen):
    loc = router.locators[gen]
    rng = np.random.default_rng(RNG_SEED)
    for area in loc.areaset.areas:
        x0, y0, x1, y1 = area.geometry.bounds
        xs, ys = rng.uniform(x0, x1, 4000), rng.uniform(y0, y1, 4000)
        inside = shapely.contains_xy(area.geometry, xs, ys)
        lat, lon = ys[inside][:300], xs[inside][:300]
        assert len(lat) >= 50, area.name
        assert set(located(loc, lat, lon)) == {area.code} == set(joined(loc, lat, lon)), area.name


@pytest.mark.parametrize("gen", GENERATIONS)
def test_points_near_borders_and_vertices_agree_with_shapely(router, gen):
    loc = router.locators[gen]
    per_area = 6000 // len(loc.areaset.areas)
    lat, lon = border_points(loc.areaset, np.random.default_rng(RNG_SEED + gen), per_area)
    expected = shapely_owner(loc.areaset, lat, lon)
    touches = shapely.intersects_xy(loc.areaset.union(), lon, lat)
    on_boundary = {i for i, e in enumerate(expected) if e is None and touches[i]}
    assert len(lat) > 10_000 and len(on_boundary) < 10
    for got in (located(loc, lat, lon), joined(loc, lat, lon)):
        assert [i for i in range(len(lat)) if got[i] != expected[i] and i not in on_boundary] == []


@pytest.mark.parametrize("gen", GENERATIONS)
def test_random_points_over_the_region_including_outside(router, gen):
    loc = router.locators[gen]
    rng = np.random.default_rng(RNG_SEED + 1)
    x0, y0, x1, y1 = loc.areaset.union().bounds
    lat, lon = rng.uniform(y0 - 0.1, y1 + 0.1, 200_000), rng.uniform(x0 - 0.1, x1 + 0.1, 200_000)
    expected = shapely_owner(loc.areaset, lat, lon)
    assert located(loc, lat, lon) == expected == joined(loc, lat, lon)


@pytest.mark.parametrize("res", [7, 10])
def test_cell_tables_at_other_resolutions_agree_with_shapely(router, res):
    loc = AreaLocator(router.locators[1].areaset, res)
    assert loc.table.interior_cells > 250
    rng = np.random.default_rng(res)
    lat, lon = border_points(loc.areaset, rng, per_area=40)
    x0, y0, x1, y1 = loc.areaset.union().bounds
    lat = np.concatenate([lat, rng.uniform(y0, y1, 100_000)])
    lon = np.concatenate([lon, rng.uniform(x0, x1, 100_000)])
    expected = shapely_owner(loc.areaset, lat, lon)
    got = located(loc, lat, lon)
    touches = shapely.intersects_xy(loc.areaset.union(), lon, lat)
    assert [i for i in range(len(lat)) if got[i] != expected[i]
            and not (expected[i] is None and touches[i])] == []


def test_scalar_and_batch_paths_agree(router):
    """Whole Routes (cell, area, agency, copies, deadline, generation) on both generations."""
    rng = np.random.default_rng(3)
    lat, lon = border_points(router.locators[1].areaset, rng, per_area=8)
    lat = np.concatenate([lat, rng.uniform(15.9, 16.9, 3000)])
    lon = np.concatenate([lon, rng.uniform(106.9, 108.4, 3000)])
    codes = [c.code for c in router.categories.all()] + ["no.such_category"]
    cats = [codes[i] for i in rng.integers(0, len(codes), len(lat))]
    switch = router.generations.starts_us[1]
    times = switch + rng.integers(-10**12, 10**12, len(lat))
    batch = router.route_many(lat, lon, cats, times)
    scalar = [router.route(float(a), float(o), c, int(t))
              for a, o, c, t in zip(lat, lon, cats, times)]
    assert batch == scalar
    assert {r.generation for r in batch} == {"districts-2019", "communes-2025"}


def squares():
    """A | B side by side, C on top of A: shared vertical and horizontal borders."""
    return [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(0, 1, 1, 2)]


def test_point_exactly_on_a_border_follows_the_documented_rule():
    grid = build_grid_index(squares(), cell_deg=0.25)
    x = np.array([1.0, 0.5, 0.0, 2.0, 0.5, 1.0, 0.5, 0.0, 1.5])
    y = np.array([0.5, 1.0, 0.5, 0.5, 0.0, 1.0, 2.0, 1.5, 1.0])
    # A|B: east wins; A/C: north wins; west and south edges of the union are in, east and north
    # edges out; the corner shared by A, B and C goes where (x + δ, y + ε) lies: outside.
    assert locate_points(grid, x, y).tolist() == [1, 2, 0, -1, 0, -1, -1, 2, -1]


def test_points_exactly_on_real_shared_borders_are_deterministic(router):
    """Vertices shared by two communes, and points exactly on vertical shared edges."""
    loc = router.locators[1]
    xy = np.vstack([shapely.get_coordinates(a.geometry) for a in loc.areaset.areas])
    uniq, counts = np.unique(xy, axis=0, return_counts=True)
    shared = uniq[counts >= 2]
    got = located(loc, shared[:, 1], shared[:, 0])
    again = [loc.code_of(loc.locate(float(a), float(o))[1]) for o, a in shared]
    assert got == again and got == joined(loc, shared[:, 1], shared[:, 0])
    touching = shapely.intersects_xy(np.array([a.geometry for a in loc.areaset.areas])[:, None],
                                     shared[:, 0], shared[:, 1])
    codes = np.array(loc.areaset.codes)
    assert all(g is None or g in codes[touching[:, k]] for k, g in enumerate(got))
    vertical = [(x0, (y0 + y1) / 2) for a in loc.areaset.areas
                for (x0, y0), (x1, y1) in zip(shapely.get_coordinates(a.geometry.exterior)[:-1],
                                              shapely.get_coordinates(a.geometry.exterior)[1:])
                if x0 == x1 and abs(y1 - y0) > 1e-6]
    assert len(vertical) > 10
    px, py = np.array(vertical).T
    east = shapely_owner(loc.areaset, py, px + 1e-9)
    assert located(loc, py, px) == east


def test_orientation_is_exact_for_nearly_collinear_points():
    rng = np.random.default_rng(5)
    for _ in range(20_000):
        a, b = rng.uniform(107, 108, 2), rng.uniform(16, 17, 2)
        t = rng.uniform()
        cx = a[0] + t * (a[1] - a[0]) + rng.choice([0.0, 1e-15, -1e-15, 1e-12])
        cy = b[0] + t * (b[1] - b[0]) + rng.choice([0.0, 1e-15, -1e-15])
        fa, fb, fc = (Fraction(a[0]), Fraction(b[0])), (Fraction(a[1]), Fraction(b[1])), \
            (Fraction(cx), Fraction(cy))
        det = (fa[0] - fc[0]) * (fb[1] - fc[1]) - (fa[1] - fc[1]) * (fb[0] - fc[0])
        want = (det > 0) - (det < 0)
        assert orient(a[0], b[0], a[1], b[1], cx, cy) == want


def test_api_routes_border_points_like_shapely(server, operator, router):
    rng = np.random.default_rng(9)
    areaset = router.locators[1].areaset
    lat, lon = border_points(areaset, rng, per_area=3)
    expected = shapely_owner(areaset, lat, lon)
    keep = [i for i, e in enumerate(expected) if e is not None][:2000]
    events = [report(lat=float(lat[i]), lon=float(lon[i]), category="urban_order.sidewalk")
              for i in keep]
    stored = server.post_events(events, operator).body["events"]
    assert [e["area"] for e in stored] == [expected[i] for i in keep]
    assert all(e["agency_id"] == f"ubnd-{e['area']}" for e in stored)
