"""Helpers for the photo tests: images made with Pillow (a phone's JPEG with GPS and device
EXIF, HEIC, PNG, WebP), multipart bodies, a streamed upload over a raw socket, and the files a
server keeps under its data folder."""
from __future__ import annotations

import http.client as httpclient
import io
import json
import uuid
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

from PIL import Image
from pillow_heif import register_heif_opener

from tests.helpers.client import Response, decode_response, http

register_heif_opener()

#: What a phone writes into its photos: make, model, software, the place (Huế citadel).
DEVICE = {0x010F: "PhoneMaker", 0x0110: "SecretPhone X", 0x0131: "CameraApp 9.1"}
GPS = {1: "N", 2: (16.0, 28.0, 10.0), 3: "E", 4: (107.0, 34.0, 38.0)}
ORIENTATION_ROTATE_90 = 6


def phone_jpeg(size: tuple[int, int] = (1200, 900), orientation: int | None = None) -> bytes:
    """Return a JPEG as a phone makes it: EXIF with the device, GPS and (optionally) an
    orientation, an XMP packet and a comment."""
    im = Image.new("RGB", size, (200, 40, 40))
    im.paste((20, 20, 220), (0, 0, size[0] // 2, size[1] // 3))  # a mark: orientation shows
    exif = Image.Exif()
    for tag, value in DEVICE.items():
        exif[tag] = value
    exif[0x8825] = GPS
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><GPSLatitude>16,28.1N</GPSLatitude></x:xmpmeta>'
    im.save(out, "JPEG", exif=exif.tobytes(), xmp=xmp, comment=b"shot at home")
    return out.getvalue()


def image_bytes(fmt: str, size: tuple[int, int] = (640, 480), mode: str = "RGB") -> bytes:
    """Return an image in ``fmt`` (``HEIF``, ``PNG``, ``WEBP``, ``JPEG``)."""
    color = (10, 120, 30, 128) if mode == "RGBA" else (10, 120, 30)
    im = Image.new(mode, size, color)
    out = io.BytesIO()
    im.save(out, fmt)
    return out.getvalue()


def pdf_bytes() -> bytes:
    """Return a small, valid-looking PDF."""
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n"
            b"%%EOF\n")


File = tuple[str, str, str, bytes]  # part name, file name, declared type, bytes


def multipart(fields: dict[str, str] | None = None,
              files: Iterable[File] = ()) -> tuple[bytes, str]:
    """Return a ``multipart/form-data`` body and its Content-Type."""
    boundary = f"----ioc{uuid.uuid4().hex}"
    out = io.BytesIO()
    for name, value in (fields or {}).items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                  .encode())
        out.write(value.encode() + b"\r\n")
    for name, filename, ctype, data in files:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                  f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'.encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def post_files(url: str, files: Iterable[File] = (), fields: dict[str, str] | None = None,
               token: str | None = None, headers: dict[str, str] | None = None) -> Response:
    """POST a multipart body; return the Response."""
    body, ctype = multipart(fields, files)
    return http("POST", url, token=token, raw=body,
                headers={**(headers or {}), "Content-Type": ctype})


def photo(data: bytes | None = None, name: str = "photo.jpg", ctype: str = "image/jpeg",
          field: str = "file") -> File:
    """Return one file part (a phone's JPEG unless ``data``)."""
    return (field, name, ctype, data if data is not None else phone_jpeg())


def case_part(doc: dict[str, Any]) -> dict[str, str]:
    """Return the form field holding a case as JSON (the part ``case``)."""
    return {"case": json.dumps(doc, ensure_ascii=False)}


def stream_upload(url: str, head: bytes, size: int, tail: bytes, content_type: str,
                  token: str | None = None, chunk: int = 1 << 20) -> Response:
    """POST ``head`` + ``size`` zero bytes + ``tail`` in chunks over one connection and return
    the server's answer (read even if the server stopped reading early)."""
    parts = urlsplit(url)
    conn = httpclient.HTTPConnection(parts.hostname, parts.port, timeout=120)
    headers = {"Content-Type": content_type, "Content-Length": str(len(head) + size + len(tail))}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.putrequest("POST", parts.path)
    for name, value in headers.items():
        conn.putheader(name, value)
    conn.endheaders()
    try:
        conn.send(head)
        zeros, left = bytes(chunk), size
        while left > 0:
            conn.send(zeros[:min(chunk, left)])
            left -= chunk
        conn.send(tail)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered early and closed: its answer is still there to read
    res = conn.getresponse()
    out = decode_response(res.status, dict(res.getheaders()), res.read())
    conn.close()
    return out


def kept_files(data_dir: Path) -> list[Path]:
    """Return every file the server keeps under ``data_dir/media`` (temporary ones too)."""
    root = data_dir / "media"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def stored_path(data_dir: Path, url: str) -> Path:
    """Return the file kept for a photo URL (``…/media/<id>.jpg`` or ``.thumb.jpg``)."""
    name = url.rsplit("/", 1)[1]
    return data_dir / "media" / name[:2] / name
