"""A websocket client for the tests: open, receive JSON frames, subscribe, collect events."""
from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

if TYPE_CHECKING:
    from tests.helpers.server import ServerThread

RECV_TIMEOUT = 5.0


def recv_json(ws, timeout: float = RECV_TIMEOUT) -> dict:  # noqa: ANN001
    """Receive one frame and decode it (raises TimeoutError after ``timeout``)."""
    return json.loads(ws.recv(timeout=timeout))


def open_ws(server: ServerThread, token: str | None, **kw: Any):  # noqa: ANN201
    """Open a websocket to the server (token in the query string when given)."""
    url = server.ws_url + (f"?token={token}" if token else "")
    return connect(url, open_timeout=RECV_TIMEOUT, **kw)


def subscribe(ws, since: int | None = None, layers=("reports",), **extra: Any) -> dict:  # noqa: ANN001
    """Subscribe to ``layers`` (from ``since`` when given); return the ``subscribed`` frame."""
    msg = {"op": "subscribe", "layers": list(layers), **extra}
    if since is not None:
        msg["since"] = since
    ws.send(json.dumps(msg))
    frame = recv_json(ws)
    assert frame["op"] == "subscribed", frame
    return frame


def collect_events(ws, until_seq: int, timeout: float = RECV_TIMEOUT) -> list[dict]:  # noqa: ANN001
    """Receive event frames until one reaches ``until_seq``; return all events received."""
    got: list[dict] = []
    while True:
        frame = recv_json(ws, timeout)
        if frame["op"] == "events":
            got.extend(frame["events"])
            if frame["last_seq"] >= until_seq:
                return got


def closed_within(ws, seconds: float):  # noqa: ANN001, ANN201
    """Return the close frame the server sent within ``seconds`` (frames before it skipped)."""
    deadline = time.monotonic() + seconds
    with pytest.raises(ConnectionClosed) as info:
        while True:
            ws.recv(timeout=max(0.01, deadline - time.monotonic()))
    return info.value.rcvd
