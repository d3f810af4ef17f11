"""The flood roads feature's settings (``IOC_FLOOD_ROAD_*``; see docs/FLOOD_OPERATIONS.md)."""
from __future__ import annotations

from pydantic import Field

from server.core.settings import SettingsBase


class FloodRoadsSettings(SettingsBase):
    """Flooded road segments: how roads are cut, snapped and marked."""

    flood_road_segment_m: float = Field(1000.0, ge=50, le=20_000, description="Main roads are cut "
                                        "into segments this long (at most) to be marked flooded.")
    flood_road_snap_m: float = Field(300.0, gt=0, le=5000, description="A point marks the nearest "
                                     "road segment only if it lies within this many metres.")
    flood_road_gauge_radius_m: float = Field(2000.0, ge=0, le=20_000, description="Illustrative: "
                                             "a river gauge passing BĐ3 marks the road segments "
                                             "within this many metres flooded (0: off).")
