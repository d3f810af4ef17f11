"""A tiny HTTP client over a real socket: one request, one Response (4xx/5xx included)."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Response:
    """An HTTP answer: status, headers and decoded JSON body (None if not JSON)."""

    status: int
    headers: dict[str, str]
    body: Any
    raw: bytes = field(repr=False, default=b"")


def encode_request(body: Any = None, token: str | None = None,
                   headers: dict[str, str] | None = None,
                   raw: bytes | None = None) -> tuple[bytes | None, dict[str, str]]:
    """Return the request body (``raw``, else ``body`` as JSON, else None) and its headers
    (JSON content type, the bearer ``token``, then ``headers``)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    if token:
        hdrs["Authorization"] = f"Bearer {token}"
    return data, hdrs


def decode_response(status: int, headers: dict[str, str], payload: bytes) -> Response:
    """Return the Response of an answer (its body decoded when it is JSON)."""
    try:
        doc = json.loads(payload) if payload else None
    except ValueError:
        doc = None
    return Response(status, headers, doc, payload)


def http(method: str, url: str, body: Any = None, token: str | None = None,
         headers: dict[str, str] | None = None, raw: bytes | None = None,
         timeout: float = 30.0) -> Response:
    """Send one request; return the Response (4xx/5xx included, never raises for them; no
    answer within ``timeout`` seconds raises)."""
    data, hdrs = encode_request(body, token, headers, raw)
    req = urllib.request.Request(url, data=data, headers=hdrs, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            payload, status, rh = res.read(), res.status, dict(res.headers)
    except urllib.error.HTTPError as err:
        payload, status, rh = err.read(), err.code, dict(err.headers)
    return decode_response(status, rh, payload)


def assert_error(res: Response, status: int, code: str) -> dict:
    """Assert ``res`` is a ``status`` error in the one error shape with ``code``; return the
    error object (code, message, details)."""
    assert res.status == status, res.body
    assert set(res.body) == {"error"}
    err = res.body["error"]
    assert set(err) == {"code", "message", "details"}
    assert err["code"] == code and isinstance(err["message"], str) and err["message"]
    assert isinstance(err["details"], list)
    return err
