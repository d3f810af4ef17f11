"""Huế's waters: sea zones, the Tam Giang–Cầu Hai lagoon, the ports, and where a point lies.

Zones (``SeaZones.classify``), checked in this order:

===========  =====================================================================================
``port``     within ``port_radius_km`` of a port (``geo/data/hue_ports.geojson``, approximate)
``lagoon``   inside the lagoon polygon — **illustrative**: no lagoon polygon exists in the data, so
             it is built as a band 0.8–4 km inland of the sea coast of the 2025 communes between
             Phong Điền and Tư Hiền (see ``lagoon_polygon``); it is not the real shoreline
``inland``   elsewhere on Huế's territory (rivers, harbour basins, land)
``ven_bo``   at sea, within 6 nautical miles of the coast (vùng ven bờ)
``long``     at sea, 6–24 nautical miles out (vùng lộng)
``khoi``     at sea, beyond 24 nautical miles (vùng khơi)
===========  =====================================================================================

The 6 / 24 nautical-mile lines follow the zoning of the Fisheries Law 2017 and Decree
26/2019/NĐ-CP; the official lines are lists of points, here they are distances from the commune
coastline (equirectangular, good to a few hundred metres at this latitude).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import box, mapping
from shapely.geometry.base import BaseGeometry

from geo.datafiles import load_geojson

KM_PER_DEG = 111.32
NM_KM = 1.852
PORTS_FILE = "hue_ports.geojson"
#: Where the lagoon band is drawn (lon/lat box from the Phong Điền coast to the Tư Hiền inlet).
LAGOON_WINDOW = (107.40, 16.25, 107.955, 16.76)
LAGOON_BAND_KM = (0.8, 4.0)
LAGOON_NOTE = ("Illustrative: a band 0.8–4 km inland of the sea coast of the 2025 communes between "
               "Phong Điền and the Tư Hiền inlet. No lagoon polygon exists in the project's data; "
               "this is not the real shoreline.")


@dataclass(frozen=True)
class Zone:
    """A zone: id, labels, whether a vessel there counts as still at sea."""

    id: str
    vi: str
    en: str
    at_sea: bool

    def to_json(self) -> dict[str, Any]:
        """Return ``{id, vi, en, at_sea}``."""
        return {"id": self.id, "vi": self.vi, "en": self.en, "at_sea": self.at_sea}


ZONES = (
    Zone("port", "Trong cảng", "In port", False),
    Zone("lagoon", "Đầm phá Tam Giang – Cầu Hai", "Tam Giang–Cầu Hai lagoon", False),
    Zone("inland", "Sông, nội địa", "Rivers and inland", False),
    Zone("ven_bo", "Vùng ven bờ (≤ 6 hải lý)", "Near-shore (≤ 6 nmi)", True),
    Zone("long", "Vùng lộng (6–24 hải lý)", "Mid-shore (6–24 nmi)", True),
    Zone("khoi", "Vùng khơi (> 24 hải lý)", "Offshore (> 24 nmi)", True),
)
ZONE_BY_ID = {z.id: z for z in ZONES}


@dataclass(frozen=True)
class Port:
    """A port: id, name, labels and position."""

    id: str
    name: str
    vi: str
    en: str
    lat: float
    lon: float

    def to_json(self) -> dict[str, Any]:
        """Return ``{id, name, vi, en, lat, lon}``."""
        return {"id": self.id, "name": self.name, "vi": self.vi, "en": self.en,
                "lat": self.lat, "lon": self.lon}


class Flat:
    """An equirectangular frame in km around latitude ``lat0`` (lon scaled by cos lat0)."""

    def __init__(self, lat0: float):
        self.k = math.cos(math.radians(lat0))

    def to_km(self, geom: BaseGeometry) -> BaseGeometry:
        """Return ``geom`` (lon/lat) in the km frame."""
        return shapely.transform(geom, lambda xy: xy * [self.k * KM_PER_DEG, KM_PER_DEG])

    def to_deg(self, geom: BaseGeometry) -> BaseGeometry:
        """Return ``geom`` (km frame) in lon/lat."""
        return shapely.transform(geom, lambda xy: xy / [self.k * KM_PER_DEG, KM_PER_DEG])


def haversine_km(lat1: float, lon1: float, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Return great-circle distances in km from one point to arrays of points."""
    p1, p2 = math.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - math.radians(lon1)
    a = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(a))


def load_ports() -> list[Port]:
    """Return the ports of ``geo/data/hue_ports.geojson``."""
    out = []
    for f in load_geojson(PORTS_FILE)["features"]:
        p, (lon, lat) = f["properties"], f["geometry"]["coordinates"]
        out.append(Port(p["id"], p["name"], p["vi"], p["en"], lat, lon))
    return out


