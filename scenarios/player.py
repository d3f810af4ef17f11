"""Play a scenario into a sink (the HTTP API of a server, or an in-process core) at any speed."""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable

from tqdm import tqdm

from scenarios.base import Scenario
from server.client import ApiClient

log = logging.getLogger(__name__)

Sink = Callable[[list[dict[str, Any]], str], Awaitable[None]]
MAX_BATCH = 1000


def _stamp(ev: dict[str, Any], scenario: Scenario, ref: str) -> dict[str, Any]:
    out = dict(ev)
    out["source"] = {**ev.get("source", {}), "ref": ref}
    if scenario.live_clock:
        out["observed_at"] = datetime.now(timezone.utc).isoformat()
    return out


async def play(scenario: Scenario, sink: Sink, *, speed: float = 60.0, seed: int = 1,
               run_id: str | None = None, progress: bool = True, tick_s: float = 0.05,
               limit: int | None = None) -> int:
    """Send the scenario's events to ``sink(batch, idempotency_key)``; return how many were sent.

    ``speed`` is scenario seconds per real second (0: as fast as possible). Each event gets
    ``source.ref = "{scenario}:{run_id}:{i}"`` so that a retried batch is never stored twice.
    """
    run_id = run_id or str(int(time.time()))
    total = scenario.count(seed) if limit is None else min(limit, scenario.count(seed))
    bar = tqdm(total=total, desc=f"{scenario.name} x{speed:g}", unit="ev", disable=not progress)
    start, batch, sent, nbatch = time.monotonic(), [], 0, 0
    for i, timed in enumerate(scenario.events(seed)):
        if limit is not None and i >= limit:
            break
        wait = (start + timed.offset_s / speed - time.monotonic()) if speed > 0 else 0.0
        if batch and (wait > tick_s or len(batch) >= MAX_BATCH):
            await sink(batch, f"{scenario.name}:{run_id}:b{nbatch}")
            sent, nbatch, batch = sent + len(batch), nbatch + 1, []
        if wait > 0:
            await asyncio.sleep(wait)
        batch.append(_stamp(timed.event, scenario, f"{scenario.name}:{run_id}:{i}"))
        bar.update(1)
    if batch:
        await sink(batch, f"{scenario.name}:{run_id}:b{nbatch}")
        sent += len(batch)
    bar.close()
    return sent


def http_sink(base_url: str, token: str, retries: int = 8) -> Sink:
    """Return a sink that POSTs batches to ``{base_url}/api/v1/events``, retrying with back-off
    on connection errors, 429 and 5xx (the Idempotency-Key makes retries safe); a refused batch
    raises ApiError (a RuntimeError)."""
    client = ApiClient(base_url, token, retries=retries)

    def post(batch: list[dict[str, Any]], key: str) -> None:
        client.request("POST", "/api/v1/events", json={"events": batch},
                       headers={"Idempotency-Key": key})

    async def sink(batch: list[dict[str, Any]], key: str) -> None:
        await asyncio.to_thread(post, batch, key)

    return sink
