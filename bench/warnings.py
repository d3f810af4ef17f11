"""Warnings benchmark: the reach before sending and CAP output, on SQLite and PostGIS in one run.

On a table of ``--rows`` events (a third each SOS calls, responder units and vessel positions,
spread over the city's bounding box), the reach of a warning on the 13 communes Kim Long's BĐ3
puts at risk (``server.features.warnings.reach``: the store's polygon query, PostGIS
``ST_Intersects`` on its GiST index) against the obvious alternative: read every event of those
kinds and test the points with shapely in Python (vectorised). Then one CAP message: built and
written (lxml), and the
same plus validation against the OASIS schema. Medians of bounded repeats, the backends
alternating. Writes the ``warnings`` section of docs/BENCHMARKS.md.
Run: ``python -m bench.warnings [--rows 60000]``.
"""
from __future__ import annotations

import argparse
import contextlib

import numpy as np
import shapely
from lxml import etree

from bench._report import git_commit, machine, table, write_section
from bench.store import BACKENDS, backend_url, interleaved
from geo.router import Router
from server.features import Settings
from server.store import EventQuery
from server.features.warnings.areas import load_gauge_areas, target_geometry
from server.features.warnings.cap import schema, to_xml
from server.features.warnings.reach import reach
from tests.helpers import ServerThread
from tests.helpers.store import scattered

KINDS = ("sos", "responder", "vessel")
ROUNDS = 15
BATCH = 2000


def fill(srv: ServerThread, rows: int, bounds: tuple[float, float, float, float]) -> None:
    """Append ``rows`` events at seeded random points of ``bounds`` (the city's box): SOS
    calls, responder units and vessel positions."""
    events = scattered(rows, seed=11)
    rng = np.random.default_rng(11)
    x0, y0, x1, y1 = bounds
    for i, ev in enumerate(events):
        ev.lon, ev.lat = float(x0 + rng.random() * (x1 - x0)), float(y0 + rng.random() * (y1 - y0))
        kind = KINDS[i % 3]
        ev.kind = kind
        ev.status = {"sos": "new", "responder": "available", "vessel": "reported"}[kind]
        ev.props = {"mmsi": 574000000 + i % 5000} if kind == "vessel" else {}
    for i in range(0, rows, BATCH):
        srv.core.store.append(events[i:i + BATCH])


async def full_scan(core, geom) -> int:  # noqa: ANN001 - the alternative: read all, test in Python
    """Return how many SOS, unit and vessel events lie in ``geom``, read page by page."""
    query, since, inside = EventQuery(kinds=frozenset(KINDS)), 0, 0
    while True:
        page = await core.read_page(since, query, 10_000)
        if page.events:
            lon = np.fromiter((e["lon"] for e in page.events), float)
            lat = np.fromiter((e["lat"] for e in page.events), float)
            inside += int(shapely.intersects_xy(geom, lon, lat).sum())
        if len(page.events) < 10_000:
            return inside
        since = page.next_since


def cap_timings(srv: ServerThread, geom_communes: list[str]) -> dict[str, float]:
    """Return median seconds: build + write one CAP message; the same + XSD validation."""
    desk = srv.features.get("warnings").desk
    ev = {"id": "x", "agency_id": "bch-ptds-hue", "category": "warning.flood", "status": "sent",
          "props": {"identifier": "hue-ioc-bench", "sent": "2025-11-17T02:00:00+07:00",
                    "headline": {"vi": "Báo động 3", "en": "Alarm level 3"},
                    "communes": geom_communes, "cells": []}}
    xsd = schema()
    fns = {"build": lambda: to_xml(desk.cap(ev)),
           "build+validate": lambda: xsd.assertValid(etree.fromstring(to_xml(desk.cap(ev))))}
    return interleaved(fns, ROUNDS)


def main() -> None:
    """Run the benchmark and write its section."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=60_000)
    args = parser.parse_args()
    router = Router.default()
    communes = load_gauge_areas()["kim-long"].communes(3)
    geom = target_geometry(communes, [], router.areaset)
    servers: dict[str, ServerThread] = {}
    with contextlib.ExitStack() as stack:
        for name in BACKENDS:
            srv = ServerThread(Settings(port=0, db=stack.enter_context(backend_url(name))), router)
            servers[name] = srv.start()
            stack.callback(srv.stop)
            fill(srv, args.rows, router.areaset.union().bounds)
        fns = {}
        for name, srv in servers.items():
            fns[f"{name}:reach"] = lambda s=srv: s.call(reach(s.core, geom, communes))
            fns[f"{name}:scan"] = lambda s=srv: s.call(full_scan(s.core, geom))
        med = interleaved(fns, ROUNDS)
        counts = {n: s.call(reach(s.core, geom, communes)) for n, s in servers.items()}
        cap = cap_timings(servers["sqlite"], communes)
    rows = [[name, f"{med[f'{name}:reach'] * 1000:.1f}", f"{med[f'{name}:scan'] * 1000:.1f}",
             f"{med[f'{name}:scan'] / med[f'{name}:reach']:.1f}×",
             counts[name]["sos_open"] + counts[name]["responders"]] for name in BACKENDS]
    body = f"""## Warnings: reach before sending, CAP (`bench/warnings.py`)

{machine(["lxml", "shapely", "SQLAlchemy", "psycopg"])} Commit {git_commit()}.

The reach of a warning on the 13 communes of Kim Long's BĐ3 over {args.rows:,} events spread over \
the city's bounding box (SOS calls, responder units,
vessel positions, a third each; the H3 cell column is not used here): the
store's polygon query (the reach also reads the contacts and checks the vessels' times) against
reading every event of those kinds and testing the points in Python (shapely, vectorised).
Medians in ms.

{table(["store", "reach (polygon query)", "read all + shapely", "ratio",
         "calls + units inside"], rows)}

One CAP message of that warning (2 languages × 13 areas with outlines): built and written
{cap['build'] * 1000:.1f} ms; with validation against the OASIS schema
{cap['build+validate'] * 1000:.1f} ms.
"""
    write_section("warnings", body)
    print(body)


if __name__ == "__main__":
    main()
