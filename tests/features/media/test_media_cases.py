"""Photos with cases, on both stores, over real sockets: a report or question filed as
multipart (form fields or a JSON part ``case``) holds our photo URLs in ``props.media``; a case
refused keeps no photo; a unit resolves a case with a photo (the result's ``media``); Open311
takes a photo as the part ``media``; a chat channel's image link is fetched from a real HTTP
server and kept clean, the case holding our URL."""
from __future__ import annotations

import hashlib
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest
from PIL import Image

from tests.helpers.cases import COMMUNE_CATEGORY, act
from tests.helpers.client import assert_error, http
from tests.helpers.media import (case_part, image_bytes, kept_files, pdf_bytes, phone_jpeg, photo,
                                 post_files, stored_path)
from tests.features.media.test_media_api import assert_clean

AT = {"lat": "16.4637", "lon": "107.5909"}


@pytest.fixture
def srv(any_server):
    """A real server on each store."""
    return any_server


def file_case(server, token, files, fields=None, kind="reports", headers=None):
    """POST a multipart filing to /api/v1/{kind}."""
    return post_files(f"{server.url}/api/v1/{kind}", files, fields, token, headers)


def test_a_report_filed_with_photos_as_form_fields(srv):
    public = srv.token("public")
    fields = {"category": COMMUNE_CATEGORY, **AT, "description": "Đốt rác gây khói",
              "reporter.name": "Nguyễn Thị Lan", "reporter.phone": "0905 111 222"}
    res = file_case(srv, public, [photo(), photo(image_bytes("HEIF"), "b.heic", "image/heic")],
                    fields)
    assert res.status == 201, res.body
    case = res.body["case"]
    assert case["category"] == COMMUNE_CATEGORY and case["lat"] == pytest.approx(16.4637)
    assert case["props"]["description"] == "Đốt rác gây khói"
    media = case["props"]["media"]
    assert len(media) == 2 and all(u.startswith(f"{srv.url}/media/") for u in media)
    for url in media:
        got = http("GET", url)
        assert got.status == 200
        assert_clean(got.raw)
    stored = srv.core.store.get(case["id"])
    assert stored["props"]["media"] == media
    assert stored["props"]["reporter"] == {"name": "Nguyễn Thị Lan", "phone": "0905 111 222"}
    public_case = http("GET", f"{srv.url}/api/v1/public/reports/{case['id']}").body
    assert public_case["props"]["media"] == media and "reporter" not in public_case["props"]


def test_a_question_filed_with_a_json_part_and_a_photo(srv):
    doc = {"category": "question.civil_status", "lat": 16.4637, "lon": 107.5909,
           "props": {"question": "Giấy tờ khai sinh như ảnh có đủ không?"}}
    res = file_case(srv, srv.token("public"), [photo()], case_part(doc), "questions")
    assert res.status == 201, res.body
    [url] = res.body["case"]["props"]["media"]
    assert res.body["case"]["props"]["question"] == doc["props"]["question"]
    assert_clean(http("GET", url).raw)
    report = {"category": COMMUNE_CATEGORY, "lat": 16.4637, "lon": 107.5909,
              "props": {"description": "Khói", "media": ["https://example.org/before.jpg"]}}
    res = file_case(srv, srv.token("public"), [photo()], case_part(report))
    assert res.status == 201, res.body
    media = res.body["case"]["props"]["media"]
    assert media[0] == "https://example.org/before.jpg" and "/media/" in media[1]


def test_a_refused_case_keeps_no_photo(srv):
    public = srv.token("public")
    data_dir = srv.settings.data_dir
    res = file_case(srv, public, [photo()], {"category": "no.such", **AT})
    assert_error(res, 422, "validation_failed")
    outside = file_case(srv, public, [photo()], {"category": COMMUNE_CATEGORY, "lat": "21.03",
                                                 "lon": "105.85"})
    assert_error(outside, 422, "validation_failed")
    too_many = file_case(srv, public, [photo()] * 11, {"category": COMMUNE_CATEGORY, **AT})
    assert_error(too_many, 422, "validation_failed")
    pdf = file_case(srv, public, [photo(pdf_bytes(), "x.jpg")], {"category": COMMUNE_CATEGORY,
                                                                  **AT})
    assert_error(pdf, 415, "unsupported_media_type")
    assert kept_files(data_dir) == [] and srv.core.store.last_seq() == 0
    wall = file_case(srv, srv.token("wall"), [photo()], {"category": COMMUNE_CATEGORY, **AT})
    assert_error(wall, 403, "forbidden")  # the wall may not file a case, photo or not
    assert kept_files(data_dir) == []


def test_a_replayed_filing_keeps_the_first_photos_only(srv):
    public = srv.token("public")
    fields = {"category": COMMUNE_CATEGORY, **AT}
    key = {"Idempotency-Key": "filing-1"}
    first = file_case(srv, public, [photo()], fields, headers=key)
    again = file_case(srv, public, [photo()], fields, headers=key)
    assert first.status == again.status == 201 and again.body["replayed"]
    assert again.body["case"]["props"]["media"] == first.body["case"]["props"]["media"]
    assert len(kept_files(srv.settings.data_dir)) == 2  # one photo and its thumbnail


