"""Flooded-road handlers: mark or clear a segment, list the marked ones, the segment network."""
from __future__ import annotations

from server.core import policy
from server.features.flood_roads import actions
from server.core.auth import view_of
from server.core.errors import ValidationFailed, detail
from server.features.flood_roads.book import FloodRoads
from server.web.base import FeatureHandler, StreamedBodyHandler

STATUSES = ("flooded", "cleared")


class FloodRoadHandler(FeatureHandler):
    """Base: ``self.roads`` is the FloodRoads book."""

    @property
    def roads(self) -> FloodRoads:
        """Return the FloodRoads built once in ``install``."""
        return self.feature


class FloodRoadsHandler(FloodRoadHandler, StreamedBodyHandler):
    """``GET /api/v1/flood-roads?status=``: marked segments; ``POST``: mark or clear one."""

    async def get(self) -> None:
        """Answer ``{"segments": [...], "flooded": n, "flooded_km": km}``."""
        view_of(self.principal)
        status = self.get_query_argument("status", None)
        if status is not None and status not in STATUSES:
            raise ValidationFailed("bad query", [detail("status", "flooded or cleared")])
        segments = await self.roads.listing(status)
        flooded = await self.roads.listing("flooded")
        self.write_json({"segments": segments, "flooded": len(flooded),
                         "flooded_km": round(sum(s["length_m"] for s in flooded) / 1000, 1)})

    async def post(self) -> None:
        """Mark ``{road_id, segment} | {lat, lon}`` with ``status``, ``depth_m``, ``source``;
        answer ``201`` (first mark of the segment) or ``200`` with ``{segment, event,
        snapped_m, created}``."""
        policy.require(self.principal, actions.MARK)
        out = await self.roads.mark(self.body_json(), self.principal)
        self.write_json(out, 201 if out["created"] else 200)


class NetworkHandler(FloodRoadHandler):
    """``GET /api/v1/flood-roads/network``: the road segments as GeoJSON (to pick one)."""

    def get(self) -> None:
        """Answer the FeatureCollection of segments."""
        view_of(self.principal)
        self.write_json(self.roads.network.geojson())


def routes(base: dict, roads: FloodRoads) -> list[tuple]:
    """Return the flooded-road routes over ``roads``."""
    args = {**base, "feature": roads}
    return [(r"/api/v1/flood-roads", FloodRoadsHandler, args),
            (r"/api/v1/flood-roads/network", NetworkHandler, args)]
