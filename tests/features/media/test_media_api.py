"""``POST /api/v1/media`` on a real server over real sockets: a phone's photo loses its EXIF
(GPS, device), XMP and comment before it is kept; HEIC, PNG and WebP become JPEGs; the type is
read from the bytes (a PDF named .jpg: 415); 50 MB is refused with an answer (413) and never
kept; 11 photos or a broken one: 422; nothing is kept when a request is refused; the photos are
served with their thumbnails, without a token."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.helpers.client import assert_error, http
from tests.helpers.media import (DEVICE, ORIENTATION_ROTATE_90, image_bytes, kept_files,
                                 multipart, pdf_bytes, phone_jpeg, photo, post_files,
                                 stored_path, stream_upload)

MB = 1024 * 1024


@pytest.fixture
def public(server) -> str:
    """The citizens' app token (it may file citizens' cases, so it may upload)."""
    return server.token("public")


def upload(server, token, *files, **kw):
    """POST photos to /api/v1/media."""
    return post_files(server.url + "/api/v1/media", files, token=token, **kw)


def assert_clean(data: bytes) -> None:
    """Assert ``data`` is a JPEG without EXIF, GPS, XMP, ICC, comment or device names."""
    assert data[:3] == b"\xff\xd8\xff"
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "JPEG"
        assert not im.getexif() and not im.info.get("exif") and not im.info.get("xmp")
        assert "icc_profile" not in im.info and "comment" not in im.info
    for secret in [*DEVICE.values(), "GPSLatitude", "shot at home"]:
        assert secret.encode() not in data
    assert b"Exif\x00\x00" not in data and b"http://ns.adobe.com/xap" not in data


def test_a_phone_photo_is_kept_without_its_exif_and_served(server, public):
    original = phone_jpeg((1600, 1200), orientation=ORIENTATION_ROTATE_90)
    with Image.open(io.BytesIO(original)) as im:
        assert im.getexif().get_ifd(0x8825)  # the test photo does carry GPS
    res = upload(server, public, photo(original))
    assert res.status == 201, res.body
    [m] = res.body["media"]
    assert set(m) == {"id", "url", "thumb_url", "width", "height", "bytes", "type"}
    assert m["type"] == "image/jpeg" and (m["width"], m["height"]) == (1200, 1600)  # upright
    assert m["url"] == f"{server.url}/media/{m['id']}.jpg"
    assert m["thumb_url"] == f"{server.url}/media/{m['id']}.thumb.jpg"
    data_dir = server.settings.data_dir
    stored = stored_path(data_dir, m["url"]).read_bytes()
    assert len(stored) == m["bytes"]
    assert_clean(stored)
    thumb = stored_path(data_dir, m["thumb_url"]).read_bytes()
    assert_clean(thumb)
    with Image.open(io.BytesIO(thumb)) as im:
        assert max(im.size) == 320 and im.size == (240, 320)
    got = http("GET", m["url"])  # no token
    assert got.status == 200 and got.raw == stored
    assert got.headers["Content-Type"] == "image/jpeg"
    assert "immutable" in got.headers["Cache-Control"]
    assert http("GET", m["thumb_url"]).raw == thumb
    assert_error(http("GET", f"{server.url}/media/{'0' * 32}.jpg"), 404, "not_found")


def test_a_large_photo_is_scaled_down(server, public):
    res = upload(server, public, photo(phone_jpeg((4000, 3000))))
    assert res.status == 201
    assert (res.body["media"][0]["width"], res.body["media"][0]["height"]) == (2560, 1920)


@pytest.mark.parametrize("fmt, ctype, mode", [("HEIF", "image/heic", "RGB"),
                                              ("PNG", "image/png", "RGBA"),
                                              ("WEBP", "image/webp", "RGB")])
def test_heic_png_and_webp_become_jpegs(server, public, fmt, ctype, mode):
    data = image_bytes(fmt, (640, 480), mode)
    res = upload(server, public, photo(data, f"x.{fmt.lower()}", ctype))
    assert res.status == 201, res.body
    [m] = res.body["media"]
    assert m["type"] == "image/jpeg" and (m["width"], m["height"]) == (640, 480)
    stored = stored_path(server.settings.data_dir, m["url"]).read_bytes()
    assert_clean(stored)
    with Image.open(io.BytesIO(stored)) as im:
        r, g, b = im.getpixel((10, 10))
        assert g > r and g > b  # the colour survived (transparency flattened on white)


def test_one_raw_image_body_is_one_photo(server, public):
    res = http("POST", server.url + "/api/v1/media", token=public,
               raw=image_bytes("HEIF"), headers={"Content-Type": "image/heic"})
    assert res.status == 201 and len(res.body["media"]) == 1
    assert_clean(stored_path(server.settings.data_dir, res.body["media"][0]["url"]).read_bytes())


def test_the_type_is_read_from_the_bytes_not_the_name(server, public):
    err = assert_error(upload(server, public, photo(pdf_bytes(), "invoice.jpg")),
                       415, "unsupported_media_type")
    assert "JPEG, PNG, WebP or HEIC" in err["message"]
    gif = b"GIF89a" + bytes(100)
    assert upload(server, public, photo(gif, "a.png", "image/png")).status == 415
    # a real JPEG named .pdf with a PDF type is still a photo
    ok = upload(server, public, photo(phone_jpeg(), "scan.pdf", "application/pdf"))
    assert ok.status == 201
    assert len(kept_files(server.settings.data_dir)) == 2  # only that one (and its thumbnail)


def test_a_refused_photo_keeps_nothing_of_the_request(server, public):
    res = upload(server, public, photo(), photo(pdf_bytes(), "b.jpg"))
    assert res.status == 415
    assert res.body["error"]["details"][0]["path"] == "file[1]"
    broken = phone_jpeg()[:2000]  # cut short
    err = assert_error(upload(server, public, photo(), photo(broken)), 422, "validation_failed")
    assert "broken" in err["message"]
    assert kept_files(server.settings.data_dir) == []


def test_eleven_photos_are_refused(server, public):
    small = image_bytes("JPEG", (64, 64))
    err = assert_error(upload(server, public, *[photo(small)] * 11), 422, "validation_failed")
    assert "at most 10" in err["message"]
    assert kept_files(server.settings.data_dir) == []
    assert len(upload(server, public, *[photo(small)] * 10).body["media"]) == 10


def test_fifty_megabytes_are_refused_with_an_answer(server, public):
    url = server.url + "/api/v1/media"
    body, ctype = multipart(files=[photo(b"")])
    head, tail = body.split(b"\r\n\r\n\r\n", 1)
    head += b"\r\n\r\n\xff\xd8\xff"  # a JPEG's start, then 50 MB
    res = stream_upload(url, head, 50 * MB, b"\r\n" + tail, ctype, public)
    err = assert_error(res, 413, "too_large")
    assert "10 MB" in err["message"]
    raw = stream_upload(url, b"\xff\xd8\xff", 50 * MB, b"", "image/jpeg", public)
    assert_error(raw, 413, "too_large")
    assert kept_files(server.settings.data_dir) == []
    # the server is still there for the next photo
    assert upload(server, public, photo()).status == 201


def test_who_may_upload(server):
    """(Every role, the responder refused included: tests/web/test_role_matrix.py.)"""
    assert_error(upload(server, None, photo()), 401, "unauthorized")
    unit = next(iter(server.router.agencies.all())).id
    for role in ("public", "agency", "operator", "supervisor", "admin", "wall"):
        token = server.token(role, unit if role == "agency" else None)
        assert upload(server, token, photo(image_bytes("PNG"))).status == 201, role
    assert_error(http("POST", server.url + "/api/v1/media", {"url": "x"}, server.token("admin")),
                 415, "unsupported_media_type")


def test_urls_start_with_the_public_url(make_server):
    srv = make_server(public_url="https://ioc.example.vn")
    res = upload(srv, srv.token("public"), photo())
    assert res.body["media"][0]["url"].startswith("https://ioc.example.vn/media/")


def test_a_malformed_multipart_body_is_a_bad_request(server, public):
    res = http("POST", server.url + "/api/v1/media", token=public, raw=b"--x\r\nnothing",
               headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert_error(res, 400, "bad_request")
    res = http("POST", server.url + "/api/v1/media", token=public, raw=b"",
               headers={"Content-Type": "multipart/form-data"})
    assert_error(res, 400, "bad_request")
