"""The vessels feature's part of the OpenAPI document: vessels, storm readiness, sea and
danger zones, AIS feeds and NMEA uploads."""
from __future__ import annotations

from server.core.openapi import EVERYONE, JSON, MANAGERS, READERS, Op, Operations, p


def operations() -> Operations:
    """Return ``{path template: [Op]}`` of the vessels feature."""
    return {
        "/api/v1/vessels": [Op("get", "Tàu thuyền / vessels", READERS)],
        "/api/v1/vessels/readiness": [Op("get", "Sẵn sàng bão / storm readiness", READERS)],
        "/api/v1/vessels/zones": [Op("get", "Vùng biển / sea zones (GeoJSON)", EVERYONE)],
        "/api/v1/vessels/feeds": [Op("get", "Nguồn AIS / AIS feeds", MANAGERS)],
        "/api/v1/vessels/danger-zones": [Op("post", "Vùng nguy hiểm / add a danger zone",
                                            MANAGERS, body=JSON, ok=201)],
        "/api/v1/vessels/danger-zones/{zone_id}": [
            Op("delete", "Xoá vùng nguy hiểm / remove a danger zone", MANAGERS,
               (p("zone_id", "^[A-Za-z0-9_.:-]{1,80}$"),))],
        "/api/v1/ais": [Op("post", "Tải NMEA / upload NMEA lines", MANAGERS, body="text/plain")],
    }
