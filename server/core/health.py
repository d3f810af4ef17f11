"""Whether the database answers, as the core last saw it (no Tornado).

Every store call of the core reports here (``EventService.read``/``write``), for reads and
writes apart (a full disk still reads): a call that fails because the database cannot be reached
(``EventStore.unavailable``) marks its side failing and the store ``unavailable``; the next call
of that side that reaches the database clears it, and when neither side fails the store is
``ok`` again and the length of the outage is recorded. ``GET /api/v1/health`` shows it and the
wall's status bar reads it.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timezone
from typing import Any

from server.core.timefmt import now_micros, to_rfc3339

log = logging.getLogger(__name__)

SIDES = ("read", "write")


def describe(exc: BaseException) -> str:
    """Return ``"Type: first line of the message"``."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


@dataclass
class StoreHealth:
    """The store's state: ``ok`` or ``unavailable`` since ``since`` (epoch µs)."""

    since: int = 0
    error: str | None = None
    outages: int = 0
    last_outage_s: float | None = None
    failing: set[str] = field(default_factory=set)
    _down_at: float = 0.0

    @property
    def state(self) -> str:
        """Return ``ok`` or ``unavailable``."""
        return "unavailable" if self.failing else "ok"

    @property
    def ok(self) -> bool:
        """Return True while the database answers reads and writes."""
        return not self.failing

    def failed(self, exc: BaseException, side: str) -> None:
        """Record a call of ``side`` (``read`` or ``write``) that could not reach the database."""
        self.error = describe(exc)
        if self.ok:
            self.since, self._down_at = now_micros(), time.monotonic()
            self.outages += 1
            log.warning("database unavailable (%s): %s", side, self.error)
        self.failing.add(side)

    def succeeded(self, side: str) -> None:
        """Record a call of ``side`` that reached the database."""
        if side not in self.failing:
            return
        self.failing.discard(side)
        if self.ok:
            self.last_outage_s = time.monotonic() - self._down_at
            self.since, self.error = now_micros(), None
            log.warning("database back after %.1f s", self.last_outage_s)

    def to_json(self, tz: timezone) -> dict[str, Any]:
        """Return ``{"state": "ok"|"unavailable", "failing": ["read"?, "write"?], "since":
        RFC 3339 | None, "error": str | None, "outages": N, "last_outage_s": float | None}``."""
        return {"state": self.state, "failing": sorted(self.failing),
                "since": to_rfc3339(self.since, tz) if self.since else None,
                "error": self.error, "outages": self.outages, "last_outage_s": self.last_outage_s}
