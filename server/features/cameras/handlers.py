"""Camera handlers (thin; the core is ``server.features.cameras.service``)::

    GET /api/v1/cameras                       cameras with status, last heartbeat, latest image
    PUT /api/v1/cameras/{id}                  a worker registers a camera / sends its heartbeat
    PUT /api/v1/cameras/{id}/latest.jpg       a worker uploads the latest annotated view
    PUT /api/v1/cameras/{id}/{uuid}.jpg       … or the evidence snapshot of a hit
    GET /api/v1/cameras/{id}/{latest|uuid}.jpg  the image
"""
from __future__ import annotations

from server.features.cameras.service import CameraService
from server.web.base import BaseHandler, StreamedBodyHandler

CAMERA = r"([a-z0-9][a-z0-9_-]{0,63})"


class CamerasHandler(BaseHandler):
    """``GET /api/v1/cameras``."""

    def initialize(self, core, ref, cameras: CameraService) -> None:  # noqa: ANN001
        """Also receive the camera service."""
        super().initialize(core, ref)
        self.cameras = cameras

    async def get(self) -> None:
        """Answer ``{"cameras": [...]}``."""
        self.write_json({"cameras": await self.cameras.cameras(self.principal)})


class CameraHandler(StreamedBodyHandler):
    """``PUT /api/v1/cameras/{id}``: registration and heartbeat."""

    def initialize(self, core, ref, cameras: CameraService) -> None:  # noqa: ANN001
        """Also receive the camera service."""
        super().initialize(core, ref)
        self.cameras = cameras

    async def put(self, camera_id: str) -> None:
        """Answer the camera as listed by ``GET /api/v1/cameras``."""
        doc = self.body_json()
        self.write_json(await self.cameras.report(self.principal, camera_id, doc))


class CameraImageHandler(CameraHandler):
    """``PUT`` / ``GET /api/v1/cameras/{id}/{latest|uuid}.jpg``."""

    def body_limit(self) -> int:
        """Images have their own limit."""
        return self.core.settings.camera_image_max_bytes

    async def put(self, camera_id: str, name: str) -> None:
        """Store the JPEG; answer 201 ``{"url": "/api/v1/cameras/{id}/{name}.jpg"}``."""
        url = await self.cameras.save_image(self.principal, camera_id, name, self.body)
        self.write_json({"url": url}, 201)

    async def get(self, camera_id: str, name: str) -> None:
        """Answer the JPEG (the latest view is never cached; snapshots never change)."""
        data = await self.cameras.read_image(self.principal, camera_id, name)
        self.set_header("Content-Type", "image/jpeg")
        self.set_header("Cache-Control",
                        "no-cache" if name == "latest" else "private, max-age=86400")
        self.finish(data)


def routes(base: dict, cameras: CameraService) -> list[tuple]:
    """Return the camera routes over ``cameras``."""
    args = {**base, "cameras": cameras}
    return [
        (r"/api/v1/cameras", CamerasHandler, args),
        (rf"/api/v1/cameras/{CAMERA}", CameraHandler, args),
        (rf"/api/v1/cameras/{CAMERA}/(latest|[0-9a-f-]{{32,36}})\.jpg", CameraImageHandler, args),
    ]
