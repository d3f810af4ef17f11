"""Cameras and what their AI finds.

``camera``: one long-lived event per camera (its place, road, view direction) whose status
(``online`` / ``offline``) the server changes as the camera worker reports or falls silent.
``camera_hit``: one finding of a camera worker (a vehicle count, a vehicle stopped in a
no-stopping zone, water over the road's reference, people or vehicles in flood water), at the
camera's location, with an annotated snapshot kept on the server (never in the event).
Both kinds live in ``server/features/cameras``.
"""
from __future__ import annotations

from typing import Any

import pydeck as pdk

from layers.base import EventLayer, deck_spec

ONLINE_COLOR, OFFLINE_COLOR = [40, 200, 120], [150, 150, 150]
HIT_COLORS = {
    "camera.vehicle_count": ([120, 170, 220], "Đếm phương tiện", "Vehicle count"),
    "camera.no_stopping": ([235, 40, 40], "Dừng, đỗ xe nơi cấm", "Stopped in a no-stopping zone"),
    "camera.road_flooded": ([30, 110, 255], "Nước ngập mặt đường", "Water over the road"),
    "camera.people_in_flood": ([210, 50, 210], "Người, xe trong vùng ngập",
                               "People or vehicles in flood water"),
}


class CamerasLayer(EventLayer):
    """Camera positions, green when online and grey when offline."""

    id = "cameras"
    kind = "camera"
    title_vi = "Camera giám sát"
    title_en = "Cameras"
    order = 70

    def deck_layers(self) -> list[dict[str, Any]]:
        """Return a ScatterplotLayer of the cameras coloured by status."""
        on, off = ONLINE_COLOR + [230], OFFLINE_COLOR + [200]
        points = pdk.Layer(
            "ScatterplotLayer", id="cameras-points", data=[], pickable=True,
            get_position="[lon, lat]", get_radius=25, radius_min_pixels=4, radius_max_pixels=10,
            get_fill_color=f"status == 'online' ? {on} : {off}", get_line_color=[10, 10, 10, 255],
            stroked=True, line_width_min_pixels=2)
        return [{"role": "points", "spec": deck_spec(points)}]

    def legend(self) -> list[dict[str, Any]]:
        """Return the online and offline colours."""
        return [{"color": ONLINE_COLOR, "vi": "Camera hoạt động", "en": "Camera online"},
                {"color": OFFLINE_COLOR, "vi": "Camera mất tín hiệu", "en": "Camera offline"}]


class CameraHitsLayer(EventLayer):
    """Findings of the camera AI, coloured by category, at the camera's location."""

    id = "camera_hits"
    kind = "camera_hit"
    title_vi = "Phát hiện của camera AI"
    title_en = "Camera AI findings"
    order = 75

    def deck_layers(self) -> list[dict[str, Any]]:
        """Return a ScatterplotLayer whose colour names the category."""
        color = "[120, 170, 220, 200]"
        for code, (rgb, _, _) in HIT_COLORS.items():
            color = f"category == '{code}' ? {rgb + [230]} : {color}"
        points = pdk.Layer(
            "ScatterplotLayer", id="camera-hits-points", data=[], pickable=True,
            get_position="[lon, lat]", get_radius=45, radius_min_pixels=5, radius_max_pixels=16,
            get_fill_color=color, get_line_color=[255, 255, 255, 220], stroked=True,
            line_width_min_pixels=1)
        return [{"role": "points", "spec": deck_spec(points)}]

    def legend(self) -> list[dict[str, Any]]:
        """Return one row per category colour."""
        return [{"color": rgb, "vi": vi, "en": en} for rgb, vi, en in HIT_COLORS.values()]
