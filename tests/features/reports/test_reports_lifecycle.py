"""The whole life of a field report through HTTP, with every role: filing, work lists, the
lifecycle table, transfer, extension, rejection, rating, dispute, moderation; audited and
streamed; each unit acts on its own cases only."""

from __future__ import annotations

import json
import re

from tests.helpers.cases import act, file_report, outsider_unit, peer_unit
from tests.helpers import collect_events, http, open_ws, recv_json

RFC3339_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+07:00$")


def _filed(server, token, **kw):
    res = file_report(server, token, **kw)
    assert res.status == 201, res.body
    return res.body


def test_filing_answers_case_token_and_notice(server):
    body = _filed(
        server,
        server.token("public"),
        props={"description": "Rác ùn ứ", "reporter": {"name": "Lê Văn A", "phone": "0905123456"}},
    )
    case = body["case"]
    assert case["kind"] == "report" and case["status"] == "routed" and case["deadline"]
    assert case["props"]["case"]["due_original"] == case["deadline"]
    assert body["duplicate_of"] is None and body["replayed"] is False
    assert body["notice"]["vi"].startswith("Đã chuyển đến") and body["notice"]["en"]
    assert body["citizen_token"].startswith(case["id"] + "-")
    res = http(
        "GET",
        f"{server.url}/api/v1/reports/{case['id']}",
        headers={"X-Citizen-Token": body["citizen_token"]},
    )
    assert res.status == 200 and res.body["actions"] == [] and "history" not in res.body
    assert "reporter" not in res.body["case"]["props"]  # the citizen sees the public form


def test_full_lifecycle_with_roles_audit_and_stream(server):
    filed = _filed(server, server.token("public"))
    case_id, unit = filed["case"]["id"], filed["case"]["agency_id"]
    agency, operator = server.token("agency", unit), server.token("operator")
    stranger = server.token("agency", peer_unit(server.router, unit))
    with open_ws(server, operator) as ws:
        ws.send(
            json.dumps(
                {"op": "subscribe", "layers": ["reports"], "since": server.core.store.last_seq()}
            )
        )
        assert recv_json(ws)["op"] == "subscribed"
        assert act(server, case_id, "accept", stranger).status == 404  # not its case
        assert act(server, case_id, "accept", server.token("wall")).status == 403
        assert act(server, case_id, "resolve", agency, reason="x").status == 409  # not yet accepted
        assert act(server, case_id, "accept", agency).body["case"]["status"] == "accepted"
        assert act(server, case_id, "start", agency).status == 200
        no_reason = act(server, case_id, "resolve", agency)
        assert no_reason.status == 422 and no_reason.body["error"]["details"][0]["path"] == "reason"
        done = act(
            server,
            case_id,
            "resolve",
            agency,
            reason="Đã thu gom, gọi 0905 111 222",
            media=["https://example.org/after.jpg"],
        ).body["case"]
        assert done["status"] == "resolved" and done["props"]["case"]["outcome"] == "on_time"
        streamed = collect_events(ws, done["seq"])
    assert [e["status"] for e in streamed if e["id"] == case_id] == [
        "accepted",
        "in_progress",
        "resolved",
    ]
    citizen = filed["citizen_token"]
    assert (
        act(server, case_id, "rate", citizen="ioc_forged" + citizen[10:], rating="satisfied").status
        == 401
    )
    rated = act(server, case_id, "rate", citizen=citizen, rating="satisfied").body["case"]
    assert rated["status"] == "closed" and rated["props"]["case"]["rating"] == "satisfied"
    assert (
        "[số điện thoại đã ẩn]" in rated["props"]["case"]["result"]
    )  # citizens get the public form
    detail = http("GET", f"{server.url}/api/v1/reports/{case_id}", token=operator).body
    history = detail["history"]
    assert [h["action"] for h in history] == ["accept", "start", "resolve", "rate"]
    assert [h["role"] for h in history] == ["agency", "agency", "agency", "citizen"]
    assert all(RFC3339_OFFSET.match(h["at"]) and h["actor"] for h in history)
    assert history[2]["reason"].startswith("Đã thu gom") and history[2]["data"]["to"] == "resolved"


