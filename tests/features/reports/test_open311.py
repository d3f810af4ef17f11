"""Open311 GeoReport v2 against the specification, in XML (parsed with lxml, element names
checked) and JSON: required fields, enumerations, error shapes, the +07:00 datetimes."""

from __future__ import annotations

import re
import urllib.parse

import h3
import pytest
from lxml import etree

from tests.helpers.cases import act


@pytest.fixture
def server(app_server):
    """In process: these handlers answer plain requests, no port is opened."""
    return app_server


BASE = "/open311/v2"
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")
SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
POINT = {"lat": "16.4637", "long": "107.5909"}


def xml(res) -> etree._Element:
    assert res.headers["Content-Type"].startswith("text/xml"), res.headers
    assert res.raw.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return etree.fromstring(res.raw)


def post(server, fmt: str = "json", **fields):
    body = urllib.parse.urlencode(fields, doseq=True).encode()
    return server.http("POST", f"{server.url}{BASE}/requests.{fmt}",
        raw=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )


def assert_errors(res, status: int, fmt: str, words: str = "") -> list:
    assert res.status == status, res.raw
    if fmt == "xml":
        root = xml(res)
        assert root.tag == "errors" and len(root) >= 1
        errors = [{c.tag: c.text for c in e} for e in root]
        assert all(e.keys() == {"code", "description"} for e in errors)
    else:
        errors = res.body
        assert isinstance(errors, list) and all(e.keys() == {"code", "description"} for e in errors)
    assert any(words in str(e["description"]) for e in errors), errors
    return errors


def test_service_list_xml_and_json(server):
    root = xml(server.http("GET", f"{server.url}{BASE}/services.xml"))
    assert root.tag == "services" and {c.tag for c in root} == {"service"}
    for svc in root:
        assert [c.tag for c in svc] == SERVICE_FIELDS
        assert svc.findtext("type") in ("realtime", "batch", "blackbox")
        assert svc.findtext("metadata") in ("true", "false")
        assert svc.findtext("service_code") and svc.findtext("service_name")
    services = server.http("GET", f"{server.url}{BASE}/services.json").body
    assert [s["service_code"] for s in services] == [s.findtext("service_code") for s in root]
    assert all(list(s) == SERVICE_FIELDS and isinstance(s["metadata"], bool) for s in services)
    waste = next(s for s in services if s["service_code"] == "environment.waste")
    assert waste["service_name"] == "Rác thải, vệ sinh môi trường" and "rác" in waste["keywords"]


def test_service_definitions(server):
    services = server.http("GET", f"{server.url}{BASE}/services.json").body
    with_meta = [s["service_code"] for s in services if s["metadata"]]
    assert "environment.pollution" in with_meta
    for code in with_meta:
        root = xml(server.http("GET", f"{server.url}{BASE}/services/{code}.xml"))
        assert root.tag == "service_definition" and root.findtext("service_code") == code
        assert [c.tag for c in root] == ["service_code", "attributes"]
        for attr in root.find("attributes"):
            assert attr.tag == "attribute" and [c.tag for c in attr] == ATTRIBUTE_FIELDS
            assert attr.findtext("datatype") in DATATYPES
            assert attr.findtext("variable") in ("true", "false")
            assert attr.findtext("required") in ("true", "false")
            for value in attr.find("values"):
                assert value.tag == "value" and [c.tag for c in value] == ["key", "name"]
    pollution = server.http("GET", f"{server.url}{BASE}/services/environment.pollution.json").body
    [kind] = pollution["attributes"]
    assert kind["datatype"] == "multivaluelist" and kind["required"] is True
    assert {v["key"] for v in kind["values"]} >= {"smoke", "dust"}
    for fmt in ("xml", "json"):
        assert_errors(
            server.http("GET", f"{server.url}{BASE}/services/no.such.{fmt}"), 404, fmt, "not found"
        )


