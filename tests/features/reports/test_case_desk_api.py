"""What the case desk (/cases) asks of the reports API: the work list searched (id, words
without marks, address), filtered by the date filed and sorted (overdue first); an operator
merges a duplicate, hides a report and corrects a place (routed again), each audited; a page that
acts on a version of the case that moved on gets 409 and changes nothing."""

from __future__ import annotations

from tests.helpers import http
from tests.helpers.cases import HOUR, act, desk, file_report
from tests.helpers.dispatch import KIM_TRA

FAR = (16.4420, 107.6200)  # another place in the centre: not a duplicate of CENTRE's reports


def _filed(server, token, **kw) -> dict:
    res = file_report(server, token, **kw)
    assert res.status == 201, res.body
    return res.body["case"]


def _list(server, token, query: str) -> dict:
    res = http("GET", f"{server.url}/api/v1/reports?{query}", token=token)
    assert res.status == 200, res.body
    return res.body


def test_the_work_list_searches_words_ids_and_addresses_without_marks(server):
    pub, operator = server.token("public"), server.token("operator")
    lamp = _filed(server, pub, category="urban_order.streetlight",
                  props={"description": "Đèn đường hỏng trước nhà",
                         "address": "12 Đặng Thái Thân"})
    smoke = _filed(server, pub, lat=FAR[0], lon=FAR[1],
                   props={"description": "Đốt rác gây khói"})
    found = _list(server, operator, "q=dang%20thai%20than")
    assert [c["id"] for c in found["cases"]] == [lamp["id"]]
    assert found["cases"][0]["title"] == "Đèn đường hỏng trước nhà"
    assert found["cases"][0]["address"] == "12 Đặng Thái Thân"
    assert [c["id"] for c in _list(server, operator, "q=DOT%20RAC")["cases"]] == [smoke["id"]]
    assert [c["id"] for c in _list(server, operator, f"q={smoke['id'][:13]}")["cases"]] \
        == [smoke["id"]]
    assert _list(server, operator, "q=khong%20co%20dau")["total"] == 0


def test_the_work_list_filters_by_date_and_sorts_overdue_first(cserver, clock):
    pub, operator = cserver.token("public"), cserver.token("operator")
    old = _filed(cserver, pub, props={"description": "cũ"})
    clock.advance(60 * HOUR)  # past the 48 h of environment.burning
    new = _filed(cserver, pub, lat=FAR[0], lon=FAR[1], props={"description": "mới"})
    both = [old["id"], new["id"]]
    assert [c["id"] for c in _list(cserver, operator, "sort=newest")["cases"]] == both[::-1]
    assert [c["id"] for c in _list(cserver, operator, "sort=overdue")["cases"]] == both
    assert [c["id"] for c in _list(cserver, operator, "sort=oldest")["cases"]] == both
    since = new["observed_at"].replace("+", "%2B")
    assert [c["id"] for c in _list(cserver, operator, f"from={since}")["cases"]] == [new["id"]]
    assert [c["id"] for c in _list(cserver, operator, f"to={since}")["cases"]] == [old["id"]]
    bad = http("GET", f"{cserver.url}/api/v1/reports?sort=random", token=operator)
    assert bad.status == 400 and bad.body["error"]["details"][0]["path"] == "sort"


def test_an_operator_merges_a_duplicate_and_an_agency_may_not(server):
    pub, operator = server.token("public"), server.token("operator")
    first = _filed(server, pub, props={"description": "Rác ở kiệt 5"})
    again = _filed(server, pub, lat=FAR[0], lon=FAR[1], props={"description": "Rác kiệt 5 nữa"})
    assert again["status"] == "routed"  # too far to be linked by itself
    agency = server.token("agency", again["agency_id"])
    assert act(server, again["id"], "merge", agency, duplicate_of=first["id"]).status == 403
    assert act(server, again["id"], "merge", operator).status == 422
    assert act(server, again["id"], "merge", operator, duplicate_of=again["id"]).status == 422
    merged = act(server, again["id"], "merge", operator, duplicate_of=first["id"])
    assert merged.status == 200, merged.body
    case = merged.body["case"]
    assert case["status"] == "duplicate" and case["deadline"] is None
    assert case["props"]["case"]["duplicate_of"] == first["id"]
    detail = http("GET", f"{server.url}/api/v1/reports/{first['id']}", token=operator).body
    assert detail["duplicates"] == [again["id"]] and detail["case"]["props"]["case"]["linked"] == 1
    history = http("GET", f"{server.url}/api/v1/reports/{again['id']}", token=operator).body
    entry = history["history"][-1]
    assert entry["action"] == "merge" and entry["data"]["duplicate_of"] == first["id"]
    assert entry["data"]["from"] == "routed" and entry["data"]["to"] == "duplicate"
    third = _filed(server, pub, lat=KIM_TRA[0], lon=KIM_TRA[1])
    into_dup = act(server, third["id"], "merge", operator, duplicate_of=again["id"])
    assert into_dup.status == 422 and first["id"] in into_dup.body["error"]["message"]
    back = act(server, first["id"], "merge", operator, duplicate_of=third["id"])
    assert back.status == 409  # the original of another report: merge the other way