def test_work_lists_are_scoped(server):
    pub = server.token("public")
    mine = _filed(server, pub)["case"]
    other_unit = peer_unit(server.router, mine["agency_id"])
    agency = server.token("agency", mine["agency_id"])
    listed = http("GET", server.url + "/api/v1/reports?status=open", token=agency).body
    assert [c["id"] for c in listed["cases"]] == [mine["id"]]
    other = http(
        "GET", server.url + "/api/v1/reports", token=server.token("agency", other_unit)
    ).body
    assert other == {"cases": [], "total": 0}
    assert http("GET", server.url + "/api/v1/reports", token=pub).status == 403
    assert (
        http(
            "GET", server.url + "/api/v1/reports?status=nonsense", token=server.token("operator")
        ).status
        == 400
    )
    kpis = http("GET", server.url + "/api/v1/reports/kpis?by=agency", token=agency).body
    assert [r["key"] for r in kpis["rows"]] == [mine["agency_id"]]


def test_transfer_reroutes_to_another_unit(server):
    filed = _filed(server, server.token("public"))["case"]
    old = filed["agency_id"]
    new = peer_unit(server.router, old)
    agency = server.token("agency", old)
    assert act(server, filed["id"], "transfer", agency).status == 422  # a reason is required
    same = act(server, filed["id"], "transfer", agency, reason="nhầm", agency_id=old)
    assert same.status == 422
    moved = act(
        server, filed["id"], "transfer", agency, reason="Không thuộc địa bàn", agency_id=new
    ).body["case"]
    assert moved["agency_id"] == new and moved["status"] == "routed"
    assert moved["props"]["case"]["transfers"] == 1
    assert http("GET", f"{server.url}/api/v1/reports/{filed['id']}", token=agency).status == 404
    assert act(server, filed["id"], "accept", server.token("agency", new)).status == 200
    rerouted = act(
        server,
        filed["id"],
        "transfer",
        server.token("operator"),
        reason="Phân loại lại",
        category="urban_order.sidewalk",
    ).body["case"]
    expected = server.router.route(filed["lat"], filed["lon"], "urban_order.sidewalk").agency_id
    assert rerouted["category"] == "urban_order.sidewalk" and rerouted["agency_id"] == expected
    assert rerouted["status"] == "routed" and rerouted["deadline"] != moved["deadline"]


def test_extension_needs_the_supervisor(server):
    filed = _filed(server, server.token("public"))["case"]
    unit = server.router.agencies.get(filed["agency_id"])
    agency = server.token("agency", unit.id)
    assert act(server, filed["id"], "request_extension", agency, reason="vật tư").status == 422
    asked = act(server, filed["id"], "request_extension", agency, reason="Chờ vật tư", hours=24)
    assert asked.body["case"]["props"]["case"]["extension"]["state"] == "requested"
    assert act(server, filed["id"], "approve_extension", agency).status == 403
    outsider = server.token("supervisor", outsider_unit(server.router, unit.id))
    assert act(server, filed["id"], "approve_extension", outsider).status == 404
    boss = server.token("supervisor", unit.parent) if unit.parent else server.token("supervisor")
    ok = act(server, filed["id"], "approve_extension", boss).body["case"]
    assert ok["props"]["case"]["extension"]["state"] == "approved"
    from server.core.timefmt import parse_rfc3339

    assert parse_rfc3339(ok["deadline"]) - parse_rfc3339(filed["deadline"]) == 24 * 3600 * 10**6
    assert act(server, filed["id"], "approve_extension", boss).status == 409  # nothing pending


def test_rejection_is_confirmed_or_refused_by_the_supervisor(server):
    pub = server.token("public")
    first = _filed(server, pub)["case"]
    second = _filed(
        server,
        pub,
        category="traffic.road_damage",
        props={"description": "Ổ gà", "attributes": {"damage": "pothole"}},
    )["case"]
    boss = server.token("supervisor")
    for case, decision in ((first, "confirm_reject"), (second, "refuse_reject")):
        agency = server.token("agency", case["agency_id"])
        act(server, case["id"], "accept", agency)
        asked = act(server, case["id"], "request_reject", agency, reason="Tranh chấp dân sự")
        assert asked.body["case"]["status"] == "reject_requested"
        payload = {"reason": "Thuộc thẩm quyền"} if decision == "refuse_reject" else {}
        assert (
            act(
                server, case["id"], decision, server.token("agency", case["agency_id"]), **payload
            ).status
            == 403
        )
        res = act(server, case["id"], decision, boss, **payload).body["case"]
        expected = "rejected" if decision == "confirm_reject" else "accepted"
        assert res["status"] == expected


