"""The cameras feature's part of the OpenAPI document: cameras, heartbeats and images."""
from __future__ import annotations

from server.core.openapi import SLUG_RE, STAFF, Op, Operations, p
from server.features.cameras.service import CameraIn


def operations() -> Operations:
    """Return ``{path template: [Op]}`` of the cameras feature."""
    camera = p("camera_id", SLUG_RE)
    image = p("image", "^(latest|[0-9a-f-]{32,36})$")
    return {
        "/api/v1/cameras": [Op("get", "Camera / cameras", STAFF)],
        "/api/v1/cameras/{camera_id}": [Op("put", "Đăng ký, nhịp / register, heartbeat",
                                           "admin, operator", (camera,), CameraIn)],
        "/api/v1/cameras/{camera_id}/{image}.jpg": [
            Op("get", "Ảnh / image", STAFF, (camera, image), ok_type="image/jpeg"),
            Op("put", "Tải ảnh / upload an image", "admin, operator", (camera, image),
               "image/jpeg", ok=201)],
    }
