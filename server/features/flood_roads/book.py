"""Flooded roads: stretches of the main roads marked flooded (with the depth when known) or
cleared again, from an operator, a report or hotline call about a flooded road, or a camera
that saw water over the road.

The roads of ``hue_main_roads.geojson`` are cut into segments (``geo.roads``, at most
``IOC_FLOOD_ROAD_SEGMENT_M`` long). A mark names a segment by ``road_id`` + ``segment`` (its
index), or by a point snapped to the nearest segment within ``IOC_FLOOD_ROAD_SNAP_M`` (an
STRtree query). Each segment ever marked is **one** ``flood_road`` event (category
``flood.road_flooded``, at the segment's middle, the line in ``props.path``) whose status
(``flooded`` / ``cleared``), depth and source change with ``core.update`` (new seq, audited,
streamed): the wall draws each segment once, as it is now. Which event holds which segment is
kept in the store's records (kind ``flood_road``), read at start; the book then follows the
``flood_road`` events on the bus, so every node holds the marks made on the others.

Automatic marks: a stored ``report`` or ``hotline_call`` of category ``flood.road_flooded``
(its ``water_depth_m`` as the depth) and a ``camera_hit`` of category ``camera.road_flooded``
mark the nearest segment flooded, when one lies within the snapping distance.

**Illustrative gauge rule** (``IOC_FLOOD_ROAD_GAUGE_RADIUS_M``, 0: off): when a river gauge
passes BĐ3, the segments within that radius of it are marked flooded (source ``gauge``,
``{station}:BĐ3``); when it falls back below BĐ3, those it marked and nobody re-marked since
are cleared. The project has no road elevations: "near the gauge" stands for "low", which is
true of Quốc lộ 1A at Tứ Hạ next to Phú Ốc but is not a flood map.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from geo.roads import RoadNetwork, Segment, road_network
from server.features.flood_roads.kinds import FloodSource
from server.core.auth import Principal
from server.core.errors import Conflict, ValidationFailed, detail
from server.core.events import parse_model
from server.core.kit.feeds import drain
from server.core.kit.follow import StoreFollower
from server.core.service import IntakeStage, Proceed
from server.store import AuditEntry
from server.features.sensors.thresholds import Crossing
from server.core.timefmt import to_rfc3339

if TYPE_CHECKING:
    from server.core.events import NewEvent
    from server.core.service import EventService
    from server.store import AppendResult

log = logging.getLogger(__name__)

RECORDS = "flood_road"
CATEGORY = "flood.road_flooded"
#: Categories of other kinds that mark a road flooded, and the source type they give.
AUTO_SOURCES = {("report", CATEGORY): "report", ("hotline_call", CATEGORY): "hotline_call",
                ("camera_hit", "camera.road_flooded"): "camera"}
SEEN_MAX = 10_000
SYSTEM = Principal(None, "system")
GAUGE_RULE = "river_level"
BD3 = 3
Job = Callable[[], Awaitable[Any]]


class MarkIn(BaseModel):
    """A request to mark a segment: ``road_id`` + ``segment``, or ``lat`` + ``lon``."""

    model_config = ConfigDict(extra="forbid")
    road_id: str | None = Field(None, max_length=80)
    segment: int | None = Field(None, ge=0)
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    status: Literal["flooded", "cleared"] = "flooded"
    depth_m: float | None = Field(None, ge=0, le=10, allow_inf_nan=False)
    source: FloodSource = Field(default_factory=lambda: FloodSource(type="operator"))
    note: str | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _one_way_to_name_it(self) -> "MarkIn":
        by_id = self.road_id is not None or self.segment is not None
        by_point = self.lat is not None or self.lon is not None
        if by_id == by_point or (by_id and (self.road_id is None or self.segment is None)) \
                or (by_point and (self.lat is None or self.lon is None)):
            raise ValueError("name the segment by road_id and segment, "
                             "or by lat and lon (not both)")
        return self


def severity(status: str, depth_m: float | None) -> str:
    """Return the event severity: cleared ``minor``; flooded ``severe`` from 0.5 m, else
    ``moderate``."""
    if status == "cleared":
        return "minor"
    return "severe" if depth_m is not None and depth_m >= 0.5 else "moderate"


class MarkBook:
    """The state of every segment ever marked: segment id → ``{event_id, status, depth_m,
    source, at}`` (the store's records, then the ``flood_road`` events of the bus)."""

    def __init__(self, state: dict[str, dict[str, Any]] | None = None):
        self.state: dict[str, dict[str, Any]] = state or {}

    def __len__(self) -> int:
        return len(self.state)

    def observe(self, ev: dict[str, Any]) -> None:
        """Take a stored flood_road event's state (other kinds are ignored), so that every
        node's book holds the marks made on the others."""
        if ev.get("kind") != "flood_road":
            return
        p = ev["props"]
        self.state[p["segment_id"]] = {"event_id": ev["id"], "status": ev["status"],
                                       "depth_m": p.get("depth_m"), "source": p.get("source"),
                                       "at": p.get("marked_at")}


def load_marks(store: Any) -> MarkBook:
    """Return the MarkBook of the store's ``flood_road`` records (blocking: a reader thread)."""
    return MarkBook(store.records(RECORDS))


class FloodRoads(StoreFollower[MarkBook], IntakeStage):
    """The flooded-road book: marks, clears, automatic marks from the bus. As an intake stage
    it refuses ``flood_road`` events posted to ``/api/v1/events``: the book makes them.
    ``FloodRoadsFeature.install`` attaches it."""

    kinds = frozenset({"flood_road"})

    def __init__(self, core: "EventService", network: RoadNetwork | None = None):
        super().__init__(core, MarkBook(), load_marks, "the flooded-road book")
        self.network = network or road_network(core.settings.flood_road_segment_m)
        self._lock = asyncio.Lock()
        self._auto: asyncio.Queue[Job] = asyncio.Queue()
        self._seen: OrderedDict[str, None] = OrderedDict()

    @property
    def state(self) -> dict[str, dict[str, Any]]:
        """Return segment id → ``{event_id, status, depth_m, source, at}`` (the book)."""
        return self.book.state

    async def intake(self, events: list[NewEvent], proceed: Proceed) -> AppendResult:
        """Refuse the batch (nothing stored): a road is marked through ``/api/v1/flood-roads``,
        which keeps one event per segment and its state."""
        where = [f"events[{i}].kind" if len(events) > 1 else "kind"
                 for i, ev in enumerate(events) if ev.kind == "flood_road"]
        raise ValidationFailed("flood_road events are made by the flooded-roads book", [
            detail(path, "mark or clear a road with POST /api/v1/flood-roads "
                         "{road_id, segment | lat, lon, status, depth_m}") for path in where])

    # -- marking -------------------------------------------------------------------------------
    async def mark(self, doc: Any, principal: Principal) -> dict[str, Any]:
        """Apply a mark request (MarkIn); return ``{"segment", "event", "snapped_m", "created"}``.
        Raise ValidationFailed (bad body, unknown road or segment, no road near the point) or
        Conflict (clearing a segment that is not flooded)."""
        m = parse_model(MarkIn, doc, "flood-road mark")
        segment, snapped = self.resolve(m)
        await self.ready()  # the state read back after a restart decides the conflict
        if m.status == "cleared" and self.state.get(segment.id, {}).get("status") != "flooded":
            raise Conflict(f"segment {segment.id} is not marked flooded; nothing to clear")
        event, created = await self.apply(segment, m.status, m.depth_m, m.source.model_dump(
            exclude_none=True), principal, m.note)
        return {"segment": self.describe(segment), "event": event, "snapped_m": snapped,
                "created": created}

    def resolve(self, m: MarkIn) -> tuple[Segment, float | None]:
        """Return (the segment named by ``m``, the snapping distance in metres or None)."""
        if m.road_id is not None:
            segment = self.network.get(m.road_id, m.segment or 0)
            if segment is None:
                count = sum(1 for s in self.network.segments if s.road_id == m.road_id)
                field, why = (("segment", f"road {m.road_id!r} has segments 0 to {count - 1}")
                              if count else
                              ("road_id",
                               f"no road {m.road_id!r}; see GET /api/v1/flood-roads/network"))
                raise ValidationFailed("no such road segment", [detail(field, why)])
            return segment, None
        max_m = self.core.settings.flood_road_snap_m
        found = self.network.nearest(m.lat, m.lon, max_m)
        if found is None:
            raise ValidationFailed("no main road near the point",
                                   [detail("lat", f"no main road within {max_m:g} m of "
                                                  f"({m.lat}, {m.lon})")])
        return found[0], round(found[1], 1)

    async def apply(self, segment: Segment, status: str, depth_m: float | None,
                    source: dict[str, Any], principal: Principal,
                    note: str | None = None) -> tuple[dict[str, Any], bool]:
        """Store the segment's new state (a new ``flood_road`` event the first time, else an
        update of its event); return (the stored event, created)."""
        await self.ready()
        now = self.core.clock.now()
        props = self._props(segment, depth_m, source, note, now)
        async with self._lock:
            rec = self.state.get(segment.id)
            if rec is None:
                event = await self._create(segment, status, severity(status, depth_m), props, now)
            else:
                audit = AuditEntry(f"flood_road.{status}", principal.actor, principal.role,
                                   data={"depth_m": depth_m, "source": source}, at=now)
                event = await self.core.update(rec["event_id"], {
                    "status": status, "severity": severity(status, depth_m), "props": props}, audit)
            doc = {"event_id": event["id"], "status": status, "depth_m": depth_m, "source": source,
                   "at": props["marked_at"]}
            await self.core.write(self.core.store.put_records, RECORDS, {segment.id: doc}, now)
            self.state[segment.id] = doc
        return event, rec is None

    def _props(self, segment: Segment, depth_m: float | None, source: dict[str, Any],
               note: str | None, now: int) -> dict[str, Any]:
        """Return the props of the segment's event (FloodRoadProps)."""
        return {"segment_id": segment.id, "road_id": segment.road_id, "segment": segment.index,
                "road_name": segment.name, "length_m": round(segment.length_m),
                "path": [list(p) for p in segment.path], "source": source,
                **({"depth_m": depth_m} if depth_m is not None else {}),
                **({"note": note} if note else {}), "marked_at": to_rfc3339(now, self.core.tz)}

    async def _create(self, segment: Segment, status: str, sev: str, props: dict[str, Any],
                      now: int) -> dict[str, Any]:
        """Store the segment's first event; return it. The segment id is the event's source
        ref: one event per segment, and a retry finds the stored one."""
        lat, lon = segment.middle
        doc = {"kind": "flood_road", "category": CATEGORY, "lat": lat, "lon": lon, "status": status,
               "severity": sev, "source": {"channel": "flood-roads", "ref": segment.id},
               "props": props}
        events = self.core.validator.validate([doc], "", now)
        return (await self.core.append(events)).events[0]

    def describe(self, segment: Segment) -> dict[str, Any]:
        """Return the segment (``Segment.to_json``) with its state (``status``: ``dry`` when
        never marked)."""
        rec = self.state.get(segment.id, {})
        return {**segment.to_json(), "status": rec.get("status", "dry"),
                "depth_m": rec.get("depth_m"),
                "source": rec.get("source"), "at": rec.get("at"), "event_id": rec.get("event_id")}

    async def listing(self, status: str | None = None) -> list[dict[str, Any]]:
        """Return the marked segments (all, or those of ``status``), described, once the state
        is read back from the store."""
        await self.ready()
        out = []
        for sid, rec in self.state.items():
            segment = self.network.by_id(sid)
            if segment is not None and (status is None or rec["status"] == status):
                out.append(self.describe(segment))
        return out

    # -- automatic marks -----------------------------------------------------------------------
    def follow(self, events: list[dict[str, Any]]) -> None:
        """Take the flood_road events (this node's marks and the other nodes') into the book;
        queue an automatic mark for each road-flooding event."""
        super().follow(events)
        for ev in events:
            if (ev["kind"], ev["category"]) in AUTO_SOURCES and ev["id"] not in self._seen:
                self._seen[ev["id"]] = None
                if len(self._seen) > SEEN_MAX:
                    self._seen.popitem(last=False)
                self._auto.put_nowait(functools.partial(self.mark_from_event, ev))

    def on_crossing(self, c: Crossing) -> None:
        """Threshold listener (the illustrative gauge rule): queue marking the segments near a
        gauge that passed BĐ3, or clearing them when it fell back below."""
        station = c.context.get("station")
        if c.rule.id != GAUGE_RULE or station is None \
                or not self.core.settings.flood_road_gauge_radius_m:
            return
        if c.old < BD3 <= c.new or c.new < BD3 <= c.old:
            self._auto.put_nowait(functools.partial(self.mark_near_gauge, station.id, station.lat,
                                                    station.lon,
                                                    "flooded" if c.new >= BD3 else "cleared"))

    async def mark_near_gauge(self, gauge: str, lat: float, lon: float, status: str) -> int:
        """Mark the segments within the gauge radius flooded, or clear those the gauge marked
        and still holds; return how many changed."""
        await self.ready()
        source = {"type": "gauge", "ref": f"{gauge}:BĐ3"}
        changed = 0
        for segment in self.network.within(lat, lon, self.core.settings.flood_road_gauge_radius_m):
            rec = self.state.get(segment.id)
            if status == "cleared" and (rec is None or rec["status"] != "flooded"
                                        or rec["source"] != source):
                continue
            await self.apply(segment, status, None, source, SYSTEM)
            changed += 1
        return changed

    async def mark_from_event(self, ev: dict[str, Any]) -> dict[str, Any] | None:
        """Mark the segment nearest to a road-flooding event (see the module docstring); return
        the stored flood_road event, or None when no road is near."""
        found = self.network.nearest(ev["lat"], ev["lon"], self.core.settings.flood_road_snap_m)
        if found is None:
            log.info("flooded-road event %s: no main road within reach", ev["id"])
            return None
        depth = ev.get("props", {}).get("water_depth_m")
        source = {"type": AUTO_SOURCES[(ev["kind"], ev["category"])], "ref": ev["id"]}
        event, _ = await self.apply(found[0], "flooded", depth, source, SYSTEM)
        return event

    async def settle(self) -> None:
        """Wait until the automatic marks queued so far are stored (tests)."""
        await self._auto.join()

    # -- running -------------------------------------------------------------------------------
    def loops(self) -> list[Job]:
        """Return the loop that applies the automatic marks (once the book is read)."""
        return [lambda: drain(self._auto, lambda job: job(), "automatic flood-road mark")]
