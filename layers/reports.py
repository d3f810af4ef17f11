"""Field reports (phản ánh hiện trường) filed by citizens from the app, chat channels, Open311
or the hotline. The ``report`` kind and its lifecycle live in ``server/features/reports``
(docs/REPORTS.md)."""
from __future__ import annotations

from typing import Any

import pydeck as pdk

from layers.base import EventLayer, deck_spec

REPORT_COLOR = [255, 140, 0]


class ReportsLayer(EventLayer):
    """Reports as points when zoomed in and as H3 hexagon counts when zoomed out."""

    id = "reports"
    kind = "report"
    title_vi = "Phản ánh hiện trường"
    title_en = "Field reports"
    order = 60

    def deck_layers(self) -> list[dict[str, Any]]:
        """Return a ScatterplotLayer (zoom ≥ 11) and an H3HexagonLayer of counts (zoom < 11)."""
        points = pdk.Layer(
            "ScatterplotLayer", id="reports-points", data=[], pickable=True,
            get_position="[lon, lat]", get_radius=40, radius_min_pixels=4, radius_max_pixels=14,
            get_fill_color=REPORT_COLOR + [220], get_line_color=[40, 20, 0, 255],
            stroked=True, line_width_min_pixels=1)
        hexes = pdk.Layer(
            "H3HexagonLayer", id="reports-hex", data=[], pickable=True, extruded=False,
            get_hexagon="hex", opacity=0.55, stroked=True, get_line_color=[255, 255, 255, 120],
            line_width_min_pixels=1,
            get_fill_color="[255, 220 - (count > 20 ? 200 : count * 10), 0, 200]")
        return [{"role": "points", "minZoom": 11, "spec": deck_spec(points)},
                {"role": "hexagons", "maxZoom": 11, "h3_res": 7, "spec": deck_spec(hexes)}]

    def legend(self) -> list[dict[str, Any]]:
        """Return one legend row: the report colour."""
        return [{"color": REPORT_COLOR, "vi": "Phản ánh của người dân", "en": "Citizen report"}]
