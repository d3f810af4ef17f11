"""A request body with photos, read as it arrives: ``multipart/form-data`` (RFC 7578) parsed
chunk by chunk, or one raw image body (``image/*``). No part is held beyond its limit: a file
over ``Limits.max_bytes`` is counted and dropped, files past ``max_files`` are dropped, so a
50 MB upload is refused (413) without being kept in memory. Problems are collected, never
raised while the body arrives (the handler drains the body, then answers); ``form()`` raises
the first one in the one error shape.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser

from typing import Any

import orjson

from server.core.errors import (BadRequest, IOCError, PayloadTooLarge, ValidationFailed,
                                detail)

#: Content types of a raw (non-multipart) photo body.
RAW_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"})
MAX_HEADER_BYTES = 16 * 1024
MAX_PARTS = 64


@dataclass
class Part:
    """One part of the body: its field ``name``, ``filename`` and declared ``content_type``
    (never trusted), its bytes (``data``, empty once dropped) and its full ``size``."""

    name: str
    filename: str | None
    content_type: str
    is_file: bool
    limit: int
    data: bytearray = field(default_factory=bytearray)
    size: int = 0
    dropped: bool = False

    def add(self, chunk: bytes | bytearray) -> None:
        """Append ``chunk``, or only count it once the part is over its limit or dropped."""
        self.size += len(chunk)
        if self.dropped:
            return
        if self.size > self.limit:
            self.dropped = True
            self.data = bytearray()
            return
        self.data += chunk

    @property
    def too_large(self) -> bool:
        """Return True when the part was over its limit."""
        return self.size > self.limit


@dataclass
class Form:
    """What the body carried: text ``fields`` (name → value, the last one wins) and ``files``
    (the photo parts, bytes kept, in order)."""

    fields: dict[str, str]
    files: list[Part]

    def document(self, json_field: str, top: frozenset[str] | None = None,
                 numbers: frozenset[str] = frozenset()) -> dict[str, Any]:
        """Return the JSON document the form stands for: the JSON object of the part named
        ``json_field`` when there is one, else one built from the fields, where ``a.b`` nests
        (``reporter.name``), the names in ``numbers`` are read as numbers when they are, and
        (``top`` given) fields whose first name is not in ``top`` go under ``props``
        (``props.`` may also be written). BadRequest when the JSON part is not an object."""
        if json_field in self.fields:
            try:
                doc = orjson.loads(self.fields[json_field])
            except orjson.JSONDecodeError as exc:
                raise BadRequest(f"the part {json_field!r} is not JSON: {exc}") from None
            if not isinstance(doc, dict):
                raise BadRequest(f"the part {json_field!r} must be a JSON object")
            return doc
        doc: dict[str, Any] = {}
        for name, value in self.fields.items():
            path = name.split(".")
            if top is not None and path[0] != "props" and path[0] not in top:
                path = ["props", *path]
            _put(doc, path, _number(value) if name in numbers else value)
        return doc


@dataclass(frozen=True)
class BodyLimits:
    """How much one request may carry: bytes per photo, photos, bytes per text field."""

    max_bytes: int
    max_files: int
    max_field_bytes: int

    @property
    def request_bytes(self) -> int:
        """Return the largest body worth reading (every photo and field at its limit)."""
        return self.max_files * self.max_bytes + 4 * self.max_field_bytes + 64 * 1024


def _number(value: str) -> float | str:
    """Return ``value`` as a number when it reads as one, else as it is."""
    try:
        return float(value)
    except ValueError:
        return value


def _put(doc: dict[str, Any], path: list[str], value: Any) -> None:
    """Set ``doc[path[0]][path[1]]… = value``; BadRequest when a name is both a value and a
    group."""
    for key in path[:-1]:
        doc = doc.setdefault(key, {})
        if not isinstance(doc, dict):
            raise BadRequest(f"the field {'.'.join(path)!r} conflicts with another field")
    if isinstance(doc.get(path[-1]), dict):
        raise BadRequest(f"the field {'.'.join(path)!r} conflicts with another field")
    doc[path[-1]] = value


def is_upload(content_type: str | None) -> bool:
    """Return True for a ``multipart/form-data`` or raw image ``Content-Type``."""
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    return mime == "multipart/form-data" or mime in RAW_TYPES


def _header(raw: bytes) -> Message:
    return BytesHeaderParser().parsebytes(raw + b"\r\n\r\n")


class UploadReader:
    """Read one upload body (see the module docstring): ``feed`` each chunk, then ``form``.
    ``file_fields`` names the parts that are photos (``file``; Open311: ``media``)."""

    def __init__(self, content_type: str, limits: BodyLimits,
                 file_fields: frozenset[str] = frozenset({"file"})):
        self.limits = limits
        self.file_fields = file_fields
        self.parts: list[Part] = []
        self.errors: list[IOCError] = []
        self._files = 0
        self._buf = bytearray(b"\r\n")
        self._part: Part | None = None
        msg = _header(f"Content-Type: {content_type}".encode("latin-1", "replace"))
        if msg.get_content_type() in RAW_TYPES:
            self._state = "raw"
            self._part = self._new_part("file", None, msg.get_content_type(), True)
            return
        boundary = msg.get_param("boundary")
        if not isinstance(boundary, str) or not 0 < len(boundary) <= 70:
            self._state = "done"
            self.errors.append(BadRequest("multipart/form-data needs a boundary parameter"))
            return
        self._delim = b"\r\n--" + boundary.encode("latin-1", "replace")
        self._state = "preamble"

    def feed(self, chunk: bytes) -> None:
        """Take the next chunk of the body."""
        if self._state == "raw":
            self._part.add(chunk)
        elif self._state != "done":
            self._buf += chunk
            while self._step():
                pass

    def form(self) -> Form:
        """Return the form; raise the first problem found (400 malformed, 413 a photo over the
        limit, 422 too many photos or none)."""
        if self._state == "raw":
            self.parts.append(self._part)
            self._state = "done"
        elif self._state not in ("done",) and not self.errors:
            self.errors.append(BadRequest("the multipart body ends before its closing boundary"))
        self._check()
        if self.errors:
            raise self.errors[0]
        fields = {p.name: p.data.decode("utf-8", "replace") for p in self.parts if not p.is_file}
        # an empty file part is a form's file input left empty: no photo
        return Form(fields, [p for p in self.parts if p.is_file and p.size > 0])

    def _check(self) -> None:
        big = [p for p in self.parts if p.too_large]
        if big:
            max_mb = self.limits.max_bytes / 1024 / 1024
            self.errors.insert(0, PayloadTooLarge(
                f"a photo is larger than {max_mb:g} MB: make it smaller (or send fewer at once)",
                [detail(p.filename or p.name, f"{p.size} bytes; the limit is "
                        f"{p.limit if p.is_file else self.limits.max_field_bytes}")
                 for p in big]))
        if self._files > self.limits.max_files:
            self.errors.append(ValidationFailed(
                f"{self._files} photos sent; at most {self.limits.max_files} at once",
                [detail("file", f"at most {self.limits.max_files} photos")]))

    # -- the multipart state machine ------------------------------------------------------------
    def _step(self) -> bool:
        """Advance over what the buffer holds; return True to be called again."""
        return getattr(self, f"_in_{self._state}")()

    def _in_preamble(self) -> bool:
        i = self._buf.find(self._delim)
        if i < 0:
            del self._buf[:max(0, len(self._buf) - len(self._delim))]
            return False
        del self._buf[:i + len(self._delim)]
        self._state = "delimiter"
        return True

    def _in_delimiter(self) -> bool:
        if len(self._buf) < 2:
            return False
        if self._buf[:2] == b"--":
            self._state, self._buf = "done", bytearray()
            return False
        end = self._buf.find(b"\r\n")
        if end < 0 or self._buf[:end].strip(b" \t"):
            if end >= 0 or len(self._buf) > 1024:
                self._fail("a multipart boundary is not followed by a line end")
            return False
        del self._buf[:end + 2]
        self._state = "headers"
        return True

    def _in_headers(self) -> bool:
        end = self._buf.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buf) > MAX_HEADER_BYTES:
                self._fail("a multipart part's headers are too long")
            return False
        msg = _header(bytes(self._buf[:end]))
        del self._buf[:end + 4]
        name = msg.get_param("name", header="content-disposition")
        if not isinstance(name, str) or len(self.parts) >= MAX_PARTS:
            self._fail("each part needs Content-Disposition: form-data; name=…"
                       if not isinstance(name, str) else f"more than {MAX_PARTS} parts")
            return False
        is_file = name in self.file_fields
        self._files += is_file
        self._part = self._new_part(name, msg.get_filename(), msg.get_content_type(), is_file)
        if is_file and self._files > self.limits.max_files:
            self._part.dropped = True
        self._state = "body"
        return True

    def _in_body(self) -> bool:
        i = self._buf.find(self._delim)
        if i < 0:
            keep = len(self._delim) - 1
            if len(self._buf) > keep:
                self._part.add(self._buf[:-keep])
                del self._buf[:-keep]
            return False
        self._part.add(self._buf[:i])
        del self._buf[:i + len(self._delim)]
        self.parts.append(self._part)
        self._part, self._state = None, "delimiter"
        return True

    def _in_done(self) -> bool:
        self._buf = bytearray()
        return False

    def _new_part(self, name: str, filename: str | None, content_type: str,
                  is_file: bool) -> Part:
        limit = self.limits.max_bytes if is_file else self.limits.max_field_bytes
        return Part(name, filename, content_type, is_file, limit)

    def _fail(self, message: str) -> None:
        self.errors.append(BadRequest(f"malformed multipart body: {message}"))
        self._state, self._buf = "done", bytearray()
