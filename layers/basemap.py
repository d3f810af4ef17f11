"""Basemap layers drawn from the project's own GeoJSON: communes, rivers, main roads, gauges.
No tile server: the wall works offline.
"""
from __future__ import annotations

from typing import Any

import pydeck as pdk

from layers.base import Layer, deck_spec


LOW_LOAD = [28, 56, 88]
HIGH_LOAD = [150, 50, 120]


class AreasLayer(Layer):
    """The 40 communes and wards (2025), coloured by their load.

    Role ``choropleth``: the wall sets ``properties.load`` (0…1: open cases in the area over the
    busiest area's, or, switched to overdue, cases past their deadline over the area with most)
    on each feature and redraws the fill; the colour runs from LOW_LOAD to HIGH_LOAD.
    """

    id = "areas"
    title_vi = "Xã, phường (2025)"
    title_en = "Communes and wards (2025)"
    source = "/api/v1/areas"
    order = 10

    def deck_layers(self) -> list[dict[str, Any]]:
        """Return a GeoJsonLayer of the commune polygons, filled by ``properties.load``."""
        ramp = ", ".join(f"{lo} + {hi - lo} * properties.load"
                         for lo, hi in zip(LOW_LOAD, HIGH_LOAD))
        layer = pdk.Layer("GeoJsonLayer", id="areas-fill", data=self.source, pickable=True,
                          stroked=True, filled=True,
                          get_fill_color=f"[{ramp}, 150 + 60 * properties.load]",
                          get_line_color=[150, 190, 220, 220], line_width_min_pixels=1)
        return [{"role": "choropleth", "spec": deck_spec(layer)}]

    def legend(self) -> list[dict[str, Any]]:
        """Return the two ends of the load ramp."""
        return [{"color": LOW_LOAD, "vi": "Ít việc đang mở", "en": "Few open cases"},
                {"color": HIGH_LOAD, "vi": "Nhiều việc đang mở", "en": "Many open cases"}]


class RiversLayer(Layer):
    """Rivers of the Hương basin."""

    id = "rivers"
    title_vi = "Sông ngòi"
    title_en = "Rivers"
    source = "/api/v1/basemap/rivers"
    order = 20

    def deck_layers(self) -> list[dict[str, Any]]:
        """Return a GeoJsonLayer of river lines."""
        layer = pdk.Layer("GeoJsonLayer", id="rivers-lines", data=self.source, pickable=True,
                          get_line_color=[70, 160, 255, 230], line_width_min_pixels=2,
                          get_line_width="properties.level == 0 ? 120 : 60")
        return [{"role": "base", "spec": deck_spec(layer)}]


class RoadsLayer(Layer):
    """National and provincial roads and the railway."""

    id = "roads"
    title_vi = "Đường chính"
    title_en = "Main roads"
    source = "/api/v1/basemap/roads"
    order = 30

    def deck_layers(self) -> list[dict[str, Any]]:
        """Return a GeoJsonLayer of road lines (railway drawn darker)."""
        layer = pdk.Layer(
            "GeoJsonLayer", id="roads-lines", data=self.source, pickable=True,
            get_line_color="properties.road_class == 'Đường sắt' ? [150, 150, 150, 200] : "
                           "[240, 200, 90, 220]",
            line_width_min_pixels=1.5, get_line_width=80)
        return [{"role": "base", "spec": deck_spec(layer)}]
