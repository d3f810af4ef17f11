"""Sign-in throttling: failures counted per username and per address in a sliding window; past
the limit, sign-in is paused for that key until the oldest failure leaves the window. Kept per
node (a cluster of N nodes allows up to N times the limit)."""
from __future__ import annotations

import math
import time
from collections import deque
from typing import Callable

MAX_KEYS = 50_000


class Throttle:
    """Failures per key within ``window`` seconds, at most ``limit``."""

    def __init__(self, limit: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def wait(self, key: str) -> int:
        """Return the seconds to wait before ``key`` may try again (0: it may now)."""
        times = self._recent(key)
        if len(times) < self.limit:
            return 0
        return max(1, math.ceil(times[0] + self.window - self._clock()))

    def fail(self, key: str) -> None:
        """Count a failure of ``key``."""
        if len(self._failures) > MAX_KEYS:
            self._failures.clear()
        self._recent(key).append(self._clock())

    def clear(self, key: str) -> None:
        """Forget the failures of ``key`` (it signed in)."""
        self._failures.pop(key, None)

    def _recent(self, key: str) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= self._clock() - self.window:
            times.popleft()
        return times
