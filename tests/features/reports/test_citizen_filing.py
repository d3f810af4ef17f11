"""A citizen files without any token (the /report page): the case, its citizen token, the
notice; the filer's own reference never reaches another channel's case; the per-address rate
limit applies; with the citizen token they follow, rate and dispute; nobody else sees their
name or phone."""
from __future__ import annotations

from tests.helpers.cases import act

NAME, PHONE = "Trần Thị Hoa", "0905 123 456"


def _body(**props: object) -> dict:
    return {"category": "environment.waste", "lat": 16.4637, "lon": 107.5909,
            "props": {"description": "Rác ở đầu kiệt", **props}}


def test_a_citizen_files_without_a_token_and_follows_with_the_citizen_token(server):
    filed = server.http("POST", server.url + "/api/v1/reports",
                        _body(reporter={"name": NAME, "phone": PHONE}))
    assert filed.status == 201, filed.body
    case, token = filed.body["case"], filed.body["citizen_token"]
    assert token.startswith(case["id"]) and filed.body["duplicate_of"] is None
    assert filed.body["notice"]["vi"] and filed.body["notice"]["en"]
    assert case["source"]["channel"] == "web"
    mine = server.http("GET", f"{server.url}/api/v1/reports/{case['id']}",
                       headers={"X-Citizen-Token": token})
    assert mine.status == 200 and mine.body["case"]["id"] == case["id"]
    public = server.http("GET", f"{server.url}/api/v1/public/reports/{case['id']}")
    assert public.status == 200
    for text in (mine.body, public.body):
        assert NAME not in str(text) and "0905" not in str(text)
    question = server.http("POST", server.url + "/api/v1/questions",
                           {"category": "question.civil_status", "lat": 16.4637,
                            "lon": 107.5909, "props": {"question": "Làm khai sinh ở đâu?"}})
    assert question.status == 201 and question.body["citizen_token"]


def test_no_token_never_answers_with_another_channels_case(server):
    public = server.token("public")
    zalo = {**_body(reporter={"name": NAME, "phone": PHONE}),
            "source": {"channel": "zalo", "ref": "msg-42"}}
    first = server.http("POST", server.url + "/api/v1/reports", zalo, public)
    assert first.status == 201
    probe = server.http("POST", server.url + "/api/v1/reports", zalo)  # the same ref, no token
    assert probe.status == 201
    assert probe.body["case"]["id"] != first.body["case"]["id"]
    assert probe.body["citizen_token"] != first.body["citizen_token"]


def test_a_retry_with_the_same_key_is_stored_once(server):
    key = {"Idempotency-Key": "6f1c0b7e-3a52-4c8e-9d55-0c1f8a3b2e10"}
    one = server.http("POST", server.url + "/api/v1/reports", _body(), headers=key)
    two = server.http("POST", server.url + "/api/v1/reports", _body(), headers=key)
    assert one.status == two.status == 201 and two.body["replayed"] is True
    assert one.body["case"]["id"] == two.body["case"]["id"]
    assert server.core.store.last_seq() == 1


def test_filing_without_a_token_meets_the_address_limit(make_server):
    srv = make_server(rate_address_burst=3, rate_address_per_s=0.001)
    answers = [srv.http("POST", srv.url + "/api/v1/reports", _body()).status for _ in range(5)]
    assert answers[:3] == [201, 201, 201] and answers[3:] == [429, 429]


def test_a_citizen_rates_and_disputes_with_their_token_only(server):
    agency_filed = server.http("POST", server.url + "/api/v1/reports", _body())
    case_id, token = agency_filed.body["case"]["id"], agency_filed.body["citizen_token"]
    unit = server.token("agency", agency_filed.body["case"]["agency_id"])
    for action in ("accept", "start"):
        assert act(server, case_id, action, unit).status == 200
    assert act(server, case_id, "resolve", unit, reason="Đã thu gom").status == 200
    assert act(server, case_id, "dispute", reason="Vẫn còn rác").status == 401  # no token
    back = act(server, case_id, "dispute", citizen=token, reason="Vẫn còn rác")
    assert back.status == 200 and back.body["case"]["status"] == "routed"
