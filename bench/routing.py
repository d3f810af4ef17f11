"""Routing benchmark: points → commune (the spatial join), points → cell + commune + agency (the
full route), lat/lon → H3 cell, and one streamed event; against geopandas ``sjoin``, a shapely
``STRtree`` query, PostGIS ``ST_Contains`` with a GiST index and an h3-py loop — all on the same
random points over Huế's 40 communes.

``python -m bench.routing [--max-n 10000000] [--no-postgis]`` writes the ``routing`` section of
docs/BENCHMARKS.md. The slow alternatives stop at ``SLOW_MAX_N`` points (they would take minutes
and gigabytes at 10⁷); the section says so.
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
import tracemalloc
import uuid
from contextlib import contextmanager
from typing import Callable, Iterator

import numpy as np

from bench._report import git_commit, machine, table, write_section
from geo import h3grid
from geo.router import Router

SIZES = (10_000, 100_000, 1_000_000, 10_000_000)
SLOW_MAX_N = 1_000_000
H3PY_MAX_N = 1_000_000
RES = 9
GENERATION = 1  # communes-2025
PG_DSN = "host=127.0.0.1 port=5432 user=postgres"


def repeats(n: int) -> int:
    """More repeats for small batches, at least 5."""
    return max(5, min(50, 2_000_000 // n))


def rate(n: int, seconds: float) -> str:
    """Return points per second in millions, 3 significant digits."""
    return f"{n / seconds / 1e6:.3g} M/s"


def points(n: int, bounds: tuple[float, float, float, float],
           seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Return (lat, lon) of n uniform random points over ``bounds`` (lon0, lat0, lon1, lat1)."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = bounds
    return rng.uniform(y0, y1, n), rng.uniform(x0, x1, n)


class Alternatives:
    """The comparison engines, built once over the same polygons."""

    def __init__(self, router: Router):
        import geopandas as gpd
        import shapely
        self.areaset = router.locators[GENERATION].areaset
        self.polys = [a.geometry for a in self.areaset.areas]
        self.gdf = gpd.GeoDataFrame({"code": self.areaset.codes}, geometry=self.polys, crs=4326)
        self.tree = shapely.STRtree(self.polys)
        self.gdf.sindex  # noqa: B018 - build the index outside the timing

    def sjoin(self, lat: np.ndarray, lon: np.ndarray,
              prebuilt: bool = False) -> Callable[[], np.ndarray]:
        """Return a timed callable: geopandas sjoin(predicate='within') → area index per point,
        from the coordinate arrays (or, ``prebuilt``, from a GeoDataFrame built beforehand)."""
        import geopandas as gpd

        def frame() -> gpd.GeoDataFrame:
            return gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326)
        built = frame() if prebuilt else None

        def run() -> np.ndarray:
            pts = built if prebuilt else frame()
            joined = gpd.sjoin(pts, self.gdf, predicate="within", how="left")
            out = np.full(len(lat), -1)
            hit = joined["index_right"].notna().to_numpy()
            out[joined.index.to_numpy()[hit]] = joined["index_right"].to_numpy()[hit].astype(int)
            return out
        return run

    def strtree(self, lat: np.ndarray, lon: np.ndarray) -> Callable[[], np.ndarray]:
        """Return a timed callable: STRtree.query(points, predicate='within'), from the arrays."""
        import shapely

        def run() -> np.ndarray:
            ipt, ipoly = self.tree.query(shapely.points(lon, lat), predicate="within")
            out = np.full(len(lat), -1)
            out[ipt] = ipoly
            return out
        return run


@contextmanager
def postgis(alts: Alternatives) -> Iterator[object]:
    """Yield a connection to a throw-away database ``ioc_bench_<hex>`` with the communes in a
    GiST-indexed table; drop the database afterwards."""
    import psycopg
    name = f"ioc_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN + " dbname=postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(PG_DSN + f" dbname={name}", autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
            conn.execute("CREATE TABLE areas (idx int, geom geometry(Geometry, 4326))")
            with conn.cursor().copy("COPY areas (idx, geom) FROM STDIN") as cp:
                for i, g in enumerate(alts.polys):
                    cp.write_row((i, f"SRID=4326;{g.wkt}"))
            conn.execute("CREATE INDEX ON areas USING gist (geom)")
            conn.execute("ANALYZE areas")
            yield conn
    finally:
        with psycopg.connect(PG_DSN + " dbname=postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgis_join(conn, lat: np.ndarray,  # noqa: ANN001 - a psycopg connection
                 lon: np.ndarray) -> tuple[float, Callable[[], np.ndarray]]:
    """Load the points (timed separately) and return (load seconds, timed ST_Contains join)."""
    t0 = time.perf_counter()
    conn.execute("DROP TABLE IF EXISTS pts")
    conn.execute("CREATE TABLE pts (id int, x float8, y float8)")
    with conn.cursor().copy("COPY pts (id, x, y) FROM STDIN") as cp:
        for i, (x, y) in enumerate(zip(lon.tolist(), lat.tolist())):
            cp.write_row((i, x, y))
    conn.execute("ALTER TABLE pts ADD COLUMN geom geometry(Point, 4326)")
    conn.execute("UPDATE pts SET geom = ST_SetSRID(ST_MakePoint(x, y), 4326)")
    conn.execute("ANALYZE pts")
    load = time.perf_counter() - t0

    def run() -> np.ndarray:
        rows = conn.execute("SELECT p.id, a.idx FROM pts p JOIN areas a "
                            "ON ST_Contains(a.geom, p.geom)").fetchall()
        out = np.full(len(lat), -1)
        if rows:
            ids, idx = np.array(rows).T
            out[ids] = idx
        return out
    return load, run


def paired(fns: dict[str, Callable[[], np.ndarray]], n: int) -> dict[str, tuple[float, object]]:
    """Return {name: (median seconds, result)}. On every repeat the callables run in turn, so
    that a busy shared machine slows them alike (the ratios are what to read). Each starts after
    a full garbage collection (so none inherits another's caches) and counts the faster of two
    runs in a row. A name ending in ``/1`` runs with numba limited to one thread (set outside
    the timing)."""
    import numba
    threads = numba.get_num_threads()
    results: dict[str, object] = {}
    times: dict[str, list[float]] = {k: [] for k in fns}
    try:
        for _ in range(repeats(n)):
            for k, fn in fns.items():
                numba.set_num_threads(1 if k.endswith("/1") else threads)
                gc.collect()
                runs = []
                for _ in range(2):
                    t0 = time.perf_counter()
                    results[k] = fn()
                    runs.append(time.perf_counter() - t0)
                times[k].append(min(runs))
    finally:
        numba.set_num_threads(threads)
    return {k: (statistics.median(times[k]), results[k]) for k in fns}


def join_rows(router: Router, alts: Alternatives, lat: np.ndarray, lon: np.ndarray,
              use_pg: bool, max_n: int) -> tuple[list[list[object]], list[str]]:
    """Return the spatial-join table rows (one per N) and notes."""
    loc = router.locators[GENERATION]
    rows, notes = [], []
    with (postgis(alts) if use_pg else _nothing()) as conn:
        for n in [s for s in SIZES if s <= max_n]:
            la, lo, cat = lat[:n], lon[:n], np.zeros(n, np.int32)
            join = lambda: loc.locate_points(la, lo)  # noqa: E731
            route = lambda: router.route_arrays(la, lo, cat).agency  # noqa: E731
            fns = {"join": join, "join/1": join, "route": route, "route/1": route}
            if n <= SLOW_MAX_N:
                fns.update(sjoin=alts.sjoin(la, lo), prebuilt=alts.sjoin(la, lo, prebuilt=True),
                           strtree=alts.strtree(la, lo))
                if conn is not None:
                    load, fns["postgis"] = postgis_join(conn, la, lo)
                    notes.append(f"PostGIS load of {n:,} points (COPY + ST_MakePoint): "
                                 f"{load:.2f} s")
            got = paired(fns, n)
            t_eng, ours = got["join"]
            row = [f"{n:,}"] + [rate(n, got[k][0]) for k in ("join/1", "join", "route/1", "route")]
            for key in ("sjoin", "prebuilt", "strtree", "postgis"):
                if key in got:
                    t, theirs = got[key]
                    row += [rate(n, t), f"{t / t_eng:,.0f}×"]
                    differ = int(np.count_nonzero(theirs != ours))
                    if differ:
                        notes.append(f"{key} disagrees with the engine on {differ:,} of "
                                     f"{n:,} points")
                else:
                    row += ["—", "—"]
            rows.append(row)
    return rows, notes


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def h3_rows(lat: np.ndarray, lon: np.ndarray, max_n: int) -> list[list[object]]:
    """Return the lat/lon → cell rows: the numba kernel against h3-py loops (int and str API)."""
    import h3
    from h3.api import basic_int
    rows = []
    for n in [s for s in SIZES if s <= max_n]:
        la, lo = lat[:n], lon[:n]
        ours = lambda: h3grid.latlng_to_cells(la, lo, RES)  # noqa: E731
        fns = {"ours/1": ours, "ours": ours}
        if n <= H3PY_MAX_N:
            lal, lol = la.tolist(), lo.tolist()
            fns["int"] = lambda: np.array([basic_int.latlng_to_cell(a, b, RES)
                                           for a, b in zip(lal, lol)], np.int64)
            fns["str"] = lambda: np.array([h3.str_to_int(h3.latlng_to_cell(a, b, RES))
                                           for a, b in zip(lal, lol)], np.int64)
        got = paired(fns, n)
        (t_one, cells), (t_all, _) = got["ours/1"], got["ours"]
        row = [f"{n:,}", rate(n, t_one), rate(n, t_all)]
        if "int" in got:
            (t_int, ref), (t_str, _) = got["int"], got["str"]
            row += [rate(n, t_int), rate(n, t_str), f"{t_int / t_one:.1f}×",
                    f"{t_int / t_all:.1f}×", f"{t_str / t_all:.1f}×",
                    "yes" if np.array_equal(cells, ref) else "NO"]
        else:
            row += ["—"] * 6
        rows.append(row)
    return rows


def streaming(router: Router, n: int = 20_000) -> tuple[float, float]:
    """Return (median, p99) µs of routing one event at a time (random points and categories)."""
    lat, lon = points(n, router.locators[GENERATION].areaset.union().bounds, seed=7)
    codes = [c.code for c in router.categories.all()]
    cats = [codes[i % len(codes)] for i in range(n)]
    now = time.time_ns() // 1000
    times = []
    for a, o, c in zip(lat.tolist(), lon.tolist(), cats):
        t0 = time.perf_counter_ns()
        router.route(a, o, c, now)
        times.append(time.perf_counter_ns() - t0)
    return statistics.median(times) / 1000, float(np.percentile(times, 99)) / 1000


def memory() -> tuple[Router, list[list[object]], float]:
    """Build the router under tracemalloc; return it, per-generation table sizes, build peak MB."""
    tracemalloc.start()
    router = Router.default(RES)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    rows = [[loc.areaset.generation, f"{loc.grid.nx}×{loc.grid.ny}",
             f"{100 * loc.grid.border_share:.1f} %", f"{loc.grid.nbytes / 1e6:.2f} MB",
             f"{loc.table.interior_cells:,}", f"{loc.table.nbytes / 1e6:.2f} MB"]
            for loc in router.locators]
    return router, rows, peak


def main() -> None:
    """Run everything and write the report section."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max-n", type=int, default=max(SIZES))
    ap.add_argument("--no-postgis", action="store_true", help="Skip the PostGIS comparison.")
    args = ap.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as `ioc` runs the server
    router, mem_rows, build_peak = memory()
    alts = Alternatives(router)
    lat, lon = points(args.max_n, alts.areaset.union().bounds)
    join, notes = join_rows(router, alts, lat, lon, not args.no_postgis, args.max_n)
    h3 = h3_rows(lat, lon, args.max_n)
    med, p99 = streaming(router)
    print(table(["N", "join 1 core", "join", "route 1 core", "route", "sjoin", "×"],
                [r[:7] for r in join]))
    inside = float(np.mean(router.locators[GENERATION].locate_points(lat, lon) >= 0))
    write_section("routing", report(router, join, h3, med, p99, mem_rows, build_peak, notes,
                                    inside))


