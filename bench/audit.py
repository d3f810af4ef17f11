"""Audit trail benchmark: what recording every privileged request costs, batched (the server:
``AccessLog`` queues entries and one task writes them every second in one transaction) against
the obvious alternative, one insert (one transaction) per request, on both stores.

``python -m bench.audit [--entries 2000] [--requests 300]`` writes the ``audit`` section of
docs/BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import contextlib
import statistics
import time

from bench._report import git_commit, machine, table, write_section
from bench.store import backend_url, pg_version
from server.core.audit import ACCESS
from server.store import AuditEntry, open_store
from server.core.timefmt import parse_offset
from tests.helpers import http, sqlite_server

BACKENDS = ("sqlite", "postgis")
BATCH = 500
ROUNDS = 3


def _entries(n: int) -> list[AuditEntry]:
    return [AuditEntry(ACCESS, "0123456789abcdef", "operator",
                       data={"method": "GET", "path": "/api/v1/kpis", "status": 200})
            for _ in range(n)]


def store_rates(url: str, n: int) -> dict[str, float]:
    """Return entries per second written one transaction each and in batches of BATCH."""
    store = open_store(url, parse_offset("+07:00"))
    try:
        one, batched = [], []
        for _ in range(ROUNDS):
            t0 = time.perf_counter()
            for e in _entries(n):
                store.record_audit(e)
            one.append(n / (time.perf_counter() - t0))
            t0 = time.perf_counter()
            entries = _entries(n)
            for i in range(0, n, BATCH):
                store.record_audits(entries[i:i + BATCH])
            batched.append(n / (time.perf_counter() - t0))
        return {"one": statistics.median(one), "batched": statistics.median(batched)}
    finally:
        store.close()


def request_latency(url: str, n: int, router) -> dict[str, float]:  # noqa: ANN001
    """Return the median milliseconds of ``GET /api/v1/kpis`` as a wall token (not recorded), as
    an operator token (recorded, batched) and as an operator with one insert per request."""
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as tmp:
        srv = sqlite_server(Path(tmp), router, **({"db": url} if url else {}))
        try:
            wall, operator = srv.token("wall"), srv.token("operator")
            core = srv.core

            def sync_note(principal, method, path, status):  # noqa: ANN001, ANN202
                core.store.record_audit(AuditEntry(ACCESS, principal.token_id, principal.role,
                                                   data={"method": method, "path": path,
                                                         "status": status}))

            batched_note = core.access.note
            variants = {"wall": (wall, batched_note), "batched": (operator, batched_note),
                        "one": (operator, sync_note)}
            times: dict[str, list[float]] = {name: [] for name in variants}
            for i in range(ROUNDS * 4 + 1):  # interleaved; the first round warms up
                for name, (token, note) in variants.items():
                    core.access.note = note
                    for _ in range(n // (ROUNDS * 4)):
                        t0 = time.perf_counter()
                        http("GET", srv.url + "/api/v1/categories", token=token)
                        if i:
                            times[name].append(time.perf_counter() - t0)
            core.access.note = batched_note
            return {name: statistics.median(t) * 1000 for name, t in times.items()}
        finally:
            srv.stop()


def main() -> None:
    """Measure both stores and write the section."""
    from geo.router import Router
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    router = Router.default()
    store_rows, http_rows = [], []
    for name in BACKENDS:
        with contextlib.ExitStack() as stack:
            rates = store_rates(stack.enter_context(backend_url(name)), args.entries)
            store_rows.append([name, f"{rates['one']:,.0f}", f"{rates['batched']:,.0f}",
                               f"{rates['batched'] / rates['one']:.0f}×"])
            url = stack.enter_context(backend_url(name)) if name == "postgis" else None
            lat = request_latency(url, args.requests, router)
            http_rows.append([name, f"{lat['wall']:.2f}", f"{lat['batched']:.2f}",
                              f"{lat['one']:.2f}", f"{lat['one'] / lat['batched']:.2f}"])
    body = "\n\n".join([
        "## Audit trail: batched access entries (`bench/audit.py`)",
        machine(["sqlalchemy", "psycopg", "tornado"]) + f" {pg_version()}; commit {git_commit()}.",
        f"Writing {args.entries:,} access entries, entries per second (median of {ROUNDS}): one "
        f"transaction per entry (what an insert per request costs) against batches of {BATCH} "
        "(what the server does):",
        table(["store", "one per transaction", f"batches of {BATCH}", "batched / one"],
              store_rows),
        f"`GET /api/v1/categories` over HTTP, median milliseconds of {args.requests} sequential "
        "requests: a wall token (not recorded), an operator token (recorded, batched), and an "
        "operator token with one synchronous insert per request:",
        table(["store", "wall (not recorded)", "operator, batched", "operator, insert each",
               "insert each / batched"], http_rows),
        "Batching keeps the privileged request path at the cost of an unrecorded one; an "
        "insert per request would add a durable commit (an fsync on SQLite, a round trip and "
        "a WAL flush on PostgreSQL) to every operator call, ingest included.",
    ])
    write_section("audit", body)
    print(body)


if __name__ == "__main__":
    main()
