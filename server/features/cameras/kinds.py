"""The kinds of the cameras feature: ``camera`` (one long-lived event per camera, ``online`` or
``offline``) and ``camera_hit`` (one finding of a camera worker, routed like a report)."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from server.core.kinds import Kind, RoutedKind

CAMERA_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
SNAPSHOT_URL = r"^/api/v1/cameras/[a-z0-9][a-z0-9_-]{0,63}/[0-9a-f-]{32,36}\.jpg$"


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


class CameraKind(Kind):
    """A camera: its place, road and view direction; the server sets online or offline."""

    name = "camera"
    props_model = CameraProps
    statuses = ("online", "offline")
    example_props: ClassVar[dict[str, Any]] = {"camera_id": "cam-le-loi-01",
                                               "name": "Lê Lợi - Hùng Vương", "road": "Lê Lợi",
                                               "direction": 90.0}


class CameraHitKind(RoutedKind):
    """A finding of the camera AI at the camera's location (snapshot, box, track are private)."""

    name = "camera_hit"
    props_model = CameraHitProps
    private_props = frozenset({"snapshot", "box", "track_id"})
    example_props: ClassVar[dict[str, Any]] = {
        "camera_id": "cam-le-loi-01", "road": "Lê Lợi", "label": "car", "track_id": 7,
        "stopped_s": 75.0, "box": [410.0, 220.0, 530.0, 300.0],
        "snapshot": "/api/v1/cameras/cam-le-loi-01/019a6f0e-7c4b-7d2a-9f10-3b2c1d0e4f5a.jpg"}
