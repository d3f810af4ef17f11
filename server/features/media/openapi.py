"""The media feature's part of the OpenAPI document: uploads and the stored photos."""
from __future__ import annotations

from server.core.openapi import EVERYONE, MULTIPART, Op, Operations, p, who
from server.features.media.actions import UPLOADERS

#: The media types of a photo body.
IMAGE_TYPES = tuple(f"image/{t}" for t in ("jpeg", "png", "webp", "heic", "heif"))
MEDIA_ID_RE = "^[0-9a-f]{32}$"


def operations() -> Operations:
    """Return ``{path template: [Op]}`` of the media feature."""
    media = p("media_id", MEDIA_ID_RE)
    return {
        "/api/v1/media": [Op("post", "Tải ảnh lên / upload photos (≤ 10 × 10 MB; EXIF removed)",
                             who(UPLOADERS),
                             body=(MULTIPART, *IMAGE_TYPES), ok=201)],
        "/media/{media_id}.jpg": [Op("get", "Ảnh / a photo", EVERYONE, (media,),
                                     ok_type="image/jpeg")],
        "/media/{media_id}.thumb.jpg": [Op("get", "Ảnh thu nhỏ / a photo's thumbnail", EVERYONE,
                                           (media,), ok_type="image/jpeg")],
    }
