"""Key figures for the wall's KPI panels: one base class (``KpiProvider``), a registry on the
core (``core.kpis``) and the core's own figure (events in the last hour, per kind).

A provider returns items; the wall draws them generically, grouped by ``group``. Wire form of
``GET /api/v1/kpis``::

    {"generated_at": RFC 3339,
     "groups": [{"id", "label": {"vi", "en"}}],          # in display order
     "items": [{"id", "label": {"vi", "en"}, "value": number | null, "unit": str,
                "status": "ok" | "warn" | "alarm" | "unknown", "group": str}]}

A feature adds its figures by subclassing ``KpiProvider`` and calling
``core.kpis.register(MyProvider(...))`` in its ``install(core, needs)`` (see docs/WALL.md).
"""
from __future__ import annotations

import abc
import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, ClassVar

from layers.registry import LayerRegistry
from server.core.errors import Unavailable
from server.core.kinds import KindRegistry
from server.store.base import CountQuery
from server.core.timefmt import to_micros, to_rfc3339

log = logging.getLogger(__name__)

HOUR_US = 3_600_000_000


@dataclass(frozen=True)
class KpiGroup:
    """A panel of figures: id, labels and where it goes (lower ``order`` first)."""

    id: str
    vi: str
    en: str
    order: int = 50

    def to_json(self) -> dict[str, Any]:
        """Return ``{"id", "label": {"vi", "en"}}``."""
        return {"id": self.id, "label": {"vi": self.vi, "en": self.en}}


@dataclass(frozen=True)
class Kpi:
    """One figure as the wall shows it."""

    id: str
    vi: str
    en: str
    value: float | int | None
    group: str
    unit: str = ""
    status: str = "ok"

    def to_json(self) -> dict[str, Any]:
        """Return the wire form (see the module docstring)."""
        return {"id": self.id, "label": {"vi": self.vi, "en": self.en}, "value": self.value,
                "unit": self.unit, "status": self.status, "group": self.group}


def level(value: float | None, warn: float, alarm: float) -> str:
    """Return ``ok``/``warn``/``alarm`` for ``value`` against two thresholds.

    With ``warn <= alarm`` higher is worse (value ≥ alarm → alarm); with ``warn > alarm`` lower
    is worse (e.g. on-time %: value ≤ alarm → alarm). None gives ``unknown``.
    """
    if value is None:
        return "unknown"
    if warn <= alarm:
        return "alarm" if value >= alarm else "warn" if value >= warn else "ok"
    return "alarm" if value <= alarm else "warn" if value <= warn else "ok"


@dataclass
class KpiContext:
    """What a provider may use: the time, the caller's scope, the kinds, the layers and grouped
    store counts (``tally``)."""

    now: int
    tz: timezone
    agency_id: str | None
    kinds: KindRegistry
    layers: LayerRegistry
    tally: Callable[[CountQuery], Awaitable[dict[tuple, int]]]
    head: int = 0  # the last seq published: figures computed at another head are stale

    def day_start(self) -> int:
        """Return local midnight of today (epoch microseconds)."""
        local = datetime.fromtimestamp(self.now / 1e6, self.tz)
        return to_micros(local.replace(hour=0, minute=0, second=0, microsecond=0))

    async def total(self, **filters: Any) -> int:
        """Return how many events in the caller's scope match ``CountQuery(**filters)``."""
        counts = await self.tally(CountQuery(agency_id=self.agency_id, **filters))
        return sum(counts.values())

    def closed(self, kind: str) -> frozenset[str]:
        """Return the statuses that close a case of ``kind`` (none for an unknown kind)."""
        return self.kinds.closed(kind)


class KpiProvider(abc.ABC):
    """Computes some figures of one group. Subclasses set ``id`` and ``group``."""

    id: ClassVar[str]
    group: ClassVar[KpiGroup]

    @abc.abstractmethod
    async def items(self, ctx: KpiContext) -> list[Kpi]:
        """Return this provider's figures (``Kpi.group`` = ``self.group.id``)."""

    def failed(self) -> list[Kpi]:
        """Return what the wall shows when ``items`` raised: one ``unknown`` figure."""
        return [Kpi(self.id, "Không có số liệu", "No data", None, self.group.id, status="unknown")]


class KpiRegistry:
    """Providers by id. Computes all of them for one scope; a result is reused for ``cache_s``
    seconds as long as no new event was published, and concurrent requests share one run."""

    def __init__(self, providers: list[KpiProvider] | None = None, cache_s: float = 2.0):
        self._providers: dict[str, KpiProvider] = {}
        self.cache_s = cache_s
        self._cache: dict[tuple, tuple[float, asyncio.Future]] = {}
        for provider in providers or []:
            self.register(provider)

    def register(self, provider: KpiProvider) -> None:
        """Add a provider; raise ValueError if its id is taken."""
        if provider.id in self._providers:
            raise ValueError(f"two KPI providers claim id {provider.id!r}")
        self._providers[provider.id] = provider
        self._cache.clear()

    @property
    def ids(self) -> list[str]:
        """Return the provider ids in registration order."""
        return list(self._providers)

    async def compute(self, ctx: KpiContext) -> dict[str, Any]:
        """Return the ``GET /api/v1/kpis`` document for ``ctx`` (see the module docstring)."""
        key = (ctx.agency_id, ctx.head)
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is None or hit[0] < now:
            self._cache = {k: v for k, v in self._cache.items() if v[0] >= now}
            hit = (now + self.cache_s, asyncio.ensure_future(self._run(ctx)))
            self._cache[key] = hit
        return await asyncio.shield(hit[1])

    async def _run(self, ctx: KpiContext) -> dict[str, Any]:
        providers = list(self._providers.values())
        results = await asyncio.gather(*(p.items(ctx) for p in providers), return_exceptions=True)
        groups: dict[str, KpiGroup] = {}
        items: list[dict[str, Any]] = []
        for provider, result in zip(providers, results):
            if isinstance(result, Unavailable):  # an outage: health logs it once
                log.debug("KPI provider %s: %s", provider.id, result.message)
                result = provider.failed()
            elif isinstance(result, BaseException):
                log.error("KPI provider %s failed", provider.id, exc_info=result)
                result = provider.failed()
            groups.setdefault(provider.group.id, provider.group)
            items.extend(k.to_json() for k in result)
        ordered = sorted(groups.values(), key=lambda g: g.order)
        return {"generated_at": to_rfc3339(ctx.now, ctx.tz),
                "groups": [g.to_json() for g in ordered], "items": items}


# -- the core's own figure ----------------------------------------------------------------------
ACTIVITY = KpiGroup("activity", "Sự kiện trong 1 giờ qua", "Events in the last hour", order=40)


class EventsLastHour(KpiProvider):
    """Events received in the last hour, one figure per kind of the layer catalog."""

    id = "events.last_hour"
    group = ACTIVITY

    async def items(self, ctx: KpiContext) -> list[Kpi]:
        """Return one figure per event layer (0 where nothing came in)."""
        counts = await ctx.tally(CountQuery(agency_id=ctx.agency_id,
                                            received_from=ctx.now - HOUR_US, group_by=("kind",)))
        out = []
        for kind in ctx.layers.kinds:
            layer = ctx.layers.for_kind(kind)
            out.append(Kpi(f"{self.id}.{kind}", layer.title_vi, layer.title_en,
                           counts.get((kind,), 0), self.group.id))
        return out


def default_providers() -> list[KpiProvider]:
    """Return the providers of the core (features register theirs on ``core.kpis``)."""
    return [EventsLastHour()]
