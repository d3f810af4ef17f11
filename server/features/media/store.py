"""Where photos are kept: the ``MediaStore`` contract and the local one, files under the data
folder (``IOC_DATA_DIR/media/<2 hex>/<id>.jpg`` and ``<id>.thumb.jpg``). An S3-compatible store
would be a second implementation chosen by ``IOC_MEDIA_STORE`` (not written yet). Blocking calls:
the service runs them on a thread."""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

#: A photo's id: 32 lowercase hex digits (a random UUID, unguessable).
MEDIA_ID = re.compile(r"^[0-9a-f]{32}$")
VARIANTS = ("jpg", "thumb.jpg")


class MediaStore(Protocol):
    """Keeps each photo's two files (the photo and its thumbnail) under its id."""

    def put(self, media_id: str, jpeg: bytes, thumb: bytes) -> None:
        """Keep both files (the thumbnail first: a photo never lacks its thumbnail)."""

    def get(self, media_id: str, variant: str) -> bytes | None:
        """Return the bytes of ``variant`` (``jpg`` or ``thumb.jpg``), None when absent."""

    def delete(self, media_id: str) -> None:
        """Remove both files (nothing when absent)."""


class LocalMediaStore:
    """Photos as files under ``root`` (see the module docstring), written atomically."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, media_id: str, variant: str) -> Path:
        """Return the file of ``variant`` of ``media_id``; ValueError for a malformed id."""
        if not MEDIA_ID.match(media_id) or variant not in VARIANTS:
            raise ValueError(f"no media {media_id!r}.{variant}")
        return self.root / media_id[:2] / f"{media_id}.{variant}"

    def put(self, media_id: str, jpeg: bytes, thumb: bytes) -> None:
        """Write the thumbnail, then the photo (each through a temporary file and a rename)."""
        _write_atomic(self.path(media_id, "thumb.jpg"), thumb)
        _write_atomic(self.path(media_id, "jpg"), jpeg)

    def get(self, media_id: str, variant: str) -> bytes | None:
        """Return the file's bytes, None when absent or the id is malformed."""
        try:
            return self.path(media_id, variant).read_bytes()
        except (ValueError, FileNotFoundError):
            return None

    def delete(self, media_id: str) -> None:
        """Remove the photo, then its thumbnail."""
        for variant in VARIANTS:
            self.path(media_id, variant).unlink(missing_ok=True)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".jpg")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
