"""Flooded roads: ``flood_road``, one event per segment of a main road ever marked, at the
segment's middle with the line in ``props.path``; its status says whether the water is on the
road now (``flooded``) or gone (``cleared``). Made by ``server/floodroads.py`` (the API
``/api/v1/flood-roads``, reports and hotline calls about a flooded road, camera hits).
"""
from __future__ import annotations

from typing import Any, Literal

import pydeck as pdk
from pydantic import BaseModel, ConfigDict, Field

from layers.base import EventLayer, deck_spec

DEEP_M = 0.5
COLORS = {"deep": [150, 0, 200], "flooded": [30, 90, 255], "unknown": [0, 170, 255],
          "cleared": [140, 140, 140]}
LINE_COLOR = (f"status == 'cleared' ? [140, 140, 140, 120] : props.depth_m >= {DEEP_M} ? "
              "[150, 0, 200, 245] : props.depth_m > 0 ? [30, 90, 255, 240] : [0, 170, 255, 235]")


class FloodSource(BaseModel):
    """What marked the segment: operator, report, hotline_call, camera or gauge, and its ref."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["operator", "report", "hotline_call", "camera", "gauge"]
    ref: str | None = Field(None, max_length=200)


class FloodRoadProps(BaseModel):
    """Props of a ``flood_road``: which segment (``{road_id}:{segment}``), its line, the depth
    when known, what marked it and when."""

    model_config = ConfigDict(extra="forbid")
    segment_id: str = Field(max_length=100)
    road_id: str = Field(max_length=80)
    segment: int = Field(ge=0)
    road_name: str = Field(max_length=100)
    length_m: int | None = Field(None, ge=0)
    path: list[list[float]] = Field(min_length=2, max_length=2000,
                                    description="[[lon, lat], …] of the segment")
    depth_m: float | None = Field(None, ge=0, le=10)
    source: FloodSource
    note: str | None = Field(None, max_length=500)
    marked_at: str | None = None


class FloodRoadsLayer(EventLayer):
    """Flooded stretches of the main roads as thick coloured lines (grey once cleared)."""

    id = "flood_roads"
    kind = "flood_road"
    title_vi = "Đường ngập"
    title_en = "Flooded roads"
    order = 35
    props_model = FloodRoadProps
    statuses = ("flooded", "cleared")
    closed_statuses = frozenset({"cleared"})
    example_props = {"segment_id": "quoc-lo-1a-328:34", "road_id": "quoc-lo-1a-328", "segment": 34,
                     "road_name": "Quốc lộ 1A", "path": [[107.593, 16.4628], [107.5851, 16.4676]],
                     "depth_m": 0.4, "source": {"type": "operator"}}

    def deck_layers(self) -> list[dict[str, Any]]:
        """Return a PathLayer of the segments, coloured by status and depth."""
        lines = pdk.Layer("PathLayer", id="flood-roads-lines", data=[], pickable=True,
                          get_path="props.path", get_color=LINE_COLOR, get_width=120,
                          width_min_pixels=4, width_max_pixels=14, cap_rounded=True,
                          joint_rounded=True)
        return [{"role": "points", "spec": deck_spec(lines)}]

    def legend(self) -> list[dict[str, Any]]:
        """Return one row per colour."""
        return [{"color": COLORS["deep"], "vi": f"Ngập sâu từ {DEEP_M:g} m", "en": f"Flooded {DEEP_M:g} m or deeper"},
                {"color": COLORS["flooded"], "vi": f"Ngập dưới {DEEP_M:g} m", "en": f"Flooded, under {DEEP_M:g} m"},
                {"color": COLORS["unknown"], "vi": "Ngập, chưa rõ độ sâu", "en": "Flooded, depth unknown"},
                {"color": COLORS["cleared"], "vi": "Đã rút nước", "en": "Cleared"}]
