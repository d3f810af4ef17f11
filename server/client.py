"""A small blocking client of the server's own HTTP API, for sources that post to it from another
process (the scenario player, the camera workers): bearer token, JSON or raw bodies, retries with
exponential back-off on connection errors, 408, 429 and 5xx (waiting at least the server's
``Retry-After``). No Tornado, standard library only.
"""
from __future__ import annotations

import logging
import random
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import orjson

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class ApiError(RuntimeError):
    """The server refused a request (a 4xx other than 408/429), or retries ran out."""

    def __init__(self, message: str, status: int | None = None, body: Any = None):
        super().__init__(message)
        self.status = status
        self.body = body


class Backoff:
    """Exponential back-off delays: ``initial``, ×``factor`` per failure, capped at ``cap``, with
    ±``jitter`` spread so that many clients do not retry in step."""

    def __init__(self, initial: float = 0.25, cap: float = 30.0, factor: float = 2.0,
                 jitter: float = 0.1):
        self.initial, self.cap, self.factor, self.jitter = initial, cap, factor, jitter
        self.failures = 0

    def next(self) -> float:
        """Return the delay before the next attempt (and count one more failure)."""
        delay = min(self.initial * self.factor ** self.failures, self.cap)
        self.failures += 1
        return delay * (1 + random.uniform(-self.jitter, self.jitter))

    def reset(self) -> None:
        """Forget the failures (after a success)."""
        self.failures = 0


@dataclass
class ApiResponse:
    """A successful answer: status, headers and body (decoded JSON, or bytes when not JSON)."""

    status: int
    headers: dict[str, str]
    body: Any


class ApiClient:
    """Send requests to ``base_url`` with ``Authorization: Bearer token``; thread-safe.

    ``retries`` attempts follow the first one; ``stop`` (a threading.Event) cuts the waits short.
    """

    def __init__(self, base_url: str, token: str, retries: int = 8, timeout: float = 30.0,
                 max_delay: float = 10.0, stop: threading.Event | None = None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.retries = retries
        self.timeout = timeout
        self.max_delay = max_delay
        self.stop = stop or threading.Event()

    def request(self, method: str, path: str, json: Any = None, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> ApiResponse:
        """Send one request, retrying what may succeed later; return the ApiResponse or raise
        ApiError (refused, or gave up after the retries)."""
        url = self.base_url + path
        data = orjson.dumps(json) if json is not None else body
        hdrs = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        if json is not None:
            hdrs["Content-Type"] = "application/json"
        backoff = Backoff(cap=self.max_delay)
        for attempt in range(self.retries + 1):
            asked = 0.0
            try:
                return self._once(urllib.request.Request(url, data, hdrs, method=method))
            except urllib.error.HTTPError as err:
                payload = _decode(err.read(), err.headers.get("Content-Type", ""))
                if err.code not in RETRY_STATUSES:
                    raise ApiError(f"{method} {path}: {err.code} {_message(payload)}", err.code,
                                   payload) from None
                asked = retry_after(err.headers.get("Retry-After"))
                log.warning("%s %s answered %s; retrying", method, path, err.code)
            except (urllib.error.URLError, ConnectionError, TimeoutError) as err:
                log.warning("cannot reach %s (%s); retrying", url, getattr(err, "reason", err))
            delay = min(max(backoff.next(), asked), self.max_delay)
            if attempt < self.retries and self.stop.wait(delay):
                break
        raise ApiError(f"gave up on {method} {url} after {attempt + 1} attempt(s)")

    def _once(self, req: urllib.request.Request) -> ApiResponse:
        with urllib.request.urlopen(req, timeout=self.timeout) as res:
            payload = _decode(res.read(), res.headers.get("Content-Type", ""))
            return ApiResponse(res.status, dict(res.headers), payload)


def retry_after(value: str | None) -> float:
    """Return the seconds of a ``Retry-After`` header given in seconds (0 when absent, a date,
    or not a number)."""
    try:
        return max(0.0, float(value)) if value else 0.0
    except ValueError:
        return 0.0


def _decode(payload: bytes, content_type: str) -> Any:
    if "json" in content_type and payload:
        try:
            return orjson.loads(payload)
        except orjson.JSONDecodeError:
            return payload
    return payload


def _message(payload: Any) -> str:
    """Return the server's error message (the one error shape) or the start of the body."""
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        err = payload["error"]
        details = "; ".join(f"{d.get('path')}: {d.get('message')}" for d in err.get("details", []))
        return f"{err.get('message')}" + (f" ({details})" if details else "")
    return repr(payload[:300]) if isinstance(payload, (bytes, str)) else str(payload)
