"""Vessels: AIS messages → positions (``vessel`` events), the vessel registry, danger zones,
silent vessels and the storm readiness view.

``VesselTracker`` is the state, without I/O: the latest position and recent track of each MMSI,
its zone (``geo.sea``), the danger zones it is inside, whether it has gone silent, and the
registry of static data (name, call sign, type, size) from message types 5, 19 and 24.

Write down-sampling: every position goes to the live stream, but a vessel's position is stored
at most once per ``ais_store_moving_s`` while it moves and once per ``ais_store_stationary_s``
while it is stationary (below ``ais_stationary_knots``) — except that a change of zone or
navigation status, entering or leaving a danger zone, or a vessel heard again after silence is
always stored. Positions not stored go out as live-only events (``server.core.hub``).

``VesselService`` wires it to the core: AIS feeds (TCP client, UDP listener, HTTP upload), the
FeedBatcher, the alert book, the registry in the store (records ``vessel`` and ``danger_zone``)
and the silence timer on ``core.clock``.
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import shapely
import uuid6
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from geo.sea import ZONE_BY_ID, ZONES, SeaZones, load_ports
from server.features.vessels.ais import AisDecoder, tcp_feed, udp_listener
from server.core.kit.alerts import AlertBook, read_open
from server.features.vessels.settings import VesselsSettings
from server.core.errors import NotFound, ValidationFailed, detail
from server.core.kit.feeds import FeedBatcher, every
from server.core.kit.follow import StoreFollower
from server.store.base import EventQuery
from server.core.timefmt import parse_rfc3339, to_rfc3339

if TYPE_CHECKING:
    from server.core.service import EventService

log = logging.getLogger(__name__)

US = 1_000_000
POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27})
STATIC_TYPES = frozenset({5, 19, 24})
NAV_STATUS = ("Under way using engine", "At anchor", "Not under command",
              "Restricted manoeuvrability", "Constrained by her draught", "Moored", "Aground",
              "Engaged in fishing", "Under way sailing", "Reserved (HSC)", "Reserved (WIG)",
              "Power-driven vessel towing astern", "Power-driven vessel pushing ahead",
              "Reserved", "AIS-SART active", "Undefined")
SILENT_ZONES = frozenset(z.id for z in ZONES if z.at_sea) | {"lagoon"}
SOURCE_CHANNEL = "ais"
LOAD_PAGE = 5000


def _clean(msg: dict[str, Any]) -> dict[str, Any]:
    """Return the position fields of an AIS message with 'not available' values as None."""
    sog, cog, hdg = msg.get("speed"), msg.get("course"), msg.get("heading")
    status = msg.get("status")
    return {"sog": None if sog is None or sog >= 102.3 else round(float(sog), 1),
            "cog": None if cog is None or cog >= 360 else round(float(cog), 1),
            "heading": None if hdg is None or hdg >= 360 else int(hdg),
            "nav_status": status if isinstance(status, int) and 0 <= status <= 15 else None}


@dataclass
class DangerZone:
    """A danger zone (e.g. a storm warning polygon): id, name, geometry, expiry, origin."""

    id: str
    name: str
    geometry: BaseGeometry
    until: int | None = None
    source: str | None = None

    def to_record(self) -> dict[str, Any]:
        """Return the JSON kept in the store's records."""
        return {"name": self.name, "geometry": mapping(self.geometry), "until": self.until,
                "source": self.source}

    @classmethod
    def from_record(cls, zone_id: str, doc: dict[str, Any]) -> "DangerZone":
        """Return the zone stored by ``to_record``."""
        return cls(zone_id, doc["name"], shape(doc["geometry"]), doc.get("until"),
                   doc.get("source"))

    def to_feature(self, tz) -> dict[str, Any]:  # noqa: ANN001
        """Return a GeoJSON Feature (``properties.kind`` = ``danger_zone``)."""
        until = to_rfc3339(self.until, tz) if self.until else None
        return {"type": "Feature", "id": self.id, "geometry": mapping(self.geometry),
                "properties": {"kind": "danger_zone", "id": self.id, "name": self.name,
                               "until": until, "source": self.source}}