def test_a_unit_resolves_a_case_with_a_photo(srv):
    filed = file_case(srv, srv.token("public"), [photo()], {"category": COMMUNE_CATEGORY, **AT})
    case_id, unit = filed.body["case"]["id"], filed.body["case"]["agency_id"]
    agency = srv.token("agency", unit)
    url = f"{srv.url}/api/v1/reports/{case_id}/transitions"
    early = post_files(url, [photo()], {"action": "resolve", "reason": "Đã dọn"}, agency)
    assert_error(early, 409, "conflict")  # not accepted yet: refused, its photo not kept
    assert len(kept_files(srv.settings.data_dir)) == 2  # the filing's photo and thumbnail
    assert act(srv, case_id, "accept", agency).status == 200
    no_reason = post_files(url, [photo()], {"action": "resolve"}, agency)
    assert_error(no_reason, 422, "validation_failed")
    done = post_files(url, [photo()], {"action": "resolve", "reason": "Đã dọn"}, agency)
    assert done.status == 200, done.body
    case = done.body["case"]
    assert case["status"] == "resolved"
    [after] = case["props"]["case"]["result_media"]
    assert after.startswith(f"{srv.url}/media/")
    assert_clean(stored_path(srv.settings.data_dir, after).read_bytes())
    public_case = http("GET", f"{srv.url}/api/v1/public/reports/{case_id}").body
    assert public_case["props"]["case"]["result_media"] == [after]
    before = len(kept_files(srv.settings.data_dir))
    again = post_files(url, [photo()], {"action": "resolve", "reason": "lại"}, agency)
    assert again.status == 409  # not open now: nothing changes, the photo is not kept
    assert len(kept_files(srv.settings.data_dir)) == before


def test_open311_takes_a_photo_as_media(srv):
    key = srv.token("public")
    fields = {"api_key": key, "service_code": "environment.waste", "lat": "16.4637",
              "long": "107.5909", "description": "Rác"}
    res = post_files(f"{srv.url}/open311/v2/requests.json",
                     [photo(phone_jpeg(), "rac.jpg", "image/jpeg", field="media")], fields)
    assert res.status == 200, res.raw
    token = res.body[0]["token"]
    case_id = http("GET", f"{srv.url}/open311/v2/tokens/{token}.json").body[0][
        "service_request_id"]
    one = http("GET", f"{srv.url}/open311/v2/requests/{case_id}.json").body[0]
    assert one["media_url"].startswith(f"{srv.url}/media/")
    assert_clean(http("GET", one["media_url"]).raw)
    pdf = post_files(f"{srv.url}/open311/v2/requests.json",
                     [photo(pdf_bytes(), "a.jpg", field="media")], fields)
    assert pdf.status == 415 and pdf.body[0]["code"] == 415
    plain = http("POST", f"{srv.url}/open311/v2/requests.json",
                 raw="&".join(f"{k}={v}" for k, v in fields.items()).encode(),
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert plain.status == 200  # a form without a photo still files


class ImageServer:
    """A real HTTP server on 127.0.0.1 serving one image at /img.jpg (others: 404), counting
    requests; stands in for a chat platform's photo host."""

    def __init__(self, data: bytes):
        self.data, self.hits = data, 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                outer.hits += 1
                if self.path.startswith("/img.jpg"):
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Content-Length", str(len(outer.data)))
                    self.end_headers()
                    self.wfile.write(outer.data)
                else:
                    self.send_error(404)

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_port}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop serving."""
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def image_host() -> Iterator[ImageServer]:
    """A photo host serving a phone's JPEG (with GPS EXIF)."""
    host = ImageServer(phone_jpeg())
    yield host
    host.close()


def test_a_chat_image_is_fetched_and_kept(make_server, clock, store_url, image_host):
    from tests.features.reports.test_chat_channels import FB_SECRET, FB_VERIFY, messenger_post
    srv = make_server(clock, db=store_url, messenger_app_secret=FB_SECRET,
                      messenger_verify_token=FB_VERIFY)
    at = clock.now() // 1000
    link = f"{image_host.url}/img.jpg?oh=signed-token&oe=expiry"
    gone = f"{image_host.url}/expired.jpg"
    msg = {"sender": {"id": "u1"}, "recipient": {"id": "PAGE"}, "timestamp": at,
           "message": {"mid": "m1", "text": "Cây đổ chắn đường",
                       "attachments": [{"type": "image", "payload": {"url": link}},
                                       {"type": "image", "payload": {"url": gone}}]}}
    assert messenger_post(srv, [msg]).status == 200
    where = {"sender": {"id": "u1"}, "recipient": {"id": "PAGE"}, "timestamp": at,
             "message": {"mid": "m2", "attachments": [{"type": "location", "payload": {
                 "coordinates": {"lat": 16.4637, "long": 107.5909}}}]}}
    [reply] = messenger_post(srv, [where]).body["replies"]
    stored = srv.core.store.get(reply["case_id"])
    kept, missing = stored["props"]["media"]
    assert kept.startswith(f"{srv.url}/media/") and missing == gone  # not fetched: the link
    data = http("GET", kept).raw
    assert_clean(data)
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (1200, 900)
    assert image_host.hits == 2
    sha = hashlib.sha256(data).hexdigest()
    assert sha != hashlib.sha256(image_host.data).hexdigest()  # re-encoded, not copied
    assert json.dumps(stored).count("signed-token") == 0
