"""Clocks. The core asks its clock for the time so that tests (deadlines, silence, thresholds)
can move time by hand."""
from __future__ import annotations

from server.timefmt import now_micros


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
