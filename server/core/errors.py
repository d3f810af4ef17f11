"""One error family. Each error carries its HTTP status and a stable code; ``to_json`` gives the
one error shape used on HTTP and websockets: ``{"error": {"code", "message", "details": [...]}}``.
"""
from __future__ import annotations

from typing import Any


class IOCError(Exception):
    """Base of every error a client may see."""

    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.headers = headers or {}

    def to_json(self) -> dict[str, Any]:
        """Return ``{"error": {"code": str, "message": str,
        "details": [{"path", "message"}…]}}``."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class BadRequest(IOCError):
    """The request cannot be read (malformed JSON, bad query parameter)."""

    status, code = 400, "bad_request"


class ValidationFailed(IOCError):
    """The request was read but its content is invalid; ``details`` names each problem."""

    status, code = 422, "validation_failed"


class Unauthorized(IOCError):
    """No valid token."""

    status, code = 401, "unauthorized"


class Forbidden(IOCError):
    """The token's role may not do this."""

    status, code = 403, "forbidden"


class NotFound(IOCError):
    """Nothing at this address."""

    status, code = 404, "not_found"


class Conflict(IOCError):
    """The request conflicts with stored state (e.g. an idempotency key reused for other data)."""

    status, code = 409, "conflict"


class PayloadTooLarge(IOCError):
    """Body, batch or message over the limit."""

    status, code = 413, "too_large"


class UnsupportedMediaType(IOCError):
    """The body is not of a type this operation reads."""

    status, code = 415, "unsupported_media_type"


class TooManyRequests(IOCError):
    """Rate limit hit."""

    status, code = 429, "rate_limited"


class Unavailable(IOCError):
    """A dependency (the store) is down; retry later."""

    status, code = 503, "unavailable"


def detail(path: str, message: str) -> dict[str, str]:
    """Return one entry of ``details``: ``{"path": path, "message": message}``."""
    return {"path": path, "message": message}
