"""Base handler: the token, JSON output and the one error shape."""
from __future__ import annotations

import logging
from typing import Any

import orjson
import tornado.web

from server.core.auth import (CSRF_HEADER, SAFE_METHODS, SESSION_COOKIE, Principal, bearer,
                              csrf_matches)
from server.core.errors import (Forbidden, IOCError, NotFound, PayloadTooLarge, Unauthorized,
                                Unavailable)
from server.core.events import parse_json
from server.core.service import EventService, Reference
from server.core.text import check_control
from server.web.accesslog import request_summary

log = logging.getLogger(__name__)

#: Security headers of every HTML page (the static pages and the server-rendered public page).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(self)",
}

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
               429: "rate_limited", 503: "unavailable"}


class BaseHandler(tornado.web.RequestHandler):
    """JSON API handler. Subclasses call ``self.core`` and ``self.write_json``."""

    #: The per-address limit (``server.core.ratelimit``) callers without a staff token draw from.
    address_limit = "address"

    def initialize(self, core: EventService, ref: Reference) -> None:
        """Receive what ``make_app`` built once."""
        self.core = core
        self.ref = ref
        self.principal = None

    async def prepare(self) -> None:
        """Resolve the bearer token or else the session cookie (if any) to a principal and
        charge the rate limit (429); a refused credential is charged to its address, so guessing
        tokens meets the address limit. A state-changing request made with the cookie must
        carry the session's CSRF token (403 otherwise)."""
        try:
            self.principal = await self.authenticate()
        except Unauthorized:
            self.limit_rate(None)
            raise
        self.limit_rate(self.principal)
        self.check_address_text()
        self.check_csrf()

    async def authenticate(self) -> Principal:
        """Return the principal of the ``Authorization`` header, else of the session cookie,
        else ANONYMOUS; raise Unauthorized for a bad one (an ended session's cookie is
        cleared)."""
        header = self.request.headers.get("Authorization")
        cookie = None if header else self.get_cookie(SESSION_COOKIE)
        if not cookie:
            return await self.core.tokens.principal(bearer(header))
        try:
            principal = await self.core.tokens.principal(cookie)
        except Unauthorized:
            principal = None
        if principal is None or not principal.session:
            self.clear_cookie(SESSION_COOKIE, path="/")
            raise Unauthorized("your session has ended: sign in again at /login")
        return principal

    def check_csrf(self) -> None:
        """Raise Forbidden when a state-changing request made with the session cookie lacks
        the session's CSRF token (``X-CSRF-Token``)."""
        if not self.principal.session or self.request.method in SAFE_METHODS:
            return
        if not csrf_matches(self.get_cookie(SESSION_COOKIE) or "",
                            self.request.headers.get(CSRF_HEADER)):
            raise Forbidden(f"missing or wrong {CSRF_HEADER} header: reload the page "
                            "(a request made with the session cookie must carry the token "
                            "that /auth/me gives)")

    def check_address_text(self) -> None:
        """Raise ValidationFailed (422, naming each one) if a query or path parameter holds a
        control character (``server.core.text``: the one rule for client text)."""
        args = {k: b"".join(vs).decode("utf-8", "replace")
                for k, vs in self.request.query_arguments.items()}
        args.update({f"path[{i}]": v for i, v in enumerate(self.path_args or [])
                     if isinstance(v, str)})
        args.update({k: v for k, v in (self.path_kwargs or {}).items() if isinstance(v, str)})
        check_control(args, "the address")

    def limit_rate(self, principal: Principal | None) -> None:
        """Charge this request to its caller's bucket; raise TooManyRequests (429, Retry-After)."""
        self.core.limiter.charge(principal, self.request.remote_ip or "?", self.address_limit)

    def set_default_headers(self) -> None:
        """Security headers on every answer (an API answer is never a page: no content of its
        own may load, nothing may frame it)."""
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")

    def on_finish(self) -> None:
        """Record the request in the audit trail when a privileged token made it."""
        self.core.access.note(self.principal, self.request.method, self.request.path,
                              self.get_status())

    def body_json(self) -> Any:
        """Return the decoded JSON body (400/413 in the one error shape)."""
        return parse_json(self.request.body, self.core.settings.max_body_bytes)

    def get_query_argument_or_none(self, name: str) -> str | None:
        """Return a query argument or None (the getter ``server.core.params`` parsers take)."""
        return self.get_query_argument(name, None)

    def write_json(self, obj: Any, status: int = 200) -> None:
        """Write ``obj`` as JSON with ``status``."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(orjson.dumps(obj))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Render any error as ``{"error": {"code", "message", "details"}}``."""
        exc = self.error_of(kwargs)
        if isinstance(exc, IOCError):
            self.set_status(exc.status)
            for name, value in exc.headers.items():
                self.set_header(name, value)
            body = exc.to_json()
        else:
            message = self._reason if status_code < 500 else "internal error; it has been logged"
            body = {"error": {"code": _HTTP_CODES.get(status_code, "internal_error"),
                              "message": message, "details": []}}
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(orjson.dumps(body))

    def error_of(self, kwargs: dict[str, Any]) -> BaseException | None:
        """Return the exception of ``write_error``'s arguments; a store error that says the
        database is away (and escaped ``core.read``) comes back as Unavailable (503)."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, Exception) and not isinstance(exc, IOCError):
            return self.core.fault(exc) or exc
        return exc

    def _request_summary(self) -> str:
        """Return ``METHOD URI (address)`` for Tornado's logs, secrets redacted."""
        return request_summary(self)

    def log_exception(self, typ, value, tb) -> None:  # noqa: ANN001 - tornado signature
        """Client errors are answered, not logged as crashes; nor is a 503 while the database is
        away (``server.core.health`` logs the outage once)."""
        if isinstance(value, IOCError) and value.status < 500:
            log.info("%s %s -> %d %s", self.request.method, self.request.path, value.status,
                     value.code)
            return
        if isinstance(value, Unavailable):
            log.info("%s %s -> 503: %s", self.request.method, self.request.path, value.__cause__)
            return
        super().log_exception(typ, value, tb)


