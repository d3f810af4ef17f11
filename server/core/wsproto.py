"""Messages a websocket client may send, parsed without Tornado.

    {"op": "auth", "token": "…"}
    {"op": "subscribe", "layers": ["reports"], "bbox": [minlon, minlat, maxlon, maxlat],
     "since": SEQ}
    {"op": "unsubscribe"}
    {"op": "ping"}

``since`` omitted: live events from now on. Server frames: ``subscribed``, ``events``, ``live``
(live-only events, ``seq`` null, never replayed on resume; see ``server.core.hub``), ``pong``,
``error`` (``{"op": "error", "error": {"code", "message", "details"}}``), ``summary`` (a
congested client's counts of what it was not sent yet; see ``server.core.hub``).

Limits (``IOC_WS_*``): a message larger than ``ws_max_message_bytes`` closes the connection with
1009; more than ``ws_max_messages_per_s`` (bursts of twice as many) gets an error frame
``rate_limited`` and close 1008; one subscription per connection (a new ``subscribe`` replaces
it) with at most 50 layers; a client that reads too slowly is closed with 1013.
"""
from __future__ import annotations

import time
from typing import Annotated, Callable, Literal, Union

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from layers.registry import LayerRegistry
from server.core.errors import BadRequest, IOCError, TooManyRequests, ValidationFailed, detail
from server.core.params import parse_bbox
from server.core.ratelimit import Limit, TokenBucket
from server.store.base import EventQuery


class _Msg(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Auth(_Msg):
    """Authenticate the connection."""

    op: Literal["auth"]
    token: str = Field(min_length=1, max_length=200)


class Subscribe(_Msg):
    """Start (or replace) the subscription."""

    op: Literal["subscribe"]
    layers: list[str] = Field(min_length=1, max_length=50)
    bbox: list[float] | None = Field(None, min_length=4, max_length=4)
    since: int | None = Field(None, ge=0)
    token: str | None = Field(None, min_length=1, max_length=200)


class Unsubscribe(_Msg):
    """Stop receiving events."""

    op: Literal["unsubscribe"]


class Ping(_Msg):
    """Application-level ping (answered with pong)."""

    op: Literal["ping"]


ClientMessage = Annotated[Union[Auth, Subscribe, Unsubscribe, Ping], Field(discriminator="op")]
_ADAPTER = TypeAdapter(ClientMessage)


def parse_message(raw: str | bytes) -> Auth | Subscribe | Unsubscribe | Ping:
    """Return the parsed client message; raise BadRequest or ValidationFailed."""
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"malformed JSON: {exc}") from None
    try:
        return _ADAPTER.validate_python(doc)
    except ValidationError as exc:
        details = [detail(".".join(str(p) for p in e["loc"]), e["msg"])
                   for e in exc.errors(include_url=False)]
        raise ValidationFailed("invalid message; ops are auth, subscribe, unsubscribe, ping",
                               details) from None


def subscription_query(msg: Subscribe, layers: LayerRegistry) -> EventQuery:
    """Return the EventQuery of a subscribe message; raise ValidationFailed for unknown layers."""
    unknown = [name for name in msg.layers if layers.layer(name) is None]
    if unknown:
        raise ValidationFailed(f"unknown layer(s): {', '.join(unknown)}",
                               [detail("layers", f"known: {', '.join(layers.ids)}")])
    kinds = layers.kinds_of(msg.layers)
    if not kinds:
        raise ValidationFailed("none of these layers streams events (basemaps are fetched by URL)",
                               [detail("layers", "pick a layer with kinds, e.g. reports")])
    bbox = parse_bbox(",".join(map(str, msg.bbox))) if msg.bbox else None
    return EventQuery(kinds=frozenset(kinds), bbox=bbox)


def error_frame(err: IOCError) -> bytes:
    """Return ``{"op": "error", "error": {...}}`` as JSON bytes."""
    return orjson.dumps({"op": "error", **err.to_json()})


class MessageBudget:
    """A websocket client's message budget: ``rate`` messages per second on average, bursts of
    ``2 * rate`` (the request limiter's ``TokenBucket``)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic):
        self.limit = Limit("ws_messages", rate, max(1, int(2 * rate)))
        self._clock = clock
        self._bucket = TokenBucket(self.limit.burst, clock())

    def spend(self) -> None:
        """Take one message from the budget; raise TooManyRequests when it is empty."""
        if self._bucket.take(self.limit, self._clock()):
            raise TooManyRequests(f"more than {self.limit.rate:g} messages per second",
                                  [detail("op", "slow down; the connection is closed")])
