"""Sensor stations shipped with the project: the real river gauges (VNDMS, with their BĐ1/2/3
alarm levels), the hydropower reservoirs (with their normal water level from e15) and the
illustrative rain, weather, air and waste-water stations. Read by the sensor service and the
scenarios; no I/O beyond the data files.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from geo.datafiles import DAMS, STATIONS, load_geojson
from geo.geocode import fold

STATIONS_FILE = "hue_sensor_stations.geojson"


@dataclass
class Station:
    """A station: id, name, position, kind, quantities it reports, its own thresholds
    (``levels``: quantity → values, e.g. BĐ1/2/3), and where it comes from."""

    id: str
    name: str
    lat: float
    lon: float
    kind: str
    quantities: list[str]
    levels: dict[str, list[float]] = field(default_factory=dict)
    illustrative: bool = False
    source: str = ""

    def to_record(self) -> dict[str, Any]:
        """Return the JSON kept in the store's records (and shown by the API)."""
        return {"name": self.name, "lat": self.lat, "lon": self.lon, "kind": self.kind,
                "quantities": self.quantities, "levels": self.levels,
                "illustrative": self.illustrative, "source": self.source}


def slug(text: str) -> str:
    """Return an ASCII id from a Vietnamese name (``Phú Ốc`` → ``phu-oc``)."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def load_stations() -> dict[str, Station]:
    """Return the shipped stations: the real gauges (with BĐ levels) and the illustrative ones."""
    out = {}
    for f in load_geojson(STATIONS)["features"]:
        p, (lon, lat) = f["properties"], f["geometry"]["coordinates"]
        sid = slug(p["name"])
        out[sid] = Station(sid, f"{p['name']} ({p['river']})", lat, lon, "hydro", ["water_level"],
                           {"water_level": [p["bd1_m"], p["bd2_m"], p["bd3_m"]]}, False,
                           f"VNDMS station {p['station_code']}; {p['coord_note']}")
    for f in load_geojson(STATIONS_FILE)["features"]:
        p, (lon, lat) = f["properties"], f["geometry"]["coordinates"]
        out[p["id"]] = Station(p["id"], p["name"], lat, lon, p["kind"], list(p["quantities"]),
                               {}, bool(p.get("illustrative")), p.get("source", ""))
    out.update(load_reservoirs())
    return out


def load_reservoirs() -> dict[str, Station]:
    """Return the hydropower reservoirs of ``hue_hydropower_dams.geojson`` as stations that
    report ``reservoir_level`` (with volume, inflow and release), their normal water level
    (MNDBT, from e15) as the level's threshold where known."""
    out = {}
    for f in load_geojson(DAMS)["features"]:
        p, (lon, lat) = f["properties"], f["geometry"]["coordinates"]
        sid = slug(p["name"])
        normal = p.get("e15_normal_water_level_m")
        out[sid] = Station(sid, f"Hồ thủy điện {p['name']}", lat, lon, "reservoir",
                           ["reservoir_level"], {"reservoir_level": [normal]} if normal else {},
                           False, f"dam: LegoCity/EVN; levels: e15.thuyloivietnam.vn "
                                  f"({p.get('e15_lake_code') or 'no e15 record'})")
    return out
