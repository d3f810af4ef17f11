"""Following the live feeds (vessels, sensors, warnings) on a websocket."""
from __future__ import annotations

import time

from tests.helpers.ws import recv_json
from tests.helpers.ws import subscribe as subscribe_layers


def subscribe(ws, layers=("vessels",), since=None) -> None:  # noqa: ANN001
    """Subscribe to ``layers`` (the vessels by default), from ``since`` when given."""
    subscribe_layers(ws, since, layers)


def receive(ws, n: int, timeout: float = 10.0, ops=("events", "live")) -> list[dict]:  # noqa: ANN001
    """Return the events of frames with ``op`` in ``ops`` until ``n`` have arrived."""
    got: list[dict] = []
    deadline = time.monotonic() + timeout
    while len(got) < n:
        frame = recv_json(ws, max(0.1, deadline - time.monotonic()))
        if frame["op"] in ops:
            got.extend(frame["events"])
    return got
