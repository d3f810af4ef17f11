"""Cameras: the feature (workers register cameras, send heartbeats, latest views and evidence
snapshots; silent cameras go offline; docs/VISION.md)."""
from __future__ import annotations

from typing import Any, Mapping

from server.core.feature import Feature, Route
from server.features.cameras import handlers
from server.features.cameras.service import CameraService


class CamerasFeature(Feature):
    """The cameras the vision workers watch, and their images."""

    name = "cameras"

    def install(self, core: Any, needs: Mapping[str, Feature]) -> None:
        """Build the camera service and attach it: it follows the camera events of every node
        and sweeps silent cameras offline in the background."""
        s = core.settings
        self.service = CameraService(core, s.data_dir, s.camera_stale_s, s.camera_image_max_bytes,
                                     s.camera_snapshots_keep)
        self.service.attach()

    def routes(self, base: dict[str, Any]) -> list[Route]:
        """Return the camera routes."""
        return handlers.routes(base, self.service)
