"""Sensor readings (rain, river level, air, waste water) and the alerts raised by rules.

``sensor_reading``: one event per reading; the wall keeps the newest per ``props.station`` and
``props.quantity`` (role ``latest``) and colours it by ``props.level`` (0 normal … 3 the highest
threshold of its rule). Sparklines come from ``GET /api/v1/sensors/{id}/series``.

``alert``: raised by a rule (vessel in a danger zone, vessel silent, a threshold crossed; the
category says which) with status ``active``, later moved to ``cleared`` by the same rule.

The ``sensor_reading`` kind lives in ``server/features/sensors``, the ``alert`` kind (raised by
several features) in ``server.core.kit.alerts``.
"""
from __future__ import annotations

from typing import Any

import pydeck as pdk

from layers.base import EventLayer, deck_spec

LEVEL_COLORS = ([40, 180, 120], [250, 210, 0], [255, 140, 0], [220, 30, 30])
LEVEL_EXPR = ("props.level >= 3 ? [220, 30, 30, 240] : props.level == 2 ? [255, 140, 0, 240] : "
              "props.level == 1 ? [250, 210, 0, 240] : [40, 180, 120, 230]")
#: Reservoirs (their reading carries the volume, inflow and release in ``derived``) are drawn
#: larger than gauges and stations.
RESERVOIR_COLOR = [60, 120, 220]
RADIUS_EXPR = "props.quantity == 'reservoir_level' ? 900 : 300"


class SensorsLayer(EventLayer):
    """Stations as points coloured by the level their latest reading reached."""

    id = "sensors"
    kind = "sensor_reading"
    title_vi = "Trạm quan trắc, cảm biến"
    title_en = "Sensors and gauges"
    order = 65

    def deck_layers(self) -> list[dict[str, Any]]:
        """Return a ScatterplotLayer of the latest reading per station and quantity."""
        points = pdk.Layer(
            "ScatterplotLayer", id="sensors-latest", data=[], pickable=True,
            get_position="[lon, lat]", get_radius=RADIUS_EXPR, radius_min_pixels=5,
            radius_max_pixels=22,
            get_fill_color=LEVEL_EXPR, stroked=True, get_line_color=[255, 255, 255, 220],
            line_width_min_pixels=1)
        return [{"role": "latest", "key": "props.station", "spec": deck_spec(points)}]

    def legend(self) -> list[dict[str, Any]]:
        """Return one row per level."""
        names = (("Bình thường", "Normal"), ("Ngưỡng 1 (BĐ1)", "Level 1 (BĐ1)"),
                 ("Ngưỡng 2 (BĐ2)", "Level 2 (BĐ2)"), ("Ngưỡng 3 (BĐ3)", "Level 3 (BĐ3)"))
        rows = [{"color": c, "vi": vi, "en": en} for c, (vi, en) in zip(LEVEL_COLORS, names)]
        return rows + [{"color": RESERVOIR_COLOR,
                        "vi": "Hồ chứa (chấm lớn): mực nước so với MNDBT; dung tích, "
                              "lưu lượng đến và xả",
                        "en": "Reservoir (large dot): level against its normal level; volume, "
                              "inflow and release"}]


class AlertsLayer(EventLayer):
    """Active alerts as red rings (cleared ones fade)."""

    id = "alerts"
    kind = "alert"
    title_vi = "Cảnh báo tự động"
    title_en = "Automatic alerts"
    order = 90

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
