"""Sensor readings (rain, river level, air, waste water) and the alerts raised by rules.

``sensor_reading``: one event per reading; the wall keeps the newest per ``props.station`` and
``props.quantity`` (role ``latest``) and colours it by ``props.level`` (0 normal … 3 the highest
threshold of its rule). Sparklines come from ``GET /api/v1/sensors/{id}/series``.

``alert``: raised by a rule (vessel in a danger zone, vessel silent, a threshold crossed; the
category says which) with status ``active``, later moved to ``cleared`` by the same rule.
"""
from __future__ import annotations

from typing import Any

import pydeck as pdk
from pydantic import BaseModel, ConfigDict, Field

from layers.base import EventLayer, deck_spec

LEVEL_COLORS = ([40, 180, 120], [250, 210, 0], [255, 140, 0], [220, 30, 30])
LEVEL_EXPR = ("props.level >= 3 ? [220, 30, 30, 240] : props.level == 2 ? [255, 140, 0, 240] : "
              "props.level == 1 ? [250, 210, 0, 240] : [40, 180, 120, 230]")
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
#: Reservoirs (their reading carries the volume, inflow and release in ``derived``) are drawn
#: larger than gauges and stations.
RESERVOIR_COLOR = [60, 120, 220]
RADIUS_EXPR = "props.quantity == 'reservoir_level' ? 900 : 300"


class SensorReadingProps(BaseModel):
    """Props of a ``sensor_reading``: station, quantity, value in the quantity's canonical unit,
    the threshold level reached (0: none), and derived values (e.g. ``rain_1h``, ``rain_24h``) or
    companions reported with it (a reservoir's ``reservoir_volume``, ``inflow``, ``outflow``)."""

    model_config = ConfigDict(extra="forbid")
    station: str = Field(pattern=ID_PATTERN)
    station_name: str | None = Field(None, max_length=100)
    quantity: str = Field(pattern=ID_PATTERN)
    value: float = Field(allow_inf_nan=False)
    unit: str = Field(max_length=16)
    level: int = Field(0, ge=0, le=10)
    derived: dict[str, float] = Field(default_factory=dict)


class SensorsLayer(EventLayer):
    """Stations as points coloured by the level their latest reading reached."""

    id = "sensors"
    kind = "sensor_reading"
    title_vi = "Trạm quan trắc, cảm biến"
    title_en = "Sensors and gauges"
    order = 65
    props_model = SensorReadingProps
    statuses = ("observed",)
    example_props = {"station": "kim-long", "quantity": "water_level", "value": 1.2, "unit": "m"}

    def deck_layers(self) -> list[dict[str, Any]]:
        """Return a ScatterplotLayer of the latest reading per station and quantity."""
        points = pdk.Layer(
            "ScatterplotLayer", id="sensors-latest", data=[], pickable=True,
            get_position="[lon, lat]", get_radius=RADIUS_EXPR, radius_min_pixels=5, radius_max_pixels=22,
            get_fill_color=LEVEL_EXPR, stroked=True, get_line_color=[255, 255, 255, 220],
            line_width_min_pixels=1)
        return [{"role": "latest", "key": "props.station", "spec": deck_spec(points)}]

    def legend(self) -> list[dict[str, Any]]:
        """Return one row per level."""
        names = (("Bình thường", "Normal"), ("Ngưỡng 1 (BĐ1)", "Level 1 (BĐ1)"),
                 ("Ngưỡng 2 (BĐ2)", "Level 2 (BĐ2)"), ("Ngưỡng 3 (BĐ3)", "Level 3 (BĐ3)"))
        rows = [{"color": c, "vi": vi, "en": en} for c, (vi, en) in zip(LEVEL_COLORS, names)]
        return rows + [{"color": RESERVOIR_COLOR,
                        "vi": "Hồ chứa (chấm lớn): mực nước so với MNDBT; dung tích, lưu lượng đến và xả",
                        "en": "Reservoir (large dot): level against its normal level; volume, "
                              "inflow and release"}]


class AlertProps(BaseModel):
    """Props of an ``alert``: which rule fired, about what (``subject``), the level reached,
    the value and threshold when a number crossed one, and readable text."""

    model_config = ConfigDict(extra="forbid")
    rule: str = Field(max_length=60)
    key: str = Field(max_length=200, description="the rule's key of this alert (one open at a time)")
    subject_type: str = Field(max_length=20, description="vessel | sensor")
    subject_id: str = Field(max_length=80)
    title_vi: str = Field(max_length=300)
    title_en: str = Field(max_length=300)
    level: int | None = Field(None, ge=0, le=10)
    level_name: str | None = Field(None, max_length=60)
    quantity: str | None = Field(None, max_length=64)
    value: float | None = Field(None, allow_inf_nan=False)
    threshold: float | None = Field(None, allow_inf_nan=False)
    unit: str | None = Field(None, max_length=16)
    zone_id: str | None = Field(None, max_length=80)
    details: dict[str, Any] = Field(default_factory=dict)


class AlertsLayer(EventLayer):
    """Active alerts as red rings (cleared ones fade)."""

    id = "alerts"
    kind = "alert"
    title_vi = "Cảnh báo tự động"
    title_en = "Automatic alerts"
    order = 90
    props_model = AlertProps
    statuses = ("active", "cleared")
    example_props = {"rule": "threshold", "key": "threshold:kim-long:water_level",
                     "subject_type": "sensor", "subject_id": "kim-long",
                     "title_vi": "Kim Long vượt BĐ1", "title_en": "Kim Long above BĐ1"}

    def deck_layers(self) -> list[dict[str, Any]]:
        """Return a ScatterplotLayer of rings."""
        rings = pdk.Layer(
            "ScatterplotLayer", id="alerts-points", data=[], pickable=True,
            get_position="[lon, lat]", get_radius=900, radius_min_pixels=9, radius_max_pixels=30,
            filled=False, stroked=True, line_width_min_pixels=3,
            get_line_color="status == 'active' ? [255, 40, 40, 255] : [200, 200, 200, 90]")
        return [{"role": "points", "spec": deck_spec(rings)}]

    def legend(self) -> list[dict[str, Any]]:
        """Return one row: active alerts."""
        return [{"color": [255, 40, 40], "vi": "Cảnh báo đang hiệu lực", "en": "Active alert"}]
