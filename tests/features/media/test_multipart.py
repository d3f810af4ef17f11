"""The upload reader alone: the same body read whole, byte by byte or in odd chunks gives the
same form (a boundary split across chunks is found); a photo over the limit is counted and
dropped, never held; an empty file input is no photo; broken bodies are 400."""
from __future__ import annotations

import pytest

from server.core.errors import BadRequest, PayloadTooLarge, ValidationFailed
from server.features.media.multipart import BodyLimits, UploadReader
from tests.helpers.media import case_part, multipart

LIMITS = BodyLimits(max_bytes=1000, max_files=3, max_field_bytes=500)


def read(body: bytes, ctype: str, chunk: int) -> UploadReader:
    reader = UploadReader(ctype, LIMITS)
    for i in range(0, len(body), chunk):
        reader.feed(body[i:i + chunk])
    return reader


@pytest.mark.parametrize("chunk", [1, 7, 64, 10_000])
def test_chunks_do_not_matter(chunk):
    data = bytes(range(256)) * 3 + b"\r\n--not-the-boundary\r\n"  # near-boundary bytes inside
    body, ctype = multipart({"category": "x.y", "reporter.name": "Lan", **case_part({"a": 1})},
                            [("file", "a.jpg", "image/jpeg", data),
                             ("file", "", "application/octet-stream", b""),
                             ("file", "b.jpg", "image/jpeg", b"\xff\xd8\xff")])
    form = read(body, ctype, chunk).form()
    assert form.fields == {"category": "x.y", "reporter.name": "Lan", "case": '{"a": 1}'}
    assert [bytes(p.data) for p in form.files] == [data, b"\xff\xd8\xff"]
    assert form.document("case") == {"a": 1}


def test_fields_become_a_document():
    body, ctype = multipart({"category": "x.y", "lat": "16.4", "reporter.name": "Lan",
                             "description": "Rác", "props.title": "T"})
    form = read(body, ctype, 5).form()
    doc = form.document("case", frozenset({"category", "lat"}), frozenset({"lat"}))
    assert doc == {"category": "x.y", "lat": 16.4,
                   "props": {"reporter": {"name": "Lan"}, "description": "Rác", "title": "T"}}


def test_a_photo_over_the_limit_is_dropped_and_refused():
    body, ctype = multipart(files=[("file", "big.jpg", "image/jpeg", b"\xff" * 5000)])
    reader = UploadReader(ctype, LIMITS)
    for i in range(0, len(body), 100):
        reader.feed(body[i:i + 100])
        assert all(len(p.data) <= LIMITS.max_bytes for p in [*reader.parts, reader._part] if p)
    with pytest.raises(PayloadTooLarge) as err:
        reader.form()
    assert err.value.details[0]["path"] == "big.jpg"


def test_too_many_photos_are_refused():
    body, ctype = multipart(files=[("file", f"{i}.jpg", "image/jpeg", b"x")
                                   for i in range(4)])
    with pytest.raises(ValidationFailed):
        read(body, ctype, 50).form()


B = "multipart/form-data; boundary=b"


@pytest.mark.parametrize("body, ctype", [
    (b'--b\r\nContent-Disposition: form-data; name="f"\r\n\r\nno end', B),
    (b"--b\r\nX-No-Name: 1\r\n\r\nv\r\n--b--\r\n", B),
    (b"anything", "multipart/form-data"),
    (b"", B),
])
def test_broken_bodies_are_bad_requests(body, ctype):
    with pytest.raises(BadRequest):
        read(body, ctype, 3).form()


def test_a_raw_image_body_is_one_photo():
    form = read(b"\xff\xd8\xff" + bytes(500), "image/jpeg", 64).form()
    assert len(form.files) == 1 and form.files[0].size == 503
