"""Whether the database answers, as the core last saw it (no Tornado).

Every store call of the core reports here (``EventService.read``/``write``): a call that fails
because the database cannot be reached (``EventStore.unavailable``) marks the store
``unavailable``; the next call that reaches the database marks it ``ok`` again and records how
long the outage lasted. ``GET /api/v1/health`` shows it and the wall's status bar reads it.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timezone
from typing import Any

from server.timefmt import now_micros, to_rfc3339

log = logging.getLogger(__name__)


@dataclass
class StoreHealth:
    """The store's state: ``ok`` or ``unavailable`` since ``since`` (epoch µs)."""

    state: str = "ok"
    since: int = 0
    error: str | None = None
    outages: int = 0
    last_outage_s: float | None = None
    _down_at: float = 0.0

    @property
    def ok(self) -> bool:
        """Return True while the database answers."""
        return self.state == "ok"

    def failed(self, exc: BaseException) -> None:
        """Record a call that could not reach the database."""
        self.error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        if self.ok:
            self.state, self.since, self._down_at = "unavailable", now_micros(), time.monotonic()
            self.outages += 1
            log.warning("database unavailable: %s", self.error)

    def succeeded(self) -> None:
        """Record a call that reached the database."""
        if not self.ok:
            self.last_outage_s = time.monotonic() - self._down_at
            self.state, self.since, self.error = "ok", now_micros(), None
            log.warning("database back after %.1f s", self.last_outage_s)

    def to_json(self, tz: timezone) -> dict[str, Any]:
        """Return ``{"state": "ok"|"unavailable", "since": RFC 3339 | None, "error": str | None,
        "outages": N, "last_outage_s": float | None}``."""
        return {"state": self.state, "since": to_rfc3339(self.since, tz) if self.since else None,
                "error": self.error, "outages": self.outages, "last_outage_s": self.last_outage_s}
