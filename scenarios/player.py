"""Play a scenario into a sink (the HTTP API of a server, or an in-process core) at any speed."""
from __future__ import annotations

import asyncio
import logging
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable

import orjson
from tqdm import tqdm

from scenarios.base import Scenario

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


def post_with_retries(url: str, body: bytes, headers: dict[str, str], retries: int = 8) -> bytes:
    """POST ``body`` to ``url`` and return the answer, retrying with back-off on connection
    errors, 429 and 5xx; raise RuntimeError on a refusal (other 4xx) or after the last retry."""
    for attempt in range(retries + 1):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=30) as res:
                return res.read()
        except urllib.error.HTTPError as err:
            if err.code < 500 and err.code != 429:
                raise RuntimeError(f"server refused the batch: {err.code} {err.read()[:500]!r}") from None
            log.warning("server answered %s; retrying", err.code)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as err:
            log.warning("cannot reach %s (%s); retrying", url, err)
        if attempt < retries:
            time.sleep(min(0.25 * 2 ** attempt, 10.0))
    raise RuntimeError(f"gave up posting to {url} after {retries + 1} attempts")


def http_sink(base_url: str, token: str, retries: int = 8) -> Sink:
    """Return a sink that POSTs batches to ``{base_url}/api/v1/events``, retrying with back-off
    on connection errors, 429 and 5xx (the Idempotency-Key makes retries safe)."""
    url = base_url.rstrip("/") + "/api/v1/events"

    async def sink(batch: list[dict[str, Any]], key: str) -> None:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}",
                   "Idempotency-Key": key}
        await asyncio.to_thread(post_with_retries, url, orjson.dumps({"events": batch}), headers,
                                retries)

    return sink
