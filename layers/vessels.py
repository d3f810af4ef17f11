"""Vessels at sea (AIS): one ``vessel`` event per position report, plus the sea zones basemap.

How the wall draws them (roles of ``deck_layers``): ``latest`` is fed the newest event per
``props.mmsi`` (newest by ``observed_at``: stored and live-only positions may interleave), drawn
as an arrow turned to the heading (course when the heading is unknown); ``tracks`` is fed
``[{"mmsi", "path": [[lon, lat], ...]}]`` built from the recent events of each vessel (or from
``GET /api/v1/vessels``, which returns each vessel's track). The ``vessel`` kind lives in
``server/features/vessels``.
"""
from __future__ import annotations

from typing import Any

import pydeck as pdk

from layers.base import EventLayer, Layer, deck_spec

VESSEL_COLOR = [80, 220, 255]
ARROW = "▲"


class VesselsLayer(EventLayer):
    """Latest vessel positions with heading and their recent tracks."""

    id = "vessels"
    kind = "vessel"
    title_vi = "Tàu thuyền (AIS)"
    title_en = "Vessels (AIS)"
    order = 70

    def deck_layers(self) -> list[dict[str, Any]]:
        """Return a TextLayer of heading arrows (``latest``) and a PathLayer of tracks."""
        arrows = pdk.Layer(
            "TextLayer", id="vessels-latest", data=[], pickable=True, get_position="[lon, lat]",
            get_text=f"'{ARROW}'", character_set=f"'{ARROW}'", get_size=22, size_units="'pixels'",
            get_angle="props.heading != null ? -props.heading : "
                      "(props.cog != null ? -props.cog : 0)",
            get_color="props.zone == 'port' ? [160, 160, 160, 230] : [80, 220, 255, 255]",
            outline_width=2, outline_color=[0, 0, 0, 255], font_settings={"sdf": True})
        tracks = pdk.Layer(
            "PathLayer", id="vessels-tracks", data=[], pickable=False, get_path="path",
            get_color=VESSEL_COLOR + [140], width_min_pixels=1.5, get_width=20)
        spec = deck_spec(arrows)
        spec["getText"] = f"@@='{ARROW}'"  # an accessor (pydeck made the quoted literal a constant)
        return [{"role": "latest", "key": "props.mmsi", "spec": spec},
                {"role": "tracks", "key": "props.mmsi", "spec": deck_spec(tracks)}]

    def legend(self) -> list[dict[str, Any]]:
        """Return rows for vessels at sea and in port."""
        return [{"color": VESSEL_COLOR, "vi": "Tàu đang trên biển", "en": "Vessel at sea"},
                {"color": [160, 160, 160], "vi": "Tàu trong cảng", "en": "Vessel in port"}]


class SeaZonesLayer(Layer):
    """The lagoon (illustrative), the 6 and 24 nautical-mile lines, the ports, danger zones."""

    id = "sea_zones"
    title_vi = "Vùng biển, cảng, vùng nguy hiểm"
    title_en = "Sea zones, ports, danger zones"
    source = "/api/v1/vessels/zones"
    order = 25

    def deck_layers(self) -> list[dict[str, Any]]:
        """Return one GeoJsonLayer (lines, the lagoon, ports; danger zones in red)."""
        layer = pdk.Layer(
            "GeoJsonLayer", id="sea-zones", data=self.source, pickable=True, stroked=True,
            filled=True, point_type="'circle'", get_point_radius=600, point_radius_min_pixels=4,
            get_fill_color="properties.kind == 'danger_zone' ? [255, 40, 40, 60] : "
                           "(properties.kind == 'port' ? [255, 255, 255, 230] : "
                           "[60, 130, 200, 70])",
            get_line_color="properties.kind == 'danger_zone' ? [255, 60, 60, 230] : "
                           "[120, 180, 230, 160]",
            line_width_min_pixels=1)
        return [{"role": "base", "spec": deck_spec(layer)}]
