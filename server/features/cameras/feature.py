"""Cameras: the feature (workers register cameras, send heartbeats, latest views and evidence
snapshots; silent cameras go offline; docs/VISION.md)."""
from __future__ import annotations

from typing import Any, Mapping

from layers.base import Layer
from layers.cameras import CameraHitsLayer, CamerasLayer
from server.core.feature import Feature, Route
from server.core.kinds import Kind
from server.core.openapi import Operations
from server.features.cameras import handlers
from server.features.cameras.kinds import CameraHitKind, CameraKind
from server.features.cameras.openapi import operations
from server.features.cameras.service import CameraService
from server.features.cameras.settings import CamerasSettings


class CamerasFeature(Feature):
    """The cameras the vision workers watch, and their images."""

    name = "cameras"
    settings = CamerasSettings

    def kinds(self) -> list[Kind]:
        """Return ``camera`` and ``camera_hit``."""
        return [CameraKind(), CameraHitKind()]

    def layers(self) -> list[Layer]:
        """Return the wall layers of the cameras and their hits."""
        return [CamerasLayer(), CameraHitsLayer()]

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

    def openapi(self) -> Operations:
        """Return the camera operations of the OpenAPI document."""
        return operations()