def report(router: Router, join, h3, med, p99, mem_rows, build_peak, notes,  # noqa: ANN001
           inside_share: float) -> str:
    """Return the markdown of the section."""
    threads = __import__("numba").get_num_threads()
    inside = inside_share * 100
    agreement = "they differ on " + "; ".join(n for n in notes if "disagrees" in n) \
        if any("disagrees" in n for n in notes) else "all agree on every point"
    notes = [n for n in notes if "disagrees" not in n]
    return f"""## Routing: points → commune → agency (`bench/routing.py`)

{machine(["numba", "h3", "shapely", "geopandas", "psycopg"])} Commit {git_commit()}; numba uses
{threads} threads (`OMP_WAIT_POLICY={os.environ.get("OMP_WAIT_POLICY", "unset")}`). Uniform random
points over the bounding box of Huế's 40 communes ({inside:.0f} % of them fall inside a commune),
the same points for every engine. Medians of ≥ 5 runs; the engines of one row run in turn on
every repeat, so that the load of this shared machine (other work runs on it) falls on all of
them alike.

**Spatial join** (point → commune). *Engine join*: the grid point-in-polygon alone (`AreaLocator.
locate_points`); *engine route*: the whole routing path — H3 cell (res {RES}), cell table, grid for
border cells, agency table (`Router.route_arrays`) — each limited to one core, and as it runs by
default (one core below 50,000 points, {threads} threads above). The ratios are the alternative's
time ÷ the default engine join's. geopandas and STRtree start, like the engine, from the
coordinate arrays (building the shapely points is part of their work); "points prebuilt" times
`sjoin` alone on a GeoDataFrame built beforehand. PostGIS times the `JOIN … ON ST_Contains` query
only; loading the points is listed below. The slow alternatives stop at {SLOW_MAX_N:,} points (at
10⁷ they need minutes and gigabytes of shapely points). Every alternative's answer is compared
with the engine's, point by point: {agreement}.
Each engine starts after a full garbage collection, so none runs in caches warmed by another
(an engine run right after itself is up to twice as fast on small batches), and counts the
faster of two consecutive runs.

{table(["N", "engine join, 1 core", "engine join", "engine route, 1 core", "engine route",
        "geopandas sjoin", "× faster", "sjoin, points prebuilt", "× faster", "STRtree query",
        "× faster", "PostGIS ST_Contains", "× faster"], join)}

{chr(10).join("- " + n for n in notes)}

**lat/lon → H3 cell** (res {RES}): the numba port limited to one core and as it runs by default,
against h3-py called once per point — with its int API (`h3.api.basic_int`, the fastest loop)
and as this project did before (`h3.str_to_int(h3.latlng_to_cell(…))`); "same" checks the cells
are bit-identical. h3-py stops at {H3PY_MAX_N:,} points.

{table(["N", "numba, 1 core", "numba", "h3-py int loop", "h3-py str loop (before)",
        "× int loop (1 core)", "× int loop", "× str loop", "same"], h3)}

**Streaming** one event (`Router.route`: cell, commune, agency, copies, deadline): median
{med:.2f} µs, p99 {p99:.2f} µs over 20,000 calls.

**Tables in memory** (per boundary generation; the grid is {router.locators[0].grid.step}° square):

{table(["generation", "grid", "border cells", "grid + edges", "interior H3 cells",
        "cell table"], mem_rows)}

Routing tables (agency per category × area, both generations):
{sum(p.nbytes for p in router.rules.primary) / 1e3:.1f} kB. Everything resident:
{router.nbytes / 1e6:.1f} MB; peak traced allocation while building the router: {build_peak:.0f} MB.
"""


if __name__ == "__main__":
    main()