class FeatureHandler(BaseHandler):
    """A handler of one feature: also receives the feature's object (built in ``install``,
    handed out by ``routes``)."""

    def initialize(self, core: EventService, ref: Reference, feature: Any) -> None:
        """Receive the core, the reference data and ``feature``."""
        super().initialize(core, ref)
        self.feature = feature


class NotFoundHandler(BaseHandler):
    """Every unknown address."""

    async def prepare(self) -> None:
        """Answer 404 in the error shape."""
        raise NotFound(f"nothing at {self.request.path}; the API lives under /api/v1/")


@tornado.web.stream_request_body
class StreamedBodyHandler(BaseHandler):
    """A handler whose body is read in chunks and never held beyond the limit.

    An oversized body is drained and discarded, then refused with 413 (so the client reads a
    clear answer instead of a reset connection); one announced far over the limit is refused at
    once.
    """

    DRAIN_FACTOR = 4

    async def prepare(self) -> None:
        """Check the announced size, then resolve the token."""
        self._chunks: list[bytes] = []
        self._size = 0
        self._limit = self.body_limit()
        length = self.request.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self._limit * self.DRAIN_FACTOR:
            raise PayloadTooLarge(f"body is {length} bytes; the limit is {self._limit}")
        await super().prepare()

    def body_limit(self) -> int:
        """Return the largest body accepted (``max_body_bytes`` unless a subclass says)."""
        return self.core.settings.max_body_bytes

    def data_received(self, chunk: bytes) -> None:
        """Collect the body; past the limit, count and drop it."""
        self._size += len(chunk)
        if self._size <= self._limit:
            self._chunks.append(chunk)
        else:
            self._chunks.clear()

    @property
    def body(self) -> bytes:
        """Return the whole body; raise PayloadTooLarge if it was over the limit."""
        if self._size > self._limit:
            raise PayloadTooLarge(f"body is {self._size} bytes; the limit is {self._limit}")
        return b"".join(self._chunks)

    def body_json(self) -> Any:
        """Return the decoded JSON of the streamed body (400/413 in the one error shape)."""
        return parse_json(self.body, self._limit)


@tornado.web.stream_request_body
class TooLargeHandler(BaseHandler):
    """Answers a request to a handler that reads its body whole when the announced body is
    over ``max_body_bytes``: 413 in the one error shape at once, the body drained and dropped
    (Tornado alone would read it up to the server's limit, or reset the connection past it)."""

    def initialize(self, core: EventService, ref: Reference | None = None,
                   **_route_kwargs: Any) -> None:
        """Receive the core (the route's other arguments are not needed)."""
        super().initialize(core, ref)

    #: Bodies up to this many times the limit are drained (so a client that sends its whole
    #: body before reading gets the 413); larger ones are refused and the connection closed.
    DRAIN_FACTOR = 64

    async def prepare(self) -> None:
        """Refuse with 413."""
        limit = self.core.settings.max_body_bytes
        length = self.request.headers.get("Content-Length", "?")
        if length.isdigit() and int(length) <= limit * self.DRAIN_FACTOR:
            self.request.connection.set_max_body_size(int(length))
        raise PayloadTooLarge(f"body is {length} bytes; the limit is {limit}")

    def data_received(self, chunk: bytes) -> None:
        """Drop the body."""


def too_large(headers: Any, limit: int) -> bool:
    """Return True when ``headers`` announce a body over ``limit`` bytes."""
    length = headers.get("Content-Length", "")
    return length.isdigit() and int(length) > limit
