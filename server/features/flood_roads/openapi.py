"""The flooded roads feature's part of the OpenAPI document: marked segments and the road
network."""
from __future__ import annotations

from server.core.openapi import MANAGERS, VIEWERS, Op, Operations, q
from server.features.flood_roads.book import MarkIn


def operations() -> Operations:
    """Return ``{path template: [Op]}`` of the flooded roads feature."""
    return {
        "/api/v1/flood-roads": [
            Op("get", "Đường ngập / marked road segments", VIEWERS,
               (q("status", {"type": "string", "enum": ["flooded", "cleared"]}),)),
            Op("post", "Đánh dấu đường ngập / mark or clear a segment (201 first mark, 200 "
                       "again)", MANAGERS, body=MarkIn, ok=201, also=(200,))],
        "/api/v1/flood-roads/network": [Op("get", "Mạng đường / road segments (GeoJSON)",
                                           VIEWERS)],
    }
