"""The media feature's settings (``IOC_MEDIA_*``; see docs/REPORTS.md, "Photos")."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from server.core.settings import SettingsBase


class MediaSettings(SettingsBase):
    """Photos: limits, sizes, where they are kept, fetching chat images."""

    media_max_bytes: int = Field(10 * 1024 * 1024, gt=0,
                                 description="Largest photo accepted, per file (413 past it).")
    media_max_files: int = Field(10, gt=0, le=100,
                                 description="Most photos in one request (422 past it).")
    media_max_pixels: int = Field(80_000_000, gt=0, description="Largest photo, in pixels, "
                                  "that is decoded (422 past it: a decompression bomb).")
    media_max_side: int = Field(2560, ge=320, description="Longest side of a stored photo, px "
                                "(larger photos are scaled down).")
    media_thumb_side: int = Field(320, ge=32, description="Longest side of a thumbnail, px.")
    media_jpeg_quality: int = Field(85, ge=30, le=95, description="JPEG quality of stored photos.")
    media_store: Literal["local"] = Field("local", description=(
        "Where photos are kept: `local`, under IOC_DATA_DIR/media/. An S3-compatible store is a "
        "later option of this setting (MediaStore in server/features/media/store.py)."))
    media_fetch_timeout_s: float = Field(15.0, gt=0, description="Time allowed to fetch one "
                                         "image that a chat channel sent as a link.")