@dataclass
class Vessel:
    """What is known of one vessel now."""

    mmsi: int
    lat: float
    lon: float
    last_seen: int
    fields: dict[str, Any]
    zone: str
    port_id: str
    port_km: float
    track: deque = field(default_factory=deque)
    last_stored: int | None = None
    inside: set[str] = field(default_factory=set)
    silent: bool = False


@dataclass
class PositionUpdate:
    """What one position report changed: the event to send, whether to store it, the danger
    zones entered and left, and whether the vessel was heard again after silence."""

    vessel: Vessel
    doc: dict[str, Any]
    store: bool
    entered: list[str]
    left: list[str]
    resumed: bool


class VesselTracker:
    """Vessel state without I/O (see the module docstring)."""

    def __init__(self, zones: SeaZones, settings: VesselsSettings,
                 in_region: Callable[[float, float], bool], tz) -> None:  # noqa: ANN001
        self.zones = zones
        self.settings = settings
        self.in_region = in_region
        self.tz = tz
        self.vessels: dict[int, Vessel] = {}
        self.registry: dict[int, dict[str, Any]] = {}
        self.danger: dict[str, DangerZone] = {}
        self.skipped = {"no_position": 0, "outside_region": 0, "stale": 0}

    def __len__(self) -> int:
        return len(self.vessels)

    def fresh(self) -> "VesselTracker":
        """Return an empty tracker of the same zones, settings and region."""
        return VesselTracker(self.zones, self.settings, self.in_region, self.tz)

    # -- positions -------------------------------------------------------------------------------
    def position(self, msg: dict[str, Any], now: int) -> PositionUpdate | None:
        """Apply a position report; return the PositionUpdate, or None when it is skipped."""
        lat, lon, mmsi = msg.get("lat"), msg.get("lon"), int(msg["mmsi"])
        if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180 or not 1e8 <= mmsi < 1e9:
            self.skipped["no_position"] += 1
            return None
        if not self.in_region(lat, lon):
            self.skipped["outside_region"] += 1
            return None
        t = min(int(msg.get("observed_at") or now), now)
        v = self.vessels.get(mmsi)
        if v is not None and t < v.last_seen:
            self.skipped["stale"] += 1
            return None
        fields = {**_clean(msg), "msg_type": msg["msg_type"]}
        zone = self.zones.classify(lat, lon)
        port, km = self.zones.nearest_port(lat, lon)
        inside = {z.id for z in self.danger.values() if shapely.contains_xy(z.geometry, lon, lat)}
        if v is None:
            v = self.vessels[mmsi] = Vessel(mmsi, lat, lon, t, fields, zone, port.id, km,
                                            deque(maxlen=self.settings.ais_track_points))
            changed = True
        else:
            changed = zone != v.zone or fields["nav_status"] != v.fields.get("nav_status")
        entered, left = sorted(inside - v.inside), sorted(v.inside - inside)
        resumed = v.silent
        (v.lat, v.lon, v.last_seen, v.fields, v.zone, v.port_id,
         v.port_km) = lat, lon, t, fields, zone, port.id, km
        v.inside, v.silent = inside, False
        v.track.append((round(lon, 6), round(lat, 6), t // US))
        store = changed or bool(entered or left) or resumed or self._due(v, t)
        if store:
            v.last_stored = t
        return PositionUpdate(v, self._doc(v), store, entered, left, resumed)

    def _due(self, v: Vessel, t: int) -> bool:
        sog = v.fields.get("sog")
        moving = sog is not None and sog >= self.settings.ais_stationary_knots
        every = self.settings.ais_store_moving_s if moving else self.settings.ais_store_stationary_s
        return v.last_stored is None or t - v.last_stored >= every * US

    def _doc(self, v: Vessel) -> dict[str, Any]:
        reg = self.registry.get(v.mmsi, {})
        status = v.fields.get("nav_status")
        props = {"mmsi": v.mmsi, **v.fields, "name": reg.get("name"),
                 "call_sign": reg.get("call_sign"),
                 "ship_type": reg.get("ship_type"), "zone": v.zone, "nearest_port": v.port_id,
                 "port_distance_km": round(v.port_km, 2),
                 "nav_status_label": NAV_STATUS[status] if status is not None else None}
        return {"kind": "vessel", "category": "vessel.position", "lat": v.lat, "lon": v.lon,
                "observed_at": to_rfc3339(v.last_seen, self.tz),
                "source": {"channel": SOURCE_CHANNEL},
                "props": {k: val for k, val in props.items() if val is not None}}

    def restore(self, event: dict[str, Any]) -> None:
        """Take a stored ``vessel`` event as the latest known position (warm start)."""
        p, t = event["props"], parse_rfc3339(event["observed_at"])
        v = self.vessels.get(p["mmsi"])
        if v is not None and v.last_seen >= t:
            return
        fields = {k: p.get(k) for k in ("sog", "cog", "heading", "nav_status", "msg_type")}
        lat, lon = event["lat"], event["lon"]
        port, km = self.zones.nearest_port(lat, lon)
        if v is None:
            v = self.vessels[p["mmsi"]] = Vessel(p["mmsi"], lat, lon, t, fields, p.get("zone") or
                                                 self.zones.classify(lat, lon), port.id, km,
                                                 deque(maxlen=self.settings.ais_track_points))
        v.lat, v.lon, v.last_seen, v.fields, v.last_stored = lat, lon, t, fields, t
        v.zone, v.port_id, v.port_km = p.get("zone") or v.zone, port.id, km
        v.track.append((round(lon, 6), round(lat, 6), t // US))

    # -- registry --------------------------------------------------------------------------------
    def static(self, msg: dict[str, Any]) -> dict[str, Any] | None:
        """Merge a static report into the registry; return the new entry when it changed."""
        mmsi = int(msg["mmsi"])
        old = self.registry.get(mmsi, {})
        new = dict(old)
        for src, dst in (("shipname", "name"), ("callsign", "call_sign")):
            text = (msg.get(src) or "").replace("@", " ").strip()
            if text:
                new[dst] = text
        if msg.get("ship_type"):
            new["ship_type"] = int(msg["ship_type"])
        if msg.get("imo"):
            new["imo"] = int(msg["imo"])
        length = (msg.get("to_bow") or 0) + (msg.get("to_stern") or 0)
        beam = (msg.get("to_port") or 0) + (msg.get("to_starboard") or 0)
        if length:
            new["length_m"], new["beam_m"] = length, beam
        if new == old:
            return None
        self.registry[mmsi] = new
        return new

    # -- danger zones and silence ------------------------------------------------------------------
    def add_zone(self, zone: DangerZone) -> list[Vessel]:
        """Add or replace a danger zone; return the vessels inside it that were not before."""
        shapely.prepare(zone.geometry)
        self.danger[zone.id] = zone
        fresh = []
        for v in self.vessels.values():
            was = zone.id in v.inside
            now_in = bool(shapely.contains_xy(zone.geometry, v.lon, v.lat))
            if now_in and not was:
                v.inside.add(zone.id)
                fresh.append(v)
            elif was and not now_in:
                v.inside.discard(zone.id)
        return fresh

    def remove_zone(self, zone_id: str) -> list[Vessel]:
        """Remove a danger zone; return the vessels that were inside it."""
        if self.danger.pop(zone_id, None) is None:
            raise NotFound(f"no danger zone {zone_id!r}")
        inside = [v for v in self.vessels.values() if zone_id in v.inside]
        for v in inside:
            v.inside.discard(zone_id)
        return inside

    def expired_zones(self, now: int) -> list[str]:
        """Return the ids of danger zones whose ``until`` has passed."""
        return [z.id for z in self.danger.values() if z.until is not None and z.until <= now]

    def newly_silent(self, now: int) -> list[Vessel]:
        """Mark and return the vessels away from port silent for ``ais_silent_after_s``."""
        limit = now - int(self.settings.ais_silent_after_s * US)
        out = []
        for v in self.vessels.values():
            if not v.silent and v.zone in SILENT_ZONES and v.last_seen < limit:
                v.silent = True
                out.append(v)
        return out

    # -- views -------------------------------------------------------------------------------------
    def describe(self, v: Vessel, now: int, track: bool = False) -> dict[str, Any]:
        """Return one vessel as the API shows it."""
        port = next(p for p in self.zones.ports if p.id == v.port_id)
        out = {"mmsi": v.mmsi, **self.registry.get(v.mmsi, {}), "lat": v.lat, "lon": v.lon,
               **v.fields, "zone": v.zone, "last_seen": to_rfc3339(v.last_seen, self.tz),
               "age_s": round(max(0, now - v.last_seen) / US, 1), "silent": v.silent,
               "danger_zones": sorted(v.inside),
               "nearest_port": {"id": port.id, "name": port.name,
                                "distance_km": round(v.port_km, 2)}}
        if track:
            out["track"] = [list(p) for p in v.track]
        return out

    def listing(self, now: int) -> list[dict[str, Any]]:
        """Return every vessel with its track, most recently seen first."""
        ordered = sorted(self.vessels.values(), key=lambda v: -v.last_seen)
        return [self.describe(v, now, track=True) for v in ordered]

    def readiness(self, now: int) -> dict[str, Any]:
        """Return the storm readiness view: per zone, how many vessels and which (farthest from
        port first), and the totals still at sea, in danger zones and silent."""
        zones = []
        for z in ZONES:
            members = sorted((v for v in self.vessels.values() if v.zone == z.id),
                             key=lambda v: -v.port_km)
            zones.append({**z.to_json(), "count": len(members),
                          "vessels": [self.describe(v, now) for v in members]})
        at_sea = [v for v in self.vessels.values() if ZONE_BY_ID[v.zone].at_sea]
        danger = [{"id": z.id, "name": z.name,
                   "until": to_rfc3339(z.until, self.tz) if z.until else None,
                   "vessels": sum(1 for v in self.vessels.values() if z.id in v.inside)}
                  for z in self.danger.values()]
        return {"at": to_rfc3339(now, self.tz), "total": len(self.vessels),
                "still_at_sea": len(at_sea),
                "in_danger": sum(1 for v in self.vessels.values() if v.inside),
                "silent": sum(1 for v in self.vessels.values() if v.silent),
                "zones": zones, "danger_zones": danger}


def parse_danger_zone(doc: Any, tz, region_bounds: tuple[float, float, float, float]) -> DangerZone:  # noqa: ANN001
    """Return the DangerZone of ``{"name", "geometry" (GeoJSON Polygon/MultiPolygon), "id"?,
    "until"? (RFC 3339), "source"?}``; raise ValidationFailed naming each problem."""
    if not isinstance(doc, dict):
        raise ValidationFailed("expected a JSON object", [detail("", "send {name, geometry}")])
    problems = []
    name = doc.get("name")
    if not isinstance(name, str) or not 0 < len(name) <= 200:
        problems.append(detail("name", "a text of 1 to 200 characters"))
    zone_id = doc.get("id") or str(uuid6.uuid7())
    if not isinstance(zone_id, str) or not 0 < len(zone_id) <= 80:
        problems.append(detail("id", "a text of 1 to 80 characters"))
    geom = _zone_geometry(doc.get("geometry"), region_bounds, problems)
    until = None
    if doc.get("until") is not None:
        try:
            until = parse_rfc3339(str(doc["until"]))
        except ValueError as exc:
            problems.append(detail("until", str(exc)))
    if problems:
        raise ValidationFailed("invalid danger zone", problems)
    return DangerZone(zone_id, name, geom, until, doc.get("source"))


def _zone_geometry(raw: Any, bounds: tuple[float, float, float, float],
                   problems: list) -> BaseGeometry | None:
    if not isinstance(raw, dict) or raw.get("type") not in ("Polygon", "MultiPolygon"):
        problems.append(detail("geometry", "a GeoJSON Polygon or MultiPolygon (lon, lat)"))
        return None
    try:
        geom = shape(raw)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        problems.append(detail("geometry", f"unreadable: {exc}"))
        return None
    if geom.is_empty or not geom.is_valid:
        problems.append(detail("geometry", f"invalid polygon: {shapely.is_valid_reason(geom)}"))
    elif not geom.intersects(shapely.box(*bounds)):
        problems.append(detail("geometry",
                               "does not touch the service region (check lon/lat order)"))
    return geom


def load_fleet(tracker: VesselTracker, store: Any) -> tuple[VesselTracker, dict[str, Any]]:
    """Fill the empty ``tracker`` from the store: the registry and danger zones (records), the
    latest position of every vessel (its events); return it with the open alerts (blocking: a
    reader thread)."""
    for key, doc in store.records("vessel").items():
        tracker.registry[int(key)] = doc
    for key, doc in store.records("danger_zone").items():
        zone = DangerZone.from_record(key, doc)
        shapely.prepare(zone.geometry)
        tracker.danger[key] = zone
    since, query = 0, EventQuery(kinds=frozenset({"vessel"}))
    while True:
        page = store.since(since, query, LOAD_PAGE)
        for ev in page.events:
            tracker.restore(ev)
        if len(page.events) < LOAD_PAGE:
            return tracker, read_open(store)
        since = page.next_since


class VesselService(StoreFollower[VesselTracker]):
    """AIS in, vessel events and alerts out (see the module docstring). Its book is the
    tracker, read from the store, then following the vessel and alert events of the bus;
    ``VesselsFeature.install`` attaches it."""

    def __init__(self, core: "EventService"):
        settings = core.settings
        zones = SeaZones(core.router.areaset.union(), load_ports(), settings.ais_port_radius_km)
        tracker = VesselTracker(zones, settings, core.validator.region.contains, core.tz)
        super().__init__(core, tracker, lambda store: load_fleet(tracker.fresh(), store),
                         "the vessel registry")
        self.batcher = FeedBatcher(core, settings.feed_flush_ms / 1000)
        self.alerts = AlertBook(core, "ais-rules")
        self.decoders: dict[str, AisDecoder] = {}
        self.udp_address: tuple[str, int] | None = None
        self._dirty: dict[str, dict[str, Any] | None] = {}
        self._tasks: set[asyncio.Task] = set()

    @property
    def tracker(self) -> VesselTracker:
        """Return the vessel tracker (the book)."""
        return self.book

    # -- feeding -------------------------------------------------------------------------------
    def decoder(self, source: str) -> AisDecoder:
        """Return the decoder of one source (fragments are reassembled per source)."""
        if source not in self.decoders:
            self.decoders[source] = AisDecoder()
        return self.decoders[source]

    def feed_lines(self, source: str, lines: list[bytes | str]) -> int:
        """Decode and apply ``lines`` from ``source``; return how many messages they gave."""
        msgs = self.decoder(source).feed_many(lines)
        now = self.core.clock.now()
        for msg in msgs:
            self._apply(msg, now)
        return len(msgs)

    def _apply(self, msg: dict[str, Any], now: int) -> None:
        kind = msg.get("msg_type")
        if kind in STATIC_TYPES:
            entry = self.tracker.static(msg)
            if entry is not None:
                self._dirty[str(msg["mmsi"])] = entry
        if kind in POSITION_TYPES:
            update = self.tracker.position(msg, now)
            if update is not None:
                self.batcher.add(update.doc, update.store)
                self._alert_changes(update)

    def follow(self, events: list[dict[str, Any]]) -> None:
        """Take committed events from the bus: alerts opened or cleared on any node, and vessel
        events stored by other channels (the HTTP API, a scenario), which update the tracker
        and its alerts too."""
        now = self.core.clock.now()
        for e in events:
            self.alerts.observe(e)
            if e["kind"] != "vessel" or e["source"]["channel"] == SOURCE_CHANNEL:
                continue
            p = e["props"]
            msg = {"msg_type": p.get("msg_type") or 1, "mmsi": p["mmsi"], "lat": e["lat"],
                   "lon": e["lon"], "speed": p.get("sog"), "course": p.get("cog"),
                   "heading": p.get("heading"), "status": p.get("nav_status"),
                   "observed_at": parse_rfc3339(e["observed_at"])}
            update = self.tracker.position(msg, now)
            if update is not None:
                self._alert_changes(update)

    def _alert_changes(self, u: PositionUpdate) -> None:
        if u.resumed:
            self._spawn(self.alerts.close(f"vessel_silent:{u.vessel.mmsi}", "heard again"))
        for zone_id in u.entered:
            self._spawn(self._open_danger(u.vessel, zone_id))
        for zone_id in u.left:
            self._spawn(self.alerts.close(f"vessel_danger_zone:{zone_id}:{u.vessel.mmsi}",
                                          "left the danger zone"))

    def _spawn(self, coro) -> None:  # noqa: ANN001
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("vessel alert failed", exc_info=task.exception())

    async def settle(self) -> None:
        """Wait for queued events and alert work to reach the store (tests, replay)."""
        await self.batcher.flush()
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- alerts ----------------------------------------------------------------------------------
    def _vessel_alert(self, v: Vessel, category: str, key: str, title_vi: str, title_en: str,
                      severity: str, **props: Any) -> tuple[str, dict[str, Any]]:
        name = self.tracker.registry.get(v.mmsi, {}).get("name")
        return key, {"kind": "alert", "category": category, "lat": v.lat, "lon": v.lon,
                     "severity": severity,
                     "props": {"rule": category.split(".", 1)[1], "key": key,
                               "subject_type": "vessel", "subject_id": str(v.mmsi),
                               "title_vi": title_vi, "title_en": title_en,
                               "details": {"name": name, "zone": v.zone,
                                           "nearest_port": v.port_id,
                                           "port_distance_km": round(v.port_km, 2)}, **props}}

    async def _open_danger(self, v: Vessel, zone_id: str) -> None:
        zone = self.tracker.danger.get(zone_id)
        if zone is None:
            return
        label = self.tracker.registry.get(v.mmsi, {}).get("name") or str(v.mmsi)
        key, doc = self._vessel_alert(
            v, "alert.vessel_danger_zone", f"vessel_danger_zone:{zone_id}:{v.mmsi}",
            f"Tàu {label} trong vùng nguy hiểm {zone.name}",
            f"Vessel {label} inside danger zone {zone.name}", "severe", zone_id=zone_id)
        await self.alerts.open(key, doc)

    async def _open_silent(self, v: Vessel) -> None:
        label = self.tracker.registry.get(v.mmsi, {}).get("name") or str(v.mmsi)
        minutes = round((self.core.clock.now() - v.last_seen) / US / 60)
        key, doc = self._vessel_alert(
            v, "alert.vessel_silent", f"vessel_silent:{v.mmsi}",
            f"Tàu {label} mất tín hiệu {minutes} phút", f"Vessel {label} silent for {minutes} min",
            "moderate")
        doc["props"]["details"]["last_seen"] = to_rfc3339(v.last_seen, self.core.tz)
        await self.alerts.open(key, doc)

    async def check(self) -> None:
        """Raise alerts for vessels gone silent; drop expired danger zones (the timer's work)."""
        now = self.core.clock.now()
        for v in self.tracker.newly_silent(now):
            await self._open_silent(v)
        for zone_id in self.tracker.expired_zones(now):
            await self.remove_danger_zone(zone_id, "expired")

    # -- danger zones ----------------------------------------------------------------------------
    async def add_danger_zone(self, zone: DangerZone) -> list[dict[str, Any]]:
        """Store and apply a danger zone; return the vessels now inside it (API form)."""
        await self.ready()
        await self.core.write(self.core.store.put_records, "danger_zone",
                              {zone.id: zone.to_record()}, self.core.clock.now())
        for v in self.tracker.add_zone(zone):
            await self._open_danger(v, zone.id)
        now = self.core.clock.now()
        return [self.tracker.describe(v, now) for v in self.tracker.vessels.values()
                if zone.id in v.inside]

    async def remove_danger_zone(self, zone_id: str, reason: str = "removed") -> int:
        """Remove a danger zone and clear its alerts; return how many vessels were inside."""
        await self.ready()
        inside = self.tracker.remove_zone(zone_id)
        await self.core.write(self.core.store.put_records, "danger_zone", {zone_id: None},
                              self.core.clock.now())
        for key in [k for k in self.alerts.open_keys
                    if k.startswith(f"vessel_danger_zone:{zone_id}:")]:
            await self.alerts.close(key, f"danger zone {reason}")
        return len(inside)

    def zones_geojson(self) -> dict[str, Any]:
        """Return the sea zones, ports and danger zones as one FeatureCollection."""
        fc = self.tracker.zones.to_geojson()
        fc["features"] += [z.to_feature(self.core.tz) for z in self.tracker.danger.values()]
        return fc

    def counters(self) -> dict[str, Any]:
        """Return the feed counters: per source decoder, tracker skips, batcher."""
        return {"sources": {k: d.counters.to_json() for k, d in self.decoders.items()},
                "skipped": dict(self.tracker.skipped), "feed": dict(self.batcher.counters.__dict__),
                "udp": list(self.udp_address) if self.udp_address else None}

    # -- running ---------------------------------------------------------------------------------
    async def run(self) -> None:
        """Warm start from the store, then run the feeds, the flush loop and the timer."""
        await self.bootstrap()
        s = self.core.settings
        jobs = [every(self.batcher.flush_s, self._flush, "vessel flush"),
                every(s.ais_silence_check_s, self.check, "vessel timer")]
        jobs += [tcp_feed(h, p, lambda ls, src=f"tcp:{h}:{p}": self.feed_lines(src, ls),
                          s.ais_reconnect_max_s) for h, p in s.ais_tcp_feeds]
        transport = None
        if s.ais_udp is not None:
            try:
                transport = await udp_listener(s.ais_udp_host, s.ais_udp,
                                               lambda ls: self.feed_lines("udp", ls))
                self.udp_address = transport.get_extra_info("sockname")[:2]
            except OSError as exc:
                log.error("AIS UDP listener on %s:%s failed: %s", s.ais_udp_host, s.ais_udp, exc)
        try:
            await asyncio.gather(*jobs)
        finally:
            if transport is not None:
                transport.close()
            await self._save_registry()

    async def _flush(self) -> None:
        await self.batcher.flush()
        await self._save_registry()

    async def _save_registry(self) -> None:
        if self._dirty:
            dirty, self._dirty = self._dirty, {}
            await self.core.write(self.core.store.put_records, "vessel", dirty,
                                  self.core.clock.now())

    def adopt(self, loaded: tuple[VesselTracker, dict[str, Any]]) -> None:
        """Take the tracker and open alerts read from the store (warm start): the silent and
        in-danger flags follow the open alerts."""
        self.book, alerts = loaded
        self.alerts.adopt(alerts)
        self._restore_flags()

    def _restore_flags(self) -> None:
        open_keys = set(self.alerts.open_keys)
        for v in self.tracker.vessels.values():
            v.silent = f"vessel_silent:{v.mmsi}" in open_keys
            v.inside = {z for z in self.tracker.danger
                        if f"vessel_danger_zone:{z}:{v.mmsi}" in open_keys}
