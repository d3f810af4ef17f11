"""The kinds of the flood roads feature: ``flood_road``, one event per segment of a main road
ever marked, ``flooded`` while the water is on the road, ``cleared`` once it is gone."""
from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from server.core.kinds import Kind


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


class FloodRoadKind(Kind):
    """A flooded segment of a main road, at its middle with its line in ``props.path``."""

    name = "flood_road"
    props_model = FloodRoadProps
    statuses = ("flooded", "cleared")
    closed_statuses = frozenset({"cleared"})
    example_props: ClassVar[dict[str, Any]] = {
        "segment_id": "quoc-lo-1a-328:34", "road_id": "quoc-lo-1a-328", "segment": 34,
        "road_name": "Quốc lộ 1A", "path": [[107.593, 16.4628], [107.5851, 16.4676]],
        "depth_m": 0.4, "source": {"type": "operator"}}