def test_post_errors_follow_the_spec(server):
    key = server.token("public")
    assert_errors(
        post(server, "xml", service_code="environment.waste", **POINT), 403, "xml", "api_key"
    )
    assert_errors(
        post(server, api_key="ioc_nope", service_code="environment.waste", **POINT),
        403,
        "json",
        "api_key",
    )
    assert_errors(post(server, api_key=key, **POINT), 400, "json", "service_code")
    assert_errors(
        post(server, "xml", api_key=key, service_code="parking.fee", **POINT),
        404,
        "xml",
        "not found",
    )
    assert_errors(
        post(server, api_key=key, service_code="environment.waste"), 400, "json", "location"
    )
    assert_errors(
        post(server, api_key=key, service_code="environment.waste", lat="16.46"),
        400,
        "json",
        "together",
    )
    assert_errors(
        post(
            server,
            api_key=key,
            service_code="environment.waste",
            address_string="Hoàn Kiếm, Hà Nội",
        ),
        400,
        "json",
        "commune",
    )
    assert_errors(
        post(server, api_key=key, service_code="environment.waste", address_id="A1"),
        400,
        "json",
        "address_id",
    )
    assert_errors(
        post(server, api_key=key, service_code="environment.waste", lat="21.03", long="105.85"),
        400,
        "json",
        "outside the service region",
    )
    assert_errors(
        post(
            server, api_key=key, service_code="environment.waste", description="x" * 4001, **POINT
        ),
        400,
        "json",
        "4000",
    )
    errors = assert_errors(
        post(server, api_key=key, service_code="environment.pollution", **POINT),
        400,
        "json",
        "required",
    )
    assert "pollution_kind" in errors[0]["description"]
    assert_errors(
        post(
            server,
            api_key=key,
            service_code="environment.waste",
            jurisdiction_id="hanoi.gov.vn",
            **POINT,
        ),
        404,
        "json",
        "jurisdiction_id",
    )
    assert server.core.store.last_seq() == 0


def test_post_then_token_then_request_in_both_formats(server):
    key = server.token("public")
    res = post(
        server,
        "xml",
        api_key=key,
        service_code="environment.pollution",
        **POINT,
        description="Khói đốt rác, SĐT 0914 222 333",
        first_name="Trần",
        last_name="Bình",
        phone="0914222333",
        email="binh@example.org",
        media_url="https://example.org/a.jpg",
        account_id="acc-7",
        **{"attribute[pollution_kind][]": ["smoke", "odour"]},
    )
    assert res.status == 200, res.raw
    root = xml(res)
    assert root.tag == "service_requests" and [c.tag for c in root] == ["request"]
    req = root[0]
    assert [c.tag for c in req] == ["token", "service_notice", "account_id"]  # batch: no id
    assert req.findtext("account_id") == "acc-7" and "Đã chuyển đến" in req.findtext(
        "service_notice"
    )
    token = req.findtext("token")
    tok = xml(server.http("GET", f"{server.url}{BASE}/tokens/{token}.xml"))
    assert [c.tag for c in tok[0]] == ["service_request_id", "token"]
    request_id = tok[0].findtext("service_request_id")
    assert server.http("GET", f"{server.url}{BASE}/tokens/{token}.json").body == [
        {"service_request_id": request_id, "token": token}
    ]
    assert_errors(
        server.http("GET", f"{server.url}{BASE}/tokens/{request_id}-{'0' * 32}.xml"),
        404, "xml", "token"
    )
    one = xml(server.http("GET", f"{server.url}{BASE}/requests/{request_id}.xml"))
    assert one.tag == "service_requests" and [c.tag for c in one[0]] == REQUEST_FIELDS
    fields = {c.tag: c.text for c in one[0]}
    assert fields["status"] == "open" and fields["service_code"] == "environment.pollution"
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C.match(fields[name]), fields[name]
    assert fields["agency_responsible"] and fields["address"].endswith("thành phố Huế")
    assert (
        "0914" not in fields["description"] and fields["media_url"] == "https://example.org/a.jpg"
    )
    as_json = server.http("GET", f"{server.url}{BASE}/requests/{request_id}.json").body
    centre = h3.cell_to_latlng(h3.latlng_to_cell(16.4637, 107.5909, 9))  # never the exact point
    assert list(as_json[0]) == REQUEST_FIELDS and as_json[0]["lat"] == round(centre[0], 5)
    stored = server.core.store.get(request_id)
    assert stored["props"]["attributes"] == {"pollution_kind": ["smoke", "odour"]}
    assert stored["props"]["reporter"] == {
        "name": "Trần Bình",
        "phone": "0914222333",
        "email": "binh@example.org",
    }
    assert stored["source"]["channel"] == "open311"
    assert_errors(
        server.http("GET", f"{server.url}{BASE}/requests/{'0' * 8}-0000-0000-0000-{'0' * 12}.json"),
        404,
        "json",
        "not found",
    )


def test_text_xml_cannot_carry_is_dropped_not_fatal(server):
    res = post(
        server,
        api_key=server.token("public"),
        service_code="environment.waste",
        description="Rác\x0b ở\x00 đây\ttab",
        **POINT,
    )
    assert res.status == 200, res.body
    listed = xml(server.http("GET", f"{server.url}{BASE}/requests.xml"))
    assert listed[0].findtext("description") == "Rác ở đây\ttab"


