"""Photos: the feature (uploads with cases, results and Open311 requests, chat images fetched
and kept, every photo cleaned of its metadata and stored with a thumbnail; docs/REPORTS.md)."""
from __future__ import annotations

from typing import Any, Mapping

from server.core.feature import Feature, Route
from server.core.openapi import Operations
from server.core.policy import Permission
from server.features.media import actions, handlers
from server.features.media.images import Limits
from server.features.media.openapi import operations
from server.features.media.service import MediaService
from server.features.media.settings import MediaSettings
from server.features.media.store import LocalMediaStore


class MediaFeature(Feature):
    """Photos of cases and results, kept clean under the data folder."""

    name = "media"
    settings = MediaSettings

    def actions(self) -> list[Permission]:
        """Return who may upload (``actions.py``)."""
        return list(actions.ACTIONS)

    def install(self, core: Any, needs: Mapping[str, Feature]) -> None:
        """Build the media service over the local store (``IOC_DATA_DIR/media``)."""
        s = core.settings
        limits = Limits(s.media_max_bytes, s.media_max_pixels, s.media_max_side,
                        s.media_thumb_side, s.media_jpeg_quality)
        store = LocalMediaStore(s.data_dir / "media")
        self.service = MediaService(store, limits, s.media_max_files, s.max_body_bytes,
                                    s.public_url, s.media_fetch_timeout_s)

    def routes(self, base: dict[str, Any]) -> list[Route]:
        """Return the upload and photo routes."""
        return handlers.routes(base, self.service)

    def openapi(self) -> Operations:
        """Return the media operations of the OpenAPI document."""
        return operations()