def test_citizen_dispute_reopens_the_case(server):
    filed = _filed(server, server.token("public"))
    case_id, citizen = filed["case"]["id"], filed["citizen_token"]
    agency = server.token("agency", filed["case"]["agency_id"])
    assert act(server, case_id, "dispute", citizen=citizen, reason="chưa xong").status == 409
    act(server, case_id, "accept", agency)
    act(server, case_id, "resolve", agency, reason="Đã xử lý")
    assert act(server, case_id, "accept", citizen=citizen).status == 403
    reopened = act(server, case_id, "dispute", citizen=citizen, reason="Rác vẫn còn").body["case"]
    assert reopened["status"] == "routed"
    assert reopened["props"]["case"]["reopened"] == 1
    assert reopened["props"]["case"]["rating"] == "not_satisfied"
    assert "resolved_at" not in reopened["props"]["case"]


def test_moderation_hides_content_from_the_public_and_keeps_the_reason(server):
    filed = _filed(server, server.token("public"), props={"description": "Nội dung xúc phạm"})
    case_id = filed["case"]["id"]
    agency = server.token("agency", filed["case"]["agency_id"])
    assert act(server, case_id, "hide", agency, reason="vi phạm").status == 403
    admin = server.token("admin")
    assert act(server, case_id, "hide", admin).status == 422
    assert act(server, case_id, "hide", admin, reason="Ngôn từ xúc phạm").status == 200
    feed = http("GET", server.url + "/api/v1/public/reports").body["cases"]
    assert case_id not in [c["id"] for c in feed]
    one = http("GET", f"{server.url}/api/v1/public/reports/{case_id}").body
    assert one["props"]["hidden"] is True and "description" not in one["props"]
    assert "Ngôn từ" not in json.dumps(one, ensure_ascii=False)
    history = http("GET", f"{server.url}/api/v1/reports/{case_id}", token=admin).body["history"]
    assert history[-1]["action"] == "hide" and history[-1]["reason"] == "Ngôn từ xúc phạm"
    assert act(server, case_id, "unhide", admin).status == 200
    feed = http("GET", server.url + "/api/v1/public/reports").body["cases"]
    assert case_id in [c["id"] for c in feed]


def test_questions_are_routed_answered_and_published(server):
    pub = server.token("public")
    empty = file_report(server, pub, kind="question", props={"question": "  "})
    assert empty.status == 422 and empty.body["error"]["details"][0]["path"] == "props.question"
    filed = _filed_question(server, pub)
    agency = server.token("agency", filed["agency_id"])
    assert act(server, filed["id"], "accept", agency, kind="question").status == 422
    answered = act(
        server,
        filed["id"],
        "answer",
        agency,
        kind="question",
        reason="Cần tờ khai và giấy chứng sinh.",
    ).body["case"]
    assert answered["status"] == "answered"
    public = http("GET", server.url + "/api/v1/public/questions").body["cases"]
    assert public[0]["props"]["case"]["answer"] == "Cần tờ khai và giấy chứng sinh."
    figures = http("GET", server.url + "/api/v1/public/questions/kpis?by=all").body["total"]
    assert figures["received"] == 1 and figures["processed_pct"] == 100.0
    page = http("GET", server.url + "/public")
    assert page.status == 200 and "Cần tờ khai" in page.raw.decode()


def _filed_question(server, token):
    res = file_report(server, token, kind="question")
    assert res.status == 201, res.body
    return res.body["case"]


def test_lifecycle_table_is_published(server):
    actions = http("GET", server.url + "/api/v1/reports/actions").body["actions"]
    by_name = {a["name"]: a for a in actions}
    assert by_name["accept"]["from"] == ["routed"] and by_name["accept"]["to"] == "accepted"
    assert "citizen" in by_name["dispute"]["roles"] and by_name["dispute"]["reason"]
    assert "answer" not in by_name
