"""Public warnings (``warning``) as rings at a point of their target area, coloured by status
(draft, approved, sent, received). The ``warning`` kind (CAP 1.2 props, the lifecycle
``draft → approved → sent``, what the public may see) lives in ``server/features/warnings``.
"""
from __future__ import annotations

from typing import Any

import pydeck as pdk

from layers.base import EventLayer, deck_spec

STATUS_COLORS = {"draft": [150, 150, 150], "approved": [250, 200, 0], "sent": [230, 30, 30],
                 "received": [200, 60, 200]}


class WarningsLayer(EventLayer):
    """Warnings as large rings at a point of their area, coloured by status."""

    id = "warnings"
    kind = "warning"
    title_vi = "Cảnh báo công cộng"
    title_en = "Public warnings"
    order = 92
    ticker = True
    ticker_statuses = ("sent", "received")

    def deck_layers(self) -> list[dict[str, Any]]:
        """Return a ScatterplotLayer of rings coloured by status."""
        expr = " : ".join(f"status == '{s}' ? {c + [240]}" for s, c in STATUS_COLORS.items())
        rings = pdk.Layer(
            "ScatterplotLayer", id="warnings-points", data=[], pickable=True,
            get_position="[lon, lat]", get_radius=2500, radius_min_pixels=12,
            radius_max_pixels=40, filled=False, stroked=True, line_width_min_pixels=4,
            get_line_color=f"{expr} : [160, 160, 160, 80]")
        return [{"role": "points", "spec": deck_spec(rings)}]

    def legend(self) -> list[dict[str, Any]]:
        """Return one row per live status."""
        names = {"draft": ("Bản nháp", "Draft"), "approved": ("Đã duyệt", "Approved"),
                 "sent": ("Đã phát", "Sent"), "received": ("Nhận từ cơ quan khác", "Received")}
        return [{"color": STATUS_COLORS[s], "vi": vi, "en": en} for s, (vi, en) in names.items()]
