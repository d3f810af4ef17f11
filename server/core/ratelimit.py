"""Request rate limits: token buckets keyed by who asks (a token, or an address), without Tornado.

A bucket holds up to ``burst`` requests and refills at ``rate`` per second; a request takes one.
A new key starts with a full bucket, so the first request of a new caller is never refused (a
first SOS from a new address always goes through). The web layer charges one request per API
call (``server.web.base``): tokens of staff roles by token, anonymous callers and the shared
public token by address, and the public SOS on a bucket of its own per address, so that reading
the public feed can never use up the budget of an SOS.
"""
from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

from server.core.auth import Principal
from server.core.policy import PERSONAL
from server.core.errors import TooManyRequests

#: Keys kept per limit; beyond it the least recently used bucket is forgotten (it refills to full
#: anyway, so forgetting one only ever favours its caller).
MAX_KEYS = 100_000


@dataclass(frozen=True)
class Limit:
    """A bucket shape: ``rate`` requests per second sustained, ``burst`` at once; 0 = no limit."""

    name: str
    rate: float
    burst: int

    @property
    def enabled(self) -> bool:
        """Return False when this limit is switched off (rate or burst 0)."""
        return self.rate > 0 and self.burst > 0


class TokenBucket:
    """One caller's budget: ``level`` requests available at time ``at`` (monotonic seconds)."""

    __slots__ = ("level", "at")

    def __init__(self, level: float, at: float):
        self.level = level
        self.at = at

    def take(self, limit: Limit, now: float) -> float:
        """Take one request; return 0 if allowed, else the seconds until one is available."""
        self.level = min(limit.burst, self.level + (now - self.at) * limit.rate)
        self.at = now
        if self.level >= 1:
            self.level -= 1
            return 0.0
        return (1 - self.level) / limit.rate


class RateLimiter:
    """Buckets of several limits, each keyed by a string (a token id or an address)."""

    def __init__(self, limits: list[Limit], clock: Callable[[], float] = time.monotonic,
                 max_keys: int = MAX_KEYS):
        self.limits = {lim.name: lim for lim in limits}
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, OrderedDict[str, TokenBucket]] = {
            n: OrderedDict() for n in self.limits}

    def wait(self, limit_name: str, key: str) -> float:
        """Charge one request of ``key`` under ``limit_name``; return 0 if allowed, else the
        seconds after which a retry would be allowed (nothing is charged then)."""
        limit = self.limits[limit_name]
        if not limit.enabled:
            return 0.0
        buckets, now = self._buckets[limit_name], self._clock()
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = TokenBucket(float(limit.burst), now)
            if len(buckets) > self._max_keys:
                buckets.popitem(last=False)
        else:
            buckets.move_to_end(key)
        return bucket.take(limit, now)

    def check(self, limit_name: str, key: str, who: str) -> None:
        """Charge one request; raise TooManyRequests (429, ``Retry-After`` in whole seconds,
        at least 1) naming ``who`` and the limit when the bucket is empty."""
        wait = self.wait(limit_name, key)
        if wait > 0:
            limit = self.limits[limit_name]
            raise TooManyRequests(
                f"too many requests from {who}: the limit is {limit.rate:g} per second "
                f"(bursts of {limit.burst}); retry after {wait:.1f} s",
                headers={"Retry-After": str(max(1, math.ceil(wait)))})

    def charge(self, principal: Principal | None, address: str,
               address_limit: str = "address") -> None:
        """Charge one request of ``principal`` (None: not identified) calling from ``address``:
        a staff token on limit ``token``, anyone else on ``address_limit`` by address; raise
        TooManyRequests when over. The public role is one token shared by every citizen's app,
        so it (like callers without a token and citizens' per-report tokens) is limited by
        address: only ``policy.PERSONAL`` tokens are limited by token."""
        if principal is not None and principal.authenticated and principal.role in PERSONAL:
            self.check("token", principal.token_id, "this token")
        else:
            self.check(address_limit, address, f"address {address}")
