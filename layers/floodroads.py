"""Flooded roads: ``flood_road``, one event per segment of a main road ever marked, at the
segment's middle with the line in ``props.path``; its status says whether the water is on the
road now (``flooded``) or gone (``cleared``). Made by ``server/features/flood_roads`` (the API
``/api/v1/flood-roads``, reports and hotline calls about a flooded road, camera hits), where the
``flood_road`` kind lives.
"""
from __future__ import annotations

from typing import Any

import pydeck as pdk

from layers.base import EventLayer, deck_spec

DEEP_M = 0.5
COLORS = {"deep": [150, 0, 200], "flooded": [30, 90, 255], "unknown": [0, 170, 255],
          "cleared": [140, 140, 140]}
LINE_COLOR = (f"status == 'cleared' ? [140, 140, 140, 120] : props.depth_m >= {DEEP_M} ? "
              "[150, 0, 200, 245] : props.depth_m > 0 ? [30, 90, 255, 240] : [0, 170, 255, 235]")


class FloodRoadsLayer(EventLayer):
    """Flooded stretches of the main roads as thick coloured lines (grey once cleared)."""

    id = "flood_roads"
    kind = "flood_road"
    title_vi = "Đường ngập"
    title_en = "Flooded roads"
    order = 35

    def deck_layers(self) -> list[dict[str, Any]]:
        """Return a PathLayer of the segments, coloured by status and depth."""
        lines = pdk.Layer("PathLayer", id="flood-roads-lines", data=[], pickable=True,
                          get_path="props.path", get_color=LINE_COLOR, get_width=120,
                          width_min_pixels=4, width_max_pixels=14, cap_rounded=True,
                          joint_rounded=True)
        return [{"role": "points", "spec": deck_spec(lines)}]

    def legend(self) -> list[dict[str, Any]]:
        """Return one row per colour."""
        return [{"color": COLORS["deep"], "vi": f"Ngập sâu từ {DEEP_M:g} m",
                 "en": f"Flooded {DEEP_M:g} m or deeper"},
                {"color": COLORS["flooded"], "vi": f"Ngập dưới {DEEP_M:g} m",
                 "en": f"Flooded, under {DEEP_M:g} m"},
                {"color": COLORS["unknown"], "vi": "Ngập, chưa rõ độ sâu",
                 "en": "Flooded, depth unknown"},
                {"color": COLORS["cleared"], "vi": "Đã rút nước", "en": "Cleared"}]
