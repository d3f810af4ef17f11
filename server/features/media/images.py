"""Photos in, clean JPEGs out: the type sniffed from the bytes (never the name), decoded with
Pillow (HEIC/HEIF through pillow-heif), turned upright by its EXIF orientation, converted to
sRGB, scaled down, and re-encoded as a JPEG that carries **no metadata** (no EXIF, GPS, XMP,
device, ICC profile or comment), with its thumbnail. CPU work: callers run it off the event loop.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from server.core.errors import UnsupportedMediaType, ValidationFailed, detail

register_heif_opener()

#: The types accepted (sniffed) → the Pillow format that must decode them.
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP",
           "image/heic": "HEIF", "image/heif": "HEIF"}
#: ISO-BMFF brands of HEIC/HEIF stills and sequences.
HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs",
                         b"mif1", b"msf1"})
THUMB_QUALITY = 80


@dataclass(frozen=True)
class Limits:
    """How photos are checked and made: bytes per file, pixels, longest sides, JPEG quality."""

    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 80_000_000
    max_side: int = 2560
    thumb_side: int = 320
    quality: int = 85


@dataclass(frozen=True)
class Cleaned:
    """A photo ready to store: ``jpeg`` and ``thumb`` (bytes), the size of ``jpeg`` in pixels,
    and the type it was sent as."""

    jpeg: bytes
    thumb: bytes
    width: int
    height: int
    sent_as: str


def sniff(data: bytes) -> str | None:
    """Return the image type of ``data`` by its first bytes (``image/jpeg``, ``image/png``,
    ``image/webp``, ``image/heic``, ``image/heif``), or None for anything else."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        size = int.from_bytes(data[:4], "big")
        brands = {data[8:12]} | {data[i:i + 4] for i in range(16, min(size, 64), 4)}
        if brands & HEIF_BRANDS:
            return "image/heic" if data[8:12] in (b"heic", b"heix") else "image/heif"
    return None


def check_type(data: bytes, path: str) -> str:
    """Return the sniffed type of ``data``; raise UnsupportedMediaType (415) naming ``path``
    when it is not an accepted image."""
    kind = sniff(data)
    if kind is None:
        raise UnsupportedMediaType(
            "not a photo: send JPEG, PNG, WebP or HEIC (the type is read from the file's "
            "content, not its name)", [detail(path, "not a JPEG, PNG, WebP or HEIC image")])
    return kind


def clean(data: bytes, limits: Limits, path: str = "file") -> Cleaned:
    """Return ``data`` as a clean JPEG and thumbnail (see the module docstring); raise
    UnsupportedMediaType (415) for another type and ValidationFailed (422) for a broken or
    oversized image."""
    kind = check_type(data, path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[FORMATS[kind]]) as im:
                _check_pixels(im, limits, path)
                if im.format == "JPEG":
                    im.draft("RGB", (limits.max_side, limits.max_side))
                im.load()
                rgb = _upright_srgb(im)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _broken(path, f"larger than {limits.max_pixels} pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _broken(path, f"cannot be decoded ({exc.__class__.__name__})") from None
    rgb.thumbnail((limits.max_side, limits.max_side), Image.Resampling.LANCZOS)
    thumb = rgb.copy()
    thumb.thumbnail((limits.thumb_side, limits.thumb_side), Image.Resampling.LANCZOS)
    return Cleaned(_jpeg(rgb, limits.quality), _jpeg(thumb, THUMB_QUALITY), rgb.width,
                   rgb.height, kind)


def _broken(path: str, why: str) -> ValidationFailed:
    return ValidationFailed(f"a photo is broken or too large to decode: it {why}",
                            [detail(path, f"the image {why}")])


def _check_pixels(im: Image.Image, limits: Limits, path: str) -> None:
    if im.width * im.height > limits.max_pixels:
        raise _broken(path, f"has {im.width}×{im.height} pixels, more than {limits.max_pixels}")


def _upright_srgb(im: Image.Image) -> Image.Image:
    """Return the first frame of ``im`` turned by its EXIF orientation, in sRGB (transparency
    on white), as a new RGB image."""
    icc = im.info.get("icc_profile")
    im = ImageOps.exif_transpose(im) or im
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        im = flat
    if icc:
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(im, src, ImageCms.createProfile("sRGB"),
                                             outputMode="RGB") or im.convert("RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass
    return im.convert("RGB")


def _jpeg(im: Image.Image, quality: int) -> bytes:
    """Return ``im`` as JPEG bytes with no metadata at all (nothing of ``im.info`` is kept)."""
    im.info = {}
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()
