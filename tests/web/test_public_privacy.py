"""Property: whatever citizens type, nothing public (the feed, a case, the map, Open311 in JSON
and XML, the public page) carries a phone number, a reporter's name, e-mail or address, or the
exact position of a report (sensitive categories: the res-7 parent's centre)."""

from __future__ import annotations

import json

import h3
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from lxml import etree

from geo.router import Router
from tests.helpers.cases import act
from tests.helpers import ServerThread, server_settings

PHONE_FORMATS = (
    lambda d: f"0{d[:3]} {d[3:6]} {d[6:]}",
    lambda d: f"0{d}",
    lambda d: f"+84 {d[:3]} {d[3:6]} {d[6:]}",
    lambda d: f"(+84) {d[:3]}-{d[3:6]}-{d[6:]}",
    lambda d: f"84{d}",
    lambda d: f"0{d[:3]}.{d[3:6]}.{d[6:]}",
    lambda d: f"sđt:0{d}",
    lambda d: f"0{d[:4]} {d[4:]}",
    lambda d: f"ĐT 0{d[:2]}) {d[2:5]} {d[5:]}",
)
WORDS = st.text(alphabet="abcdeghiklmnopqrstuvxyàáảãạăâđêôơưỳ ,;!?", max_size=30)
ROUTER = Router.default()
CATEGORIES = sorted(
    c.code
    for c in ROUTER.categories.for_kind("report")
    if not c.attributes or not any(a.get("required") for a in c.attributes)
)
SENSITIVE = {c.code for c in ROUTER.categories.all() if c.sensitive}


@st.composite
def citizen_report(draw) -> dict:
    digits = draw(st.from_regex(r"[35789][0-9]{8}", fullmatch=True))
    phone = PHONE_FORMATS[draw(st.integers(0, len(PHONE_FORMATS) - 1))](digits)
    tag = draw(st.from_regex(r"[a-z]{8}", fullmatch=True))
    return {
        "category": draw(st.sampled_from(CATEGORIES)),
        "lat": round(draw(st.floats(16.44, 16.48)), 6),
        "lon": round(draw(st.floats(107.56, 107.62)), 6),
        "digits": digits,
        "phone": phone,
        "before": draw(WORDS),
        "after": draw(WORDS),
        "name": f"Nguyễn Văn {tag.capitalize()}",
        "email": f"{tag}@example.org",
        "address": f"nhà số {draw(st.integers(100, 999))} kiệt {tag}",
    }


@pytest.fixture(scope="module")
def pserver(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("privacy")
    srv = ServerThread(server_settings(tmp, data_dir=tmp), ROUTER, listen=False).start()
    yield srv
    srv.stop()


def _file(srv, token: str, r: dict) -> dict:
    body = {
        "category": r["category"],
        "lat": r["lat"],
        "lon": r["lon"],
        "props": {
            "title": f"{r['before']} {r['phone']}"[:200],
            "description": f"{r['before']} {r['phone']} {r['after']}",
            "address": r["address"],
            "reporter": {"name": r["name"], "phone": f"0{r['digits']}", "email": r["email"]},
        },
    }
    res = srv.http("POST", srv.url + "/api/v1/reports", body, token)
    assert res.status == 201, res.body
    return res.body["case"]


def _public_blobs(srv, ids: list[str]) -> dict[str, str]:
    get = lambda path: srv.http("GET", srv.url + path)  # noqa: E731
    joined = ",".join(ids)
    return {
        "feed": get("/api/v1/public/reports?limit=5000").raw.decode(),
        "map": get("/api/v1/public/reports/map").raw.decode(),
        "cases": json.dumps(
            [get(f"/api/v1/public/reports/{i}").body for i in ids], ensure_ascii=False
        ),
        "open311.json": get(f"/open311/v2/requests.json?service_request_id={joined}").raw.decode(),
        "open311.xml": get(f"/open311/v2/requests.xml?service_request_id={joined}").raw.decode(),
        "page": get("/public").raw.decode(),
    }


def _positions(blobs: dict[str, str], case_id: str) -> list[tuple[float, float]]:
    out = []
    for e in json.loads(blobs["feed"])["cases"] + json.loads(blobs["cases"]):
        if e["id"] == case_id:
            out.append((e["lat"], e["lon"]))
    for f in json.loads(blobs["map"])["features"]:
        if f["id"] == case_id:
            out.append(tuple(reversed(f["geometry"]["coordinates"])))
    for r in json.loads(blobs["open311.json"]):
        if r["service_request_id"] == case_id:
            out.append((r["lat"], r["long"]))
    for r in etree.fromstring(blobs["open311.xml"].encode()):
        if r.findtext("service_request_id") == case_id:
            out.append((float(r.findtext("lat")), float(r.findtext("long"))))
    return out


@hsettings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(reports=st.lists(citizen_report(), min_size=3, max_size=8))
def test_public_outputs_never_leak_contacts_or_sensitive_positions(pserver, reports):
    token = pserver.token("public")
    filed = [_file(pserver, token, r) for r in reports]
    for case, r in list(zip(filed, reports))[::2]:  # units publish results quoting the phone
        if case["status"] != "duplicate":
            agency = pserver.token("agency", case["agency_id"])
            act(pserver, case["id"], "accept", agency)
            act(pserver, case["id"], "resolve", agency, reason=f"Đã gọi lại số {r['phone']}")
    blobs = _public_blobs(pserver, [c["id"] for c in filed])
    for name, blob in blobs.items():
        for r in reports:
            for secret in (r["phone"], r["digits"], r["name"], r["email"], r["address"]):
                assert secret not in blob, (name, secret)
    for case, r in zip(filed, reports):
        res = 7 if r["category"] in SENSITIVE else 9  # the res-9 cell centre, never the point
        parent = h3.cell_to_parent(h3.latlng_to_cell(r["lat"], r["lon"], 9), res)
        centre = tuple(round(v, 5) for v in h3.cell_to_latlng(parent))
        positions = _positions(blobs, case["id"])
        assert len(positions) >= 3 and all(p == centre for p in positions), (positions, centre)