def test_an_operator_hides_abusive_content_with_a_reason(server):
    case = _filed(server, server.token("public"), props={"description": "Lời lẽ xúc phạm"})
    operator = server.token("operator")
    assert act(server, case["id"], "hide", operator).status == 422
    assert act(server, case["id"], "hide", operator, reason="Ngôn từ xúc phạm").status == 200
    feed = http("GET", server.url + "/api/v1/public/reports").body["cases"]
    assert case["id"] not in [c["id"] for c in feed]
    history = http("GET", f"{server.url}/api/v1/reports/{case['id']}", token=operator).body
    assert history["history"][-1]["reason"] == "Ngôn từ xúc phạm"


def test_a_corrected_location_routes_the_case_again(server):
    case = _filed(server, server.token("public"))
    operator = server.token("operator")
    assert act(server, case["id"], "relocate", operator, reason="sai vị trí",
               lat=KIM_TRA[0]).status == 422
    outside = act(server, case["id"], "relocate", operator, reason="x", lat=10.0, lon=106.0)
    assert outside.status == 422
    moved = act(server, case["id"], "relocate", operator, reason="Người dân chỉ lại chỗ",
                lat=KIM_TRA[0], lon=KIM_TRA[1])
    assert moved.status == 200, moved.body
    new = moved.body["case"]
    assert (new["lat"], new["lon"]) == KIM_TRA and new["status"] == "routed"
    assert new["area"] != case["area"] and new["agency_id"] != case["agency_id"]
    assert new["cell"] != case["cell"] and new["deadline"] != case["deadline"]
    book = desk(server).book.get(case["id"])
    assert book.agency_id == new["agency_id"] and book.area == new["area"]
    old_unit = server.token("agency", case["agency_id"])
    assert http("GET", f"{server.url}/api/v1/reports/{case['id']}", token=old_unit).status == 404


def test_acting_on_a_case_that_moved_on_is_refused_and_changes_nothing(server):
    case = _filed(server, server.token("public"))
    agency = server.token("agency", case["agency_id"])
    seen = case["seq"]
    assert act(server, case["id"], "accept", agency, seq=seen).status == 200
    stale = act(server, case["id"], "request_reject", agency, seq=seen, reason="không phải")
    assert stale.status == 409 and "reload" in stale.body["error"]["message"]
    now = http("GET", f"{server.url}/api/v1/reports/{case['id']}", token=agency).body
    assert now["case"]["status"] == "accepted"
    assert [e["action"] for e in now["history"]][-1] == "accept"


def test_the_case_offers_only_the_actions_open_now(server):
    case = _filed(server, server.token("public"))
    unit = case["agency_id"]
    agency, operator = server.token("agency", unit), server.token("operator")

    def offered(token: str) -> list[str]:
        res = http("GET", f"{server.url}/api/v1/reports/{case['id']}", token=token)
        return res.body["actions"]

    assert "hide" in offered(operator) and "unhide" not in offered(operator)
    assert act(server, case["id"], "hide", operator, reason="spam").status == 200
    assert "unhide" in offered(operator) and "hide" not in offered(operator)
    assert act(server, case["id"], "accept", agency).status == 200
    assert "request_extension" in offered(agency)
    assert act(server, case["id"], "request_extension", agency, hours=12, reason="x").status == 200
    assert "request_extension" not in offered(agency)
    supervisor = server.token("supervisor")
    assert {"approve_extension", "refuse_extension"} <= set(offered(supervisor))
    assert act(server, case["id"], "approve_extension", supervisor).status == 200
    assert not {"approve_extension", "refuse_extension"} & set(offered(supervisor))
