"""The cameras feature's settings (``IOC_CAMERA_*``; see docs/VISION.md)."""
from __future__ import annotations

from pydantic import Field

from server.core.settings import SettingsBase


class CamerasSettings(SettingsBase):
    """Cameras: uploads, heartbeats, evidence kept."""

    camera_image_max_bytes: int = Field(2 * 1024 * 1024, gt=0,
                                        description="Largest camera JPEG a worker may upload.")
    camera_stale_s: float = Field(60.0, gt=0, description="A camera with no heartbeat for this "
                                  "long is marked offline on the wall.")
    camera_snapshots_keep: int = Field(500, gt=0, description="Evidence snapshots kept per camera "
                                       "(the oldest are deleted beyond this).")
