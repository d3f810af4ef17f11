"""Cameras and what their AI finds.

``camera``: one long-lived event per camera (its place, road, view direction) whose status
(``online`` / ``offline``) the server changes as the camera worker reports or falls silent.
``camera_hit``: one finding of a camera worker (a vehicle count, a vehicle stopped in a
no-stopping zone, water over the road's reference, people or vehicles in flood water), at the
camera's location, with an annotated snapshot kept on the server (never in the event).
"""
from __future__ import annotations

from typing import Any

import pydeck as pdk
from pydantic import BaseModel, ConfigDict, Field

from layers.base import EventLayer, RoutedEventLayer, deck_spec

CAMERA_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
SNAPSHOT_URL = r"^/api/v1/cameras/[a-z0-9][a-z0-9_-]{0,63}/[0-9a-f-]{32,36}\.jpg$"
ONLINE_COLOR, OFFLINE_COLOR = [40, 200, 120], [150, 150, 150]
HIT_COLORS = {
    "camera.vehicle_count": ([120, 170, 220], "Đếm phương tiện", "Vehicle count"),
    "camera.no_stopping": ([235, 40, 40], "Dừng, đỗ xe nơi cấm", "Stopped in a no-stopping zone"),
    "camera.road_flooded": ([30, 110, 255], "Nước ngập mặt đường", "Water over the road"),
    "camera.people_in_flood": ([210, 50, 210], "Người, xe trong vùng ngập",
                               "People or vehicles in flood water"),
}


class CameraProps(BaseModel):
    """Props of a ``camera``: its id, name, road, view direction, and why it is offline."""

    model_config = ConfigDict(extra="forbid")
    camera_id: str = Field(pattern=CAMERA_ID)
    name: str = Field("", max_length=200)
    road: str | None = Field(None, max_length=200)
    direction: float | None = Field(None, ge=0, lt=360,
                                    description="Bearing it looks to (° from north).")
    public: bool = Field(False, description="Citizens may watch its latest image (flood views).")
    reason: str | None = Field(None, max_length=500, description="Why it is offline.")


class CameraHitProps(BaseModel):
    """Props of a ``camera_hit``. Which fields are set depends on the category."""

    model_config = ConfigDict(extra="forbid")
    camera_id: str = Field(pattern=CAMERA_ID)
    road: str | None = Field(None, max_length=200)
    direction: float | None = Field(None, ge=0, lt=360)
    model: str | None = Field(None, max_length=100, description="The detector that saw it.")
    snapshot: str | None = Field(None, pattern=SNAPSHOT_URL,
                                 description="Annotated JPEG (API path).")
    label: str | None = Field(None, max_length=60, description="What was seen (car, person…).")
    track_id: int | None = Field(None, ge=0)
    box: list[float] | None = Field(None, min_length=4, max_length=4,
                                    description="x0, y0, x1, y1 in image pixels.")
    stopped_s: float | None = Field(None, ge=0)
    interval_s: float | None = Field(None, gt=0)
    count: int | None = Field(None, ge=0, description="Distinct vehicles tracked in the interval.")
    max_in_view: int | None = Field(None, ge=0)
    mean_in_view: float | None = Field(None, ge=0)
    by_label: dict[str, int] | None = None
    cover: float | None = Field(None, ge=0, le=1, description="Share of the reference under water.")
    persons: int | None = Field(None, ge=0)
    vehicles: int | None = Field(None, ge=0)


class CamerasLayer(EventLayer):
    """Camera positions, green when online and grey when offline."""

    id = "cameras"
    kind = "camera"
    title_vi = "Camera giám sát"
    title_en = "Cameras"
    order = 70
    props_model = CameraProps
    statuses = ("online", "offline")
    example_props = {"camera_id": "cam-le-loi-01", "name": "Lê Lợi - Hùng Vương", "road": "Lê Lợi",
                     "direction": 90.0}

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


class CameraHitsLayer(RoutedEventLayer):
    """Findings of the camera AI, coloured by category, at the camera's location."""

    id = "camera_hits"
    kind = "camera_hit"
    title_vi = "Phát hiện của camera AI"
    title_en = "Camera AI findings"
    order = 75
    props_model = CameraHitProps
    private_props = frozenset({"snapshot", "box", "track_id"})
    example_props = {"camera_id": "cam-le-loi-01", "road": "Lê Lợi", "label": "car", "track_id": 7,
                     "stopped_s": 75.0, "box": [410.0, 220.0, 530.0, 300.0],
                     "snapshot": "/api/v1/cameras/cam-le-loi-01/"
                                 "019a6f0e-7c4b-7d2a-9f10-3b2c1d0e4f5a.jpg"}

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
