"""Re-route stored events in bulk: after a boundary change (hand the cases of abolished districts
to today's communes), or after corrected registry data.

Each event is routed again from its category, place and time — with the boundary generation in
force at its ``observed_at``, or with one named generation — and when its area, responsible agency
or copies change, the change goes through the store's ``update_many`` (new seq, one ``reroute``
audit entry per event saying from what to what) and is published like any update. Deadlines and
statuses are left as they are. ``ioc areas reroute`` and ``POST /api/v1/areas/reroute`` call this.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import AwareDatetime, BaseModel, ConfigDict

from geo.router import Router
from server.core.errors import ValidationFailed, detail
from server.core.events import parse_model
from server.core.timefmt import parse_rfc3339, to_micros

ROUTE_FIELDS = ("area", "agency_id", "copied_to")
PAGE_SIZE = 2000


class RerouteBody(BaseModel):
    """The JSON body of ``POST /api/v1/areas/reroute`` (every field optional)."""

    model_config = ConfigDict(extra="forbid")
    generation: str | None = None
    observed_from: AwareDatetime | None = None
    observed_to: AwareDatetime | None = None
    statuses: list[str] | None = None
    kinds: list[str] | None = None
    dry_run: bool = False


@dataclass(frozen=True)
class RerouteRequest:
    """Which events to re-route and how.

    ``generation``: a boundary generation id to use for every event (None: the one in force at
    each event's ``observed_at``). ``observed_from`` (inclusive) and ``observed_to`` (exclusive)
    in epoch µs, ``statuses`` and ``kinds`` narrow the selection (None: no filter).
    """

    generation: str | None = None
    observed_from: int | None = None
    observed_to: int | None = None
    statuses: frozenset[str] | None = None
    kinds: frozenset[str] | None = None
    dry_run: bool = False

    @classmethod
    def from_json(cls, doc: Any) -> "RerouteRequest":
        """Return the request of a JSON body; raise ValidationFailed naming every problem."""
        body = parse_model(RerouteBody, doc if doc is not None else {}, "re-route request")
        micros = lambda t: to_micros(t) if t is not None else None  # noqa: E731
        sets = lambda v: frozenset(v) if v else None  # noqa: E731
        return cls(body.generation, micros(body.observed_from), micros(body.observed_to),
                   sets(body.statuses), sets(body.kinds), body.dry_run)

    def check(self, router: Router) -> None:
        """Raise ValidationFailed if the generation is unknown or the period is empty."""
        if self.generation is not None and self.generation not in router.generations.ids:
            raise ValidationFailed(f"unknown boundary generation {self.generation!r}", [
                detail("generation", f"one of {', '.join(router.generations.ids)}")])
        if None not in (self.observed_from, self.observed_to) \
                and self.observed_from >= self.observed_to:
            raise ValidationFailed("the period is empty", [
                detail("observed_to", "must be later than observed_from")])

    def matches(self, event: dict[str, Any]) -> bool:
        """Return True if a wire event is selected."""
        if self.statuses is not None and event["status"] not in self.statuses:
            return False
        if self.kinds is not None and event["kind"] not in self.kinds:
            return False
        if self.observed_from is None and self.observed_to is None:
            return True
        t = parse_rfc3339(event["observed_at"])
        return (self.observed_from is None or t >= self.observed_from) and \
            (self.observed_to is None or t < self.observed_to)


@dataclass
class RerouteReport:
    """What a re-routing did (or would do, with ``dry_run``)."""

    dry_run: bool
    scanned: int = 0
    matched: int = 0
    changed: int = 0
    moves: Counter = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        """Return ``{dry_run, scanned, matched, changed, moves: [{from, to, events}]}``."""
        moves = [{"from": a, "to": b, "events": n} for (a, b), n in self.moves.most_common()]
        return {"dry_run": self.dry_run, "scanned": self.scanned, "matched": self.matched,
                "changed": self.changed, "moves": moves}


def plan_changes(router: Router, events: list[dict[str, Any]],
                 generation: str | None) -> list[tuple[dict[str, Any], dict[str, Any], str]]:
    """Return (event, changes, generation used) for each event whose route changes."""
    if not events:
        return []
    lat = np.array([e["lat"] for e in events])
    lon = np.array([e["lon"] for e in events])
    times = np.array([parse_rfc3339(e["observed_at"]) for e in events], np.int64)
    routes = router.route_many(lat, lon, [e["category"] for e in events], times, generation)
    out = []
    for ev, r in zip(events, routes):
        new = {"area": r.area, "agency_id": r.agency_id, "copied_to": list(r.copied_to)}
        changes = {k: v for k, v in new.items() if ev[k] != v}
        if changes:
            out.append((ev, changes, r.generation))
    return out
