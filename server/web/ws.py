"""``WS /ws``: subscribe to layers, receive events since a seq, then live batches."""
from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlparse

import orjson
import tornado.ioloop
import tornado.websocket

from server.core.auth import ANONYMOUS, SESSION_COOKIE, view_of
from server.core.errors import IOCError, TooManyRequests, Unauthorized
from server.core.hub import Subscription
from server.core.service import EventService
from server.core.wsproto import (Auth, MessageBudget, Ping, Subscribe, Unsubscribe, error_frame,
                            parse_message, subscription_query)

log = logging.getLogger(__name__)

CLOSE_POLICY = 1008
CLOSE_TRY_AGAIN = 1013
CLOSE_UNAUTHORIZED = 4401
CLOSE_CODES = {Unauthorized: CLOSE_UNAUTHORIZED, TooManyRequests: CLOSE_POLICY}
DEFAULT_PORTS = {"http": 80, "https": 443}
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::", "[::]"})


class EventSocket(tornado.websocket.WebSocketHandler):
    """One client connection; the hub writes frames to it through ``send_frame``."""

    def initialize(self, core: EventService) -> None:
        """Receive the core built once by ``make_app``."""
        self.core = core
        self.principal = ANONYMOUS
        self._pending = 0
        self._pending_bytes = 0
        self._congested_since: float | None = None
        self._budget = MessageBudget(core.settings.ws_max_messages_per_s)
        self._heard = time.monotonic()
        self._watchdog: tornado.ioloop.PeriodicCallback | None = None

    async def get(self, *args: Any, **kwargs: Any) -> None:
        """Refuse (403) a handshake whose ``Origin`` is not ours before Tornado's own check,
        which trusts an ``Origin`` equal to the ``Host`` header or a ``Sec-Fetch-Site:
        same-origin`` (both the attacker's own name under DNS rebinding); a client that sends
        no ``Origin`` is not a browser and may connect."""
        origin = self.request.headers.get("Origin")
        if origin is not None and not self.check_origin(origin):
            self.set_status(403)
            self.finish("Cross origin websockets not allowed")
            return
        await super().get(*args, **kwargs)

    def check_origin(self, origin: str) -> bool:
        """Allow the server's public origin (``IOC_PUBLIC_URL``, else the address it is bound
        to) and ``IOC_ALLOWED_ORIGINS`` only; never the ``Host`` header the client sent."""
        if origin in self.core.settings.allowed_origins:
            return True
        allowed = {normal_origin(o) for o in self.core.settings.allowed_origins}
        allowed |= self.application.settings.get("own_origins", frozenset())
        return normal_origin(origin) in allowed - {None}

    async def open(self) -> None:
        """Authenticate with the session cookie of a page signed in, else with ``?token=``
        (old clients; the access log redacts it), else the first message must carry the token
        (``{"op": "auth", "token": …}``). The handshake's ``Origin`` was checked in ``get``."""
        self._start_watchdog()
        token = self.get_query_argument("token", None)
        cookie = self.get_cookie(SESSION_COOKIE)
        if token:
            await self._authenticate(token)
        elif cookie:
            await self._session(cookie)

    async def _session(self, cookie: str) -> None:
        """Authenticate with a live sign-in session's cookie; an ended one leaves the socket
        anonymous (a first message may still carry a token; a subscription without one is
        refused with 4401)."""
        try:
            principal = await self.core.tokens.principal(cookie)
        except IOCError:
            return
        if principal.session:
            self.principal = principal
            self.core.sessions.add(principal.token_id, self)

    async def _authenticate(self, token: str) -> bool:
        """Resolve ``token``; on failure send the error and close with 4401; return True when
        authenticated."""
        try:
            principal = await self.core.tokens.principal(token)
        except IOCError as err:
            self._fail(err, CLOSE_UNAUTHORIZED)
            return False
        self.principal = principal
        self.core.sessions.add(principal.token_id, self)
        return True

    def _start_watchdog(self) -> None:
        """Close the connection once the client has been silent (no pong, ping or message) for
        ``ws_ping_timeout``. Tornado (6.5+) cuts its own ping timeout to the ping interval,
        which made a 60 s setting 20 s; so Tornado only sends the pings and this checks."""
        settings = self.core.settings
        every = min(settings.ws_ping_interval, settings.ws_ping_timeout) / 4
        self._heard = time.monotonic()
        self._watchdog = tornado.ioloop.PeriodicCallback(self._check_alive, every * 1000)
        self._watchdog.start()

    def _check_alive(self) -> None:
        if time.monotonic() - self._heard > self.core.settings.ws_ping_timeout:
            self._stop_watchdog()
            self.close(reason="ping timed out")

    def _stop_watchdog(self) -> None:
        if self._watchdog is not None:
            self._watchdog.stop()
            self._watchdog = None

    def on_pong(self, data: bytes) -> None:
        """The client answered a ping: it is alive."""
        self._heard = time.monotonic()

    def on_ping(self, data: bytes) -> None:
        """The client pinged: it is alive."""
        self._heard = time.monotonic()

    async def on_message(self, message: str | bytes) -> None:
        """Handle one client message; errors go back as an error frame."""
        self._heard = time.monotonic()
        try:
            self._budget.spend()
            msg = parse_message(message)
            if isinstance(msg, Auth):
                await self._authenticate(msg.token)
            elif isinstance(msg, Subscribe):
                await self._subscribe(msg)
            elif isinstance(msg, Unsubscribe):
                self.core.hub.detach(self)
            elif isinstance(msg, Ping):
                self.send_frame(b'{"op":"pong"}')
        except IOCError as err:
            self._fail(err, CLOSE_CODES.get(type(err)))

    async def _subscribe(self, msg: Subscribe) -> None:
        if msg.token and not await self._authenticate(msg.token):
            return
        view = view_of(self.principal)
        query = view.scope(subscription_query(msg, self.core.layers))
        cursor = msg.since if msg.since is not None else self.core.hub.head
        self.send_frame(orjson.dumps({"op": "subscribed", "layers": msg.layers, "since": cursor,
                                      "head": self.core.hub.head}))
        self.core.hub.attach(Subscription(self, query, view, cursor))

    def _fail(self, err: IOCError, close_code: int | None) -> None:
        self.send_frame(error_frame(err))
        if close_code is not None:
            self.close(close_code, err.message[:120])

    def send_frame(self, frame: bytes) -> bool:
        """Queue a text frame; close the connection if the client has fallen too far behind
        (more than ``ws_max_pending_frames`` frames or ``ws_max_pending_bytes`` bytes queued)."""
        if self.ws_connection is None or self.ws_connection.is_closing():
            return False
        settings = self.core.settings
        if (self._pending >= settings.ws_max_pending_frames
                or self._pending_bytes > settings.ws_max_pending_bytes):
            self._too_slow()
            return False
        try:
            fut = self.write_message(frame)
        except tornado.websocket.WebSocketClosedError:
            return False
        self._pending += 1
        self._pending_bytes += len(frame)
        fut.add_done_callback(lambda _f, n=len(frame): self._written(n))
        return True

    def congested(self) -> bool:
        """Return True while more than ``ws_soft_pending_bytes`` (or half the frame allowance)
        wait to be written to this client; close it when that lasted ``ws_max_congested_s``."""
        settings = self.core.settings
        if not (self._pending_bytes > settings.ws_soft_pending_bytes
                or self._pending * 2 > settings.ws_max_pending_frames):
            self._congested_since = None
            return False
        now = time.monotonic()
        self._congested_since = self._congested_since or now
        if now - self._congested_since > settings.ws_max_congested_s:
            self._too_slow()
        return True

    def _too_slow(self) -> None:
        if self.ws_connection is None or self.ws_connection.is_closing():
            return
        log.warning("closing slow websocket client %s (%d frames, %d bytes queued)",
                    self.request.remote_ip, self._pending, self._pending_bytes)
        self.core.hub.detach(self)  # nothing more is queued for it
        self.drop("too slow: reconnect with since=last_seq")

    def drop(self, reason: str) -> None:
        """Close with 1013 (try again later) and ``reason`` unless already closing."""
        if self.ws_connection is not None and not self.ws_connection.is_closing():
            self.close(CLOSE_TRY_AGAIN, reason[:120])

    def _written(self, size: int) -> None:
        self._pending -= 1
        self._pending_bytes -= size

    def revoked(self) -> None:
        """Close with 4401: the token of this connection was revoked or has expired."""
        self.core.hub.detach(self)
        if self.ws_connection is not None and not self.ws_connection.is_closing():
            self.send_frame(error_frame(Unauthorized("the token was revoked or has expired")))
            self.close(CLOSE_UNAUTHORIZED, "the token was revoked or has expired")

    def on_close(self) -> None:
        """Drop the subscription, the session and the watchdog."""
        self._stop_watchdog()
        self.core.hub.detach(self)
        self.core.sessions.discard(self)


def normal_origin(url: str) -> str | None:
    """Return ``scheme://host:port`` of ``url`` (lower case, default port written), or None
    when it is not an http(s) origin."""
    try:
        parts = urlparse(url.strip().lower())
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}:{port}"


def own_origins(settings: Any, port: int) -> frozenset[str]:
    """Return the origins of the server itself: ``settings.public_url``'s, else the bound
    address (``http://HOST:PORT``; a loopback or wildcard host: its loopback names)."""
    if settings.public_url:
        return frozenset({normal_origin(settings.public_url)} - {None})
    host = settings.host.lower()
    hosts = LOOPBACK_NAMES if host in LOOPBACK_NAMES | WILDCARD_HOSTS else {host}
    return frozenset(o for h in hosts for scheme in DEFAULT_PORTS
                     if (o := normal_origin(f"{scheme}://{h}:{port}")))


def routes(base: dict) -> list[tuple]:
    """Return the websocket route."""
    return [(r"/ws", EventSocket, {"core": base["core"]})]
