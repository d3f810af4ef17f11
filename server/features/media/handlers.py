"""Photos over HTTP: ``POST /api/v1/media`` (multipart ``file`` parts or one raw image body),
``GET /media/{id}.jpg`` and ``GET /media/{id}.thumb.jpg``; and ``UploadHandler``, the base of
every handler that takes photos with its request (the case, transition and Open311 handlers)."""
from __future__ import annotations

from typing import Any

import tornado.web

from server.core.errors import NotFound, PayloadTooLarge, UnsupportedMediaType
from server.features.media.multipart import Form, UploadReader, is_upload
from server.features.media.service import Accepted, MediaService
from server.web.base import BaseHandler, StreamedBodyHandler

MEDIA_ID = r"([0-9a-f]{32})"
#: A year: a photo's bytes never change under its id.
IMMUTABLE = "public, max-age=31536000, immutable"


@tornado.web.stream_request_body
class UploadHandler(StreamedBodyHandler):
    """A handler whose body is JSON (read as ``StreamedBodyHandler`` reads it) or carries photos
    (``multipart/form-data``, or one raw ``image/*`` body), read by an ``UploadReader`` as it
    arrives: past the limits it is drained and dropped, then refused (413/422) in the one error
    shape. Subclasses set ``self.media`` (None: this server takes no photos, 415) in
    ``initialize`` and may name other photo parts in ``file_fields``."""

    media: MediaService | None = None
    file_fields: frozenset[str] = frozenset({"file"})
    #: Bodies announced over this many times the limit are refused at once (connection closed);
    #: smaller ones are drained so that the client reads the answer.
    DRAIN_FACTOR = 2

    async def prepare(self) -> None:
        """Set up reading the body, then resolve the caller."""
        self.start_body()
        await BaseHandler.prepare(self)

    def start_body(self) -> None:
        """Choose how the body is read (JSON or an upload); raise 415 for photos where none
        are taken, 413 for a body announced far over the limit."""
        self._chunks: list[bytes] = []
        self._size = 0
        content_type = self.request.headers.get("Content-Type", "")
        self.upload: UploadReader | None = None
        if is_upload(content_type):
            if self.media is None:
                raise UnsupportedMediaType("photos are not taken here; send JSON")
            self.upload = UploadReader(content_type, self.media.body_limits, self.file_fields)
        self._limit = self.body_limit()
        length = self.request.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self._limit * self.DRAIN_FACTOR:
            raise PayloadTooLarge(f"body is {length} bytes; the limit is {self._limit}")
        if self.upload is not None and self.request.connection is not None:
            self.request.connection.set_max_body_size(self._limit * self.DRAIN_FACTOR)

    def body_limit(self) -> int:
        """Return the largest body read: every photo and field at its limit for an upload."""
        if self.upload is not None:
            return self.media.body_limits.request_bytes
        return super().body_limit()

    def data_received(self, chunk: bytes) -> None:
        """Feed the upload reader, or collect the JSON body."""
        if self.upload is not None:
            self.upload.feed(chunk)
        else:
            super().data_received(chunk)

    def upload_form(self) -> Form:
        """Return the upload's fields and photo parts; raise 400/413/422 for what it held."""
        return self.upload.form()

    def request_base(self) -> str:
        """Return this request's origin (``http://host:port``), for photo URLs."""
        return f"{self.request.protocol}://{self.request.host}"

    async def keep_photos(self, form: Form) -> Accepted:
        """Clean and keep the photos of ``form`` (none: nothing kept); return them."""
        if not form.files:
            return Accepted([], [])
        return await self.media.accept(form.files, self.principal, self.request_base(),
                                       self.request.headers.get("Idempotency-Key"))


class MediaUploadHandler(UploadHandler):
    """``POST /api/v1/media``."""

    def initialize(self, core: Any, ref: Any, feature: MediaService) -> None:
        """Receive the media service."""
        super().initialize(core, ref)
        self.media = feature

    async def post(self) -> None:
        """Answer 201 ``{"media": [{"id", "url", "thumb_url", "width", "height", "bytes",
        "type"}]}``."""
        self.media.check_caller(self.principal)
        if self.upload is None:
            raise UnsupportedMediaType("send multipart/form-data with parts named file, or one "
                                       "image body (image/jpeg, png, webp, heic or heif)")
        form = self.upload_form()
        kept = await self.media.accept(form.files, self.principal, self.request_base(),
                                       self.request.headers.get("Idempotency-Key"))
        self.write_json({"media": kept.media}, 201)


class MediaFileHandler(BaseHandler):
    """``GET /media/{id}.jpg`` and ``/media/{id}.thumb.jpg``: no token (like the pages)."""

    def initialize(self, core: Any, ref: Any, feature: MediaService) -> None:
        """Receive the media service."""
        super().initialize(core, ref)
        self.media = feature

    async def prepare(self) -> None:
        """No token and no rate limit: a photo is a file like the pages' own."""

    async def get(self, media_id: str, variant: str) -> None:
        """Answer the JPEG; 404 in the error shape when there is none."""
        data = await self.media.read(media_id, variant)
        if data is None:
            raise NotFound(f"no photo {media_id}")
        self.set_header("Content-Type", "image/jpeg")
        self.set_header("Cache-Control", IMMUTABLE)
        self.finish(data)


def routes(base: dict[str, Any], media: MediaService) -> list[tuple]:
    """Return the upload and file routes over ``media``."""
    args = {**base, "feature": media}
    return [(r"/api/v1/media", MediaUploadHandler, args),
            (rf"/media/{MEDIA_ID}\.(jpg|thumb\.jpg)", MediaFileHandler, args)]
