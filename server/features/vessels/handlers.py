"""Vessel handlers: the fleet, storm readiness, zones, danger zones, AIS upload and feed health."""
from __future__ import annotations

from server.core import policy
from server.features.vessels import actions
from server.core.auth import view_of
from server.features.vessels.service import VesselService, parse_danger_zone
from server.web.base import FeatureHandler, StreamedBodyHandler


class VesselHandler(FeatureHandler):
    """Base: ``self.vessels`` is the VesselService."""

    @property
    def vessels(self) -> VesselService:
        """Return the VesselService built once in ``install``."""
        return self.feature


class VesselsHandler(VesselHandler):
    """``GET /api/v1/vessels``: every vessel with its latest position, registry data and track."""

    def get(self) -> None:
        """Answer ``{"vessels": [{mmsi, name?, lat, lon, sog, cog, heading, zone, last_seen,
        age_s, silent, danger_zones, nearest_port, track: [[lon, lat, epoch_s], ...]}]}``."""
        view_of(self.principal)
        self.write_json({"vessels": self.vessels.tracker.listing(self.core.clock.now())})


class ReadinessHandler(VesselHandler):
    """``GET /api/v1/vessels/readiness``: vessels still at sea per zone, nearest port."""

    def get(self) -> None:
        """Answer the readiness view (see ``VesselTracker.readiness``)."""
        view_of(self.principal)
        self.write_json(self.vessels.tracker.readiness(self.core.clock.now()))


class ZonesHandler(VesselHandler):
    """``GET /api/v1/vessels/zones``: sea zones, ports and danger zones (GeoJSON)."""

    def get(self) -> None:
        """Answer a FeatureCollection."""
        self.write_json(self.vessels.zones_geojson())


class FeedsHandler(VesselHandler):
    """``GET /api/v1/vessels/feeds``: counters of every AIS source and the UDP address."""

    def get(self) -> None:
        """Answer ``{"sources": {name: counters}, "skipped", "feed", "udp"}``."""
        policy.require(self.principal, actions.MANAGE)
        self.write_json(self.vessels.counters())


class DangerZonesHandler(VesselHandler, StreamedBodyHandler):
    """``POST /api/v1/vessels/danger-zones``: add or replace a danger zone (a storm polygon)."""

    async def post(self) -> None:
        """Answer 201 ``{"zone": Feature, "vessels_inside": [...]}``."""
        policy.require(self.principal, actions.MANAGE)
        zone = parse_danger_zone(self.body_json(), self.core.tz,
                                 self.core.validator.region.bounds)
        inside = await self.vessels.add_danger_zone(zone)
        self.write_json({"zone": zone.to_feature(self.core.tz), "vessels_inside": inside}, 201)


class DangerZoneHandler(VesselHandler):
    """``DELETE /api/v1/vessels/danger-zones/{id}``."""

    async def delete(self, zone_id: str) -> None:
        """Remove the zone and clear its alerts; answer ``{"removed": id, "vessels": n}``."""
        policy.require(self.principal, actions.MANAGE)
        n = await self.vessels.remove_danger_zone(zone_id)
        self.write_json({"removed": zone_id, "vessels": n})


class AisUploadHandler(VesselHandler, StreamedBodyHandler):
    """``POST /api/v1/ais``: NMEA 0183 lines as text (what ``ioc ais replay`` sends)."""

    async def post(self) -> None:
        """Decode and apply the lines; answer ``{"lines", "messages", "counters"}`` once the
        stored positions are durable."""
        policy.require(self.principal, actions.MANAGE)
        lines = self.body.splitlines()
        await self.vessels.ready()  # positions restored from the store first
        n = self.vessels.feed_lines("http", lines)
        await self.vessels.settle()
        self.write_json({"lines": len(lines), "messages": n,
                         "counters": self.vessels.decoder("http").counters.to_json()})


def routes(base: dict, vessels: VesselService) -> list[tuple]:
    """Return the vessel routes over ``vessels``."""
    args = {**base, "feature": vessels}
    return [
        (r"/api/v1/vessels", VesselsHandler, args),
        (r"/api/v1/vessels/readiness", ReadinessHandler, args),
        (r"/api/v1/vessels/zones", ZonesHandler, args),
        (r"/api/v1/vessels/feeds", FeedsHandler, args),
        (r"/api/v1/vessels/danger-zones", DangerZonesHandler, args),
        (r"/api/v1/vessels/danger-zones/([A-Za-z0-9_.:-]{1,80})", DangerZoneHandler, args),
        (r"/api/v1/ais", AisUploadHandler, args),
    ]
