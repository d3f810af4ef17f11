"""Routing exactness: the H3 table + numba point-in-polygon agrees with shapely on the same
polygons, inside every commune, near shared borders and vertices, and outside."""
from __future__ import annotations

import numpy as np
import shapely

from tests.helpers import report

RNG_SEED = 20251117


def shapely_owner(areaset, lat: np.ndarray, lon: np.ndarray) -> list[str | None]:
    """Return the code of the polygon that contains each point per shapely (None: none)."""
    pts = shapely.points(lon, lat)
    owner: list[str | None] = [None] * len(pts)
    for area in areaset.areas:
        for i in np.flatnonzero(shapely.contains(area.geometry, pts)):
            assert owner[i] is None, "polygons overlap"
            owner[i] = area.code
    return owner


def located(router, lat: np.ndarray, lon: np.ndarray) -> list[str | None]:
    return [r.area for r in router.route_many(lat, lon, ["environment.waste"] * len(lat))]


def test_points_inside_every_commune(router):
    rng = np.random.default_rng(RNG_SEED)
    for area in router.areaset.areas:
        x0, y0, x1, y1 = area.geometry.bounds
        xs, ys = rng.uniform(x0, x1, 4000), rng.uniform(y0, y1, 4000)
        inside = shapely.contains_xy(area.geometry, xs, ys)
        lat, lon = ys[inside][:300], xs[inside][:300]
        assert len(lat) >= 50, area.name
        assert set(located(router, lat, lon)) == {area.code}, area.name


def border_points(areaset, rng, per_area: int = 150):
    """Points within 1e-7…1e-4 degrees of ring vertices and edge midpoints, both sides."""
    lats, lons = [], []
    for area in areaset.areas:
        ring = shapely.get_coordinates(area.geometry.exterior)
        pick = rng.choice(len(ring) - 1, size=min(per_area, len(ring) - 1), replace=False)
        a, b = ring[pick], ring[pick + 1]
        for base in (a, (a + b) / 2):
            scale = 10 ** rng.uniform(-7, -4, size=(len(base), 1))
            offset = rng.normal(size=(len(base), 2)) * scale
            lons.append(base[:, 0] + offset[:, 0])
            lats.append(base[:, 1] + offset[:, 1])
    return np.concatenate(lats), np.concatenate(lons)


def test_points_near_borders_and_vertices_agree_with_shapely(router):
    rng = np.random.default_rng(RNG_SEED)
    lat, lon = border_points(router.areaset, rng)
    expected = shapely_owner(router.areaset, lat, lon)
    touches = shapely.intersects_xy(router.areaset.union(), lon, lat)
    on_boundary = {i for i, e in enumerate(expected) if e is None and touches[i]}
    got = located(router, lat, lon)
    mismatch = [i for i in range(len(lat)) if got[i] != expected[i] and i not in on_boundary]
    assert len(lat) > 5_000 and len(on_boundary) < 10
    assert mismatch == []


def test_random_points_over_the_region_including_outside(router):
    rng = np.random.default_rng(RNG_SEED + 1)
    x0, y0, x1, y1 = router.areaset.union().bounds
    lat, lon = rng.uniform(y0 - 0.1, y1 + 0.1, 100_000), rng.uniform(x0 - 0.1, x1 + 0.1, 100_000)
    assert located(router, lat, lon) == shapely_owner(router.areaset, lat, lon)


def test_scalar_and_batch_paths_agree(router):
    rng = np.random.default_rng(3)
    lat, lon = border_points(router.areaset, rng, per_area=10)
    batch = located(router, lat, lon)
    scalar = [router.route(float(a), float(o), "environment.waste").area for a, o in zip(lat, lon)]
    assert batch == scalar


def test_point_on_a_shared_border_is_deterministic(router):
    """A point exactly on a shared vertical-ish edge goes to the polygon east of it."""
    areas = router.areaset.areas
    a, b = areas[0].geometry, next(x.geometry for x in areas[1:] if x.geometry.touches(areas[0].geometry))
    shared = shapely.intersection(a.boundary, b.boundary)
    seg = shapely.get_coordinates(shared)[:2]
    mid = seg.mean(axis=0)
    first = router.route(float(mid[1]), float(mid[0]), "environment.waste").area
    again = router.route(float(mid[1]), float(mid[0]), "environment.waste").area
    assert first == again and first in {areas[0].code} | {x.code for x in areas if x.geometry is b}


def test_api_routes_border_points_like_shapely(server, operator, router):
    rng = np.random.default_rng(9)
    lat, lon = border_points(router.areaset, rng, per_area=3)
    expected = shapely_owner(router.areaset, lat, lon)
    keep = [i for i, e in enumerate(expected) if e is not None]
    events = [report(lat=float(lat[i]), lon=float(lon[i])) for i in keep]
    stored = server.post_events(events, operator).body["events"]
    assert [e["area"] for e in stored] == [expected[i] for i in keep]
    assert all(e["agency_id"] == f"ubnd-{e['area']}" for e in stored)
