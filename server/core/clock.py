"""Clocks. The core asks its clock for the time so that tests (deadlines, silence, thresholds)
can move time by hand."""
from __future__ import annotations

import time

from server.core.timefmt import now_micros


class Clock:
    """The system clock (microseconds since the epoch, UTC)."""

    def now(self) -> int:
        """Return the current time in epoch microseconds."""
        return now_micros()


class ManualClock(Clock):
    """A clock that only moves when told to (for tests and simulations)."""

    def __init__(self, start: int | None = None):
        self._now = start if start is not None else now_micros()

    def now(self) -> int:
        """Return the clock's time."""
        return self._now

    def advance(self, seconds: float) -> int:
        """Move the clock forward by ``seconds``; return the new time."""
        self._now += int(seconds * 1_000_000)
        return self._now

    def set(self, micros: int) -> None:
        """Set the clock to ``micros``."""
        self._now = micros


class ScaledClock(Clock):
    """Scenario time for demos: starts at ``start`` (default now) and runs ``speed`` times faster
    than the system clock, so a month of deadlines passes in hours."""

    def __init__(self, speed: float, start: int | None = None):
        self.speed = speed
        self._start = start if start is not None else now_micros()
        self._t0 = time.monotonic()

    def now(self) -> int:
        """Return the scaled time."""
        return self._start + int((time.monotonic() - self._t0) * 1_000_000 * self.speed)