def test_address_string_is_located_at_its_commune(server):
    res = post(
        server,
        api_key=server.token("public"),
        service_code="environment.waste",
        address_string="Kiệt 12 Lê Lợi, phường Thuận Hóa, TP Huế",
    )
    assert res.status == 200, res.body
    token_url = f"{server.url}{BASE}/tokens/{res.body[0]['token']}.json"
    request_id = server.http("GET", token_url).body[0][
        "service_request_id"
    ]
    stored = server.core.store.get(request_id)
    assert (
        stored["area"]
        == server.router.route(stored["lat"], stored["lon"], "environment.waste").area
    )
    assert stored["props"]["address"].startswith("Kiệt 12")
    public = server.http("GET", f"{server.url}{BASE}/requests/{request_id}.json").body[0]
    assert (
        public["address"]
        == f"{server.router.areaset.by_code(stored['area']).full_name}, thành phố Huế"
    )


def test_search_filters_and_closed_status(server):
    key = server.token("public")
    for lat in ("16.4637", "16.47"):
        assert (
            post(
                server, api_key=key, service_code="environment.waste", lat=lat, long="107.5909"
            ).status
            == 200
        )
    assert post(server, api_key=key, service_code="power.outage", **POINT).status == 200
    everything = server.http("GET", f"{server.url}{BASE}/requests.json").body
    assert len(everything) == 3
    waste = [r for r in everything if r["service_code"] == "environment.waste"]
    first = waste[0]["service_request_id"]
    agency = server.token("agency", server.core.store.get(first)["agency_id"])
    act(server, first, "accept", agency)
    act(server, first, "resolve", agency, reason="Đã dọn sạch")
    closed = server.http("GET", f"{server.url}{BASE}/requests.json?status=closed").body
    assert [(r["service_request_id"], r["status"], r["status_notes"]) for r in closed] == [
        (first, "closed", "Đã dọn sạch")
    ]
    opened = xml(
        server.http("GET", f"{server.url}{BASE}/requests.xml"
                    "?status=open&service_code=environment.waste")
    )
    assert [r.findtext("status") for r in opened] == ["open"]
    ids = ",".join(r["service_request_id"] for r in everything[:2])
    by_ids = server.http("GET", f"{server.url}{BASE}/requests.json?service_request_id={ids}")
    assert len(by_ids.body) == 2
    assert (
        server.http("GET", f"{server.url}{BASE}/requests.json"
            "?start_date=2020-01-01T00:00:00%2B07:00"
            "&end_date=2020-02-01T00:00:00Z",
        ).body
        == []
    )
    assert_errors(
        server.http("GET", f"{server.url}{BASE}/requests.xml?start_date=2025-01-01T00:00:00Z"
            "&end_date=2025-06-01T00:00:00Z",
        ),
        400,
        "xml",
        "90 days",
    )
    assert_errors(
        server.http("GET", f"{server.url}{BASE}/requests.json?start_date=yesterday"),
        400,
        "json",
        "start_date",
    )
    assert_errors(
        server.http("GET", f"{server.url}{BASE}/requests.json?status=pending"),
        400, "json", "status"
    )
    assert_errors(
        server.http("GET", f"{server.url}{BASE}/requests.json?jurisdiction_id=x.org"),
        404,
        "json",
        "jurisdiction_id",
    )
    assert_errors(server.http("GET", f"{server.url}{BASE}/requests.csv"), 400, "xml", "format")
    assert_errors(server.http("GET", f"{server.url}/open311/v3/anything.json"),
                  404, "xml", "nothing at")


def test_duplicate_is_reported_in_service_notice_and_status_notes(server):
    key = server.token("public")
    first = post(server, api_key=key, service_code="environment.waste", **POINT).body[0]
    second = post(server, api_key=key, service_code="environment.waste", **POINT).body[0]
    assert "đã được phản ánh trước đó" in second["service_notice"]
    ids = [
        server.http("GET", f"{server.url}{BASE}/tokens/{r['token']}.json")
        .body[0]["service_request_id"]
        for r in (first, second)
    ]
    dup = server.http("GET", f"{server.url}{BASE}/requests/{ids[1]}.json").body[0]
    assert dup["status"] == "open" and ids[0] in dup["status_notes"]


def test_discovery_document(server):
    root = xml(server.http("GET", f"{server.url}/open311/discovery.xml"))
    assert root.tag == "discovery" and root.findtext("changeset")
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == f"{server.url}/open311/v2"
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]


@pytest.fixture
def realtime_server(make_server):
    """A server whose Open311 service list says realtime."""
    return make_server(listen=False, open311_request_type="realtime")


def test_realtime_type_answers_the_request_id(realtime_server):
    srv = realtime_server
    services = srv.http("GET", f"{srv.url}{BASE}/services.json").body
    assert {s["type"] for s in services} == {"realtime"}
    res = post(srv, api_key=srv.token("public"), service_code="environment.waste", **POINT)
    [answer] = res.body
    assert list(answer) == ["service_request_id", "service_notice", "account_id"]
    assert (
        srv.http("GET", f"{srv.url}{BASE}/requests/{answer['service_request_id']}.json").status
        == 200
    )
