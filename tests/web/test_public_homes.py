"""Public output never shows where a citizen lives: an ordinary report is published at the centre
of its res-9 cell (never the exact point) and house numbers, phone numbers and e-mail addresses
typed into its text are masked, on the public feed, a case, the map, Open311, the public page,
the events API and the websocket; staff still see the original. Both stores."""
from __future__ import annotations

import json

import h3
import pytest

from server.core.privacy import ADDRESS_MASK, PHONE_MASK, mask_personal_text
from tests.helpers import open_ws, recv_json, subscribe
from tests.helpers.cases import COMMUNE_CATEGORY, act

EXACT = (16.463712, 107.590934)
SECRETS = ("số 8/3", "kiệt 12", "hẻm 3/4", "ngõ 5", "nhà 12", "12 Lê Lợi", "0905,111,222",
           "0905_111_222", "0905.111.222", "0905 111 222", "0905–111–222", "+84 905 222 333",
           "an.nguyen@example.org", "0905", "905 222", "@example")
DESCRIPTION = ("Rác trước nhà số 8/3, kiệt 12 (hẻm 3/4, ngõ 5, nhà 12, 12 Lê Lợi). Gọi "
               "0905,111,222 / 0905_111_222 / 0905.111.222 / 0905 111 222 / 0905–111–222 / "
               "+84 905 222 333, an.nguyen@example.org")


@pytest.mark.parametrize("text", [
    "số 8", "số 8/3", "kiệt 12", "hẻm 3/4", "ngõ 5", "nhà 12", "12 Lê Lợi", "0905,111,222",
    "0905_111_222", "0905.111.222", "0905 111 222", "0905–111–222", "0905-111-222",
    "+84 905 111 222", "09051112222"])
def test_house_and_phone_numbers_are_masked(text):
    out = mask_personal_text(f"gần {text} nhé")
    assert not any(ch.isdigit() for ch in out) and (ADDRESS_MASK in out or PHONE_MASK in out)


def test_ordinary_numbers_stay():
    assert mask_personal_text("ngập 30 cm lúc 10:30, 3 hộ") == "ngập 30 cm lúc 10:30, 3 hộ"


def _public_texts(srv, case_id: str) -> dict[str, str]:
    get = lambda path, token=None: srv.http("GET", srv.url + path, None, token).raw.decode()  # noqa: E731
    public = srv.token("public")
    with open_ws(srv, public) as ws:
        subscribe(ws, since=0)
        frame = json.dumps(recv_json(ws), ensure_ascii=False)
    return {
        "feed": get("/api/v1/public/reports?limit=5000"),
        "case": get(f"/api/v1/public/reports/{case_id}"),
        "map": get("/api/v1/public/reports/map"),
        "open311": get(f"/open311/v2/requests.json?service_request_id={case_id}"),
        "open311.xml": get(f"/open311/v2/requests.xml?service_request_id={case_id}"),
        "page": get("/public"),
        "events": get(f"/api/v1/events/{case_id}", public),
        "ws": frame,
    }


def test_public_outputs_hide_homes_staff_see_them(any_server):
    srv = any_server
    body = {"category": COMMUNE_CATEGORY, "lat": EXACT[0], "lon": EXACT[1],
            "props": {"title": "Rác ở kiệt 12", "description": DESCRIPTION}}
    res = srv.http("POST", srv.url + "/api/v1/reports", body, srv.token("public"))
    assert res.status == 201, res.body
    case = res.body["case"]
    agency = srv.token("agency", case["agency_id"])
    assert act(srv, case["id"], "accept", agency).status == 200
    result = "Đã dọn trước nhà số 8/3, gọi 0905.111.222"
    done = act(srv, case["id"], "resolve", agency, reason=result)
    assert done.status == 200, done.body
    centre = tuple(round(v, 5) for v in h3.cell_to_latlng(h3.latlng_to_cell(*EXACT, 9)))
    texts = _public_texts(srv, case["id"])
    for name, text in texts.items():
        for secret in SECRETS + (str(EXACT[0]), str(EXACT[1])):
            assert secret not in text, (name, secret)
    public = json.loads(texts["case"])
    assert (public["lat"], public["lon"]) == centre
    assert ADDRESS_MASK in public["props"]["description"]
    feature = json.loads(texts["map"])["features"][0]
    assert tuple(reversed(feature["geometry"]["coordinates"])) == centre
    staff = srv.http("GET", f"{srv.url}/api/v1/events/{case['id']}", None, srv.token("operator"))
    assert staff.body["props"]["description"] == DESCRIPTION
    assert (staff.body["lat"], staff.body["lon"]) == EXACT