def lagoon_polygon(territory: BaseGeometry, flat: Flat) -> BaseGeometry:
    """Return the illustrative lagoon (lon/lat): the part of ``territory`` inside
    ``LAGOON_WINDOW`` that lies 0.8–4 km from the sea (the outside of the territory there)."""
    land = flat.to_km(territory.simplify(0.001))
    window = flat.to_km(box(*LAGOON_WINDOW))
    sea = window.buffer(LAGOON_BAND_KM[1] + 1).difference(land)
    near, far = LAGOON_BAND_KM
    band = sea.buffer(far).difference(sea.buffer(near)).intersection(land).intersection(window)
    return flat.to_deg(band.buffer(0.3).buffer(-0.3))


class SeaZones:
    """Classify points into zones (vectorised) and measure the way to the nearest port."""

    def __init__(self, territory: BaseGeometry, ports: list[Port], port_radius_km: float = 2.0):
        self.flat = Flat(territory.centroid.y)
        self.ports = ports
        self.port_radius_km = port_radius_km
        self.territory = territory
        self.lagoon = lagoon_polygon(territory, self.flat)
        land = self.flat.to_km(territory.simplify(0.002))
        self.ven_bo_line = self.flat.to_deg(land.buffer(6 * NM_KM, quad_segs=16))
        self.long_line = self.flat.to_deg(land.buffer(24 * NM_KM, quad_segs=16))
        for geom in (self.territory, self.lagoon, self.ven_bo_line, self.long_line):
            shapely.prepare(geom)
        self._plat = np.array([p.lat for p in ports])
        self._plon = np.array([p.lon for p in ports])

    def classify_many(self, lat: np.ndarray, lon: np.ndarray) -> list[str]:
        """Return the zone id of each point (same order)."""
        lat, lon = np.asarray(lat, float), np.asarray(lon, float)
        zone = np.full(lat.shape, "khoi", dtype=object)
        zone[shapely.contains_xy(self.long_line, lon, lat)] = "long"
        zone[shapely.contains_xy(self.ven_bo_line, lon, lat)] = "ven_bo"
        zone[shapely.contains_xy(self.territory, lon, lat)] = "inland"
        zone[shapely.contains_xy(self.lagoon, lon, lat)] = "lagoon"
        for i in range(lat.shape[0]):
            if self.nearest_port(lat[i], lon[i])[1] <= self.port_radius_km:
                zone[i] = "port"
        return zone.tolist()

    def classify(self, lat: float, lon: float) -> str:
        """Return the zone id of one point (the scalar path of ``classify_many``)."""
        return self.classify_many(np.array([lat]), np.array([lon]))[0]

    def nearest_port(self, lat: float, lon: float) -> tuple[Port, float]:
        """Return (nearest port, great-circle distance in km)."""
        d = haversine_km(lat, lon, self._plat, self._plon)
        i = int(np.argmin(d))
        return self.ports[i], float(d[i])

    def to_geojson(self) -> dict[str, Any]:
        """Return the lagoon, the 6 and 24 nmi lines and the ports as a FeatureCollection, with
        the labels of every zone id (``zones``: ``[{id, vi, en, at_sea}]``, a foreign member)."""
        feats = [
            {"type": "Feature", "id": "lagoon", "geometry": mapping(self.lagoon),
             "properties": {**ZONE_BY_ID["lagoon"].to_json(), "illustrative": True,
                            "note": LAGOON_NOTE}},
            {"type": "Feature", "id": "ven_bo", "geometry": _line(self.ven_bo_line),
             "properties": {**ZONE_BY_ID["ven_bo"].to_json(), "line_nmi": 6}},
            {"type": "Feature", "id": "long", "geometry": _line(self.long_line),
             "properties": {**ZONE_BY_ID["long"].to_json(), "line_nmi": 24}},
        ]
        feats += [{"type": "Feature", "id": p.id, "geometry": {"type": "Point",
                                                               "coordinates": [p.lon, p.lat]},
                   "properties": {**p.to_json(), "kind": "port"}} for p in self.ports]
        return {"type": "FeatureCollection", "features": feats,
                "zones": [z.to_json() for z in ZONES]}


def _line(polygon: BaseGeometry) -> dict[str, Any]:
    """Return the outline of a polygon as a GeoJSON LineString (GeoJSON has no LinearRing)."""
    return mapping(shapely.LineString(polygon.exterior.coords))
