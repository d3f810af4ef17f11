"""Flood operations on a real server: hotline and SOS intake, triage and override, repeat callers,
units, dispatch to "rescued" through the tablet API, access, and the wall's figures."""
from __future__ import annotations

import re
import time

import pytest

from server.core.kinds import public_position
from server.features.dispatch.triage import RULES, assess, priority_of
from tests.helpers.dispatch import (CENTRE, KIM_TRA, call_act, desk, file_call, hotline, seed,
                                    tablet_token)
from tests.helpers import collect_events, http, open_ws, recv_json, subscribe
from tests.helpers.server import ROOT

PRIVATE = ("0905", "Nguyễn Thị Lan", "Thôn 3", "kiệt 12", "nước lên tới mái")


def test_hotline_call_reaches_the_wall_through_the_websocket_within_a_second(server, operator,
                                                                            wall):
    with open_ws(server, wall) as ws:
        subscribe(ws, layers=("hotline_calls", "sos"))
        t0 = time.monotonic()
        call = file_call(server, operator)
        frame = recv_json(ws, timeout=1.0)
        elapsed = time.monotonic() - t0
    assert frame["op"] == "events" and [e["id"] for e in frame["events"]] == [call["id"]]
    assert elapsed < 1.0
    seen = frame["events"][0]
    assert seen["status"] == "triaged" and seen["props"]["triage"]["priority"] == 1
    assert seen["props"]["phone"] == "0905 111 222"  # the wall is staff: it sees the caller
    assert seen["agency_id"] == "ubnd-20017" and "bchqs-hue" in seen["copied_to"]


@pytest.mark.parametrize("category,props,priority,reasons", [
    ("sos.labour", {"needs": [], "people": 1}, 1, {"need.labour:+60"}),
    ("sos.medical", {"needs": ["cardiac"], "people": 1}, 1,
     {"need.cardiac:+60", "need.medical:+40"}),
    ("sos.trapped", {"needs": ["trapped"], "people": 1}, 2, {"need.trapped:+35"}),
    ("sos.trapped", {"needs": ["trapped"], "water_depth_m": 1.2, "people": 1}, 1,
     {"need.trapped:+35", "water.over_1m:+15", "trapped.rising_water:+20"}),
    ("sos.other", {"needs": ["elderly_alone"], "people": 1}, 3, {"need.elderly_alone:+25"}),
    ("sos.other", {"needs": ["elderly_alone"], "water_depth_m": 1.0, "people": 1}, 2,
     {"need.elderly_alone:+25", "water.over_1m:+15"}),
    ("sos.other", {"needs": ["children"], "people": 4}, 3, {"need.children:+15", "people:+6"}),
    ("rescue.supplies", {"needs": [], "people": 1}, 4, {"need.food_water:+5"}),
])
def test_triage_follows_the_rule_table_and_explains_itself(server, operator, category, props,
                                                           priority, reasons):
    body = hotline(category=category)
    body["props"].update({"water_depth_m": None, **props})
    body["props"] = {k: v for k, v in body["props"].items() if v is not None}
    call = file_call(server, operator, body)
    triage = call["props"]["triage"]
    assert triage["priority"] == triage["computed"] == priority
    assert set(triage["reasons"]) == reasons
    assert triage["score"] == sum(float(r.split(":+")[1]) for r in reasons)
    preview = http("POST", server.url + "/api/v1/calls/triage",
                   {"category": category, **{k: v for k, v in body["props"].items()
                                             if k in ("needs", "people", "water_depth_m")}},
                   operator).body
    assert preview == triage


def test_rule_table_is_served_and_its_cuts_hold():
    assert [priority_of(s) for s in (60, 59.9, 35, 34, 15, 14.5, 0)] == [1, 2, 2, 3, 3, 4, 4]
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes))
    waiting = assess({"needs": ["food_water"], "people": 3}, "sos.other", 61 * 60_000_000)
    assert waiting["reasons"] == ["need.food_water:+5", "people:+4", "waiting:+6"]
    assert waiting["priority"] == 3


def test_the_documented_triage_table_is_the_codes():
    doc = (ROOT / "docs" / "FLOOD_OPERATIONS.md").read_text()
    rows = re.findall(r"^\| `([a-z0-9_.]+)` \| (.+?) \| \+(\d+)(?: each, at most \+(\d+))? \|$",
                      doc, re.M)
    expected = [(r.code, f"{r.vi} / {r.en}", f"{r.points:g}", f"{r.cap:g}" if r.cap else "")
                for r in RULES]
    assert rows == expected


def test_operator_overrides_the_priority_with_a_reason_audited(server, operator):
    call = file_call(server, operator, hotline(category="rescue.supplies", needs=["food_water"],
                                               people=1, water_depth_m=0.2))
    assert call["props"]["triage"]["priority"] == 4 and call["severity"] == "minor"
    missing = call_act(server, call["id"], "triage", operator, priority=2)
    assert missing.status == 422 and missing.body["error"]["details"][0]["path"] == "reason"
    res = call_act(server, call["id"], "triage", operator, priority=2,
                   reason="Người nhà báo có người bị tiểu đường hết thuốc")
    assert res.status == 200
    triage = res.body["call"]["props"]["triage"]
    assert (triage["priority"], triage["computed"]) == (2, 4)
    assert res.body["call"]["severity"] == "severe"  # the severity follows the priority
    assert triage["override"]["reason"].startswith("Người nhà") and triage["override"]["by"]
    again = call_act(server, call["id"], "triage", operator, priority=2,
                     reason="Người nhà báo có người bị tiểu đường hết thuốc")
    assert again.body["replayed"] is True and again.body["call"]["seq"] == res.body["call"]["seq"]
    back = call_act(server, call["id"], "triage", operator, priority=4).body["call"]
    assert back["props"]["triage"]["priority"] == 4 and "override" not in back["props"]["triage"]
    assert back["severity"] == "minor"
    history = http("GET", f"{server.url}/api/v1/calls/{call['id']}", token=operator).body["history"]
    overrides = [h for h in history if h["action"] == "triage"]
    assert [h["data"]["priority"] for h in overrides] == [[4, 2], [2, 4]]
    assert overrides[0]["reason"].startswith("Người nhà") and overrides[0]["role"] == "operator"
    assert call_act(server, call["id"], "triage", server.token("wall"), priority=1,
                    reason="x").status == 403


def test_a_call_logged_with_an_override_keeps_both(server, operator):
    body = {**hotline(category="sos.other", needs=["children"], water_depth_m=None, people=1),
            "override": {"priority": 1, "reason": "Trẻ sơ sinh sốt cao"}}
    res = http("POST", server.url + "/api/v1/calls", body, operator)
    assert res.status == 201
    triage = res.body["call"]["props"]["triage"]
    assert (triage["priority"], triage["computed"]) == (1, 3)
    assert res.body["call"]["severity"] == "extreme"  # a P1 call is not of unknown severity
    forged = {**hotline(), "props": {**hotline()["props"],
                                     "triage": {"priority": 4, "score": 0}}}
    assert file_call(server, operator, forged)["props"]["triage"]["priority"] == 1  # server's


def test_waiting_calls_climb_as_time_passes(cserver, clock):
    operator = cserver.token("operator")
    call = file_call(cserver, operator, hotline(category="rescue.supplies", needs=["food_water"],
                                                people=3, water_depth_m=None))
    assert call["props"]["triage"]["priority"] == 4
    assert cserver.call(desk(cserver).retriage()) == []
    clock.advance(61 * 60)
    assert cserver.call(desk(cserver).retriage()) == [call["id"]]
    detail = http("GET", f"{cserver.url}/api/v1/calls/{call['id']}", token=operator).body
    assert detail["call"]["props"]["triage"]["priority"] == 3
    assert "waiting:+6" in detail["call"]["props"]["triage"]["reasons"]
    assert detail["history"][-1]["action"] == "retriage"
    assert detail["history"][-1]["data"]["priority"] == [4, 3]
    assert cserver.call(desk(cserver).retriage()) == []  # nothing changes twice


def test_repeat_sos_from_one_phone_joins_the_open_call(server, operator):
    public = server.token("public")
    sos = {"lat": KIM_TRA[0], "lon": KIM_TRA[1], "phone": "0905 333 444", "needs": ["trapped"],
           "note": "nước lên tới mái", "ref": "app-1"}
    first = http("POST", server.url + "/api/v1/sos", sos, public)
    assert first.status == 201 and first.body["repeat_of"] is None
    assert "1900 1075" in first.body["notice"]["vi"]
    assert not any(p in str(first.body) for p in PRIVATE)  # the public answer is the public form
    again = {**sos, "phone": "+84 905 333 444", "water_depth_m": 1.5, "ref": "app-2"}
    second = http("POST", server.url + "/api/v1/sos", again, public)
    assert second.status == 200 and second.body["repeat_of"] == first.body["sos"]["id"]
    retry = http("POST", server.url + "/api/v1/sos", again, public)
    assert retry.body["replayed"] is True
    retry_first = http("POST", server.url + "/api/v1/sos", sos, public)
    assert retry_first.body["replayed"] is True
    assert http("POST", server.url + "/api/v1/sos", again, server.token("wall")).status == 403
    calls = http("GET", server.url + "/api/v1/calls", token=operator).body
    assert calls["total"] == 1
    [call] = calls["calls"]
    assert len(call["props"]["dispatch"]["repeats"]) == 1 and call["props"]["water_depth_m"] == 1.5
    assert "repeat:+5" in call["props"]["triage"]["reasons"]
    assert call["props"]["triage"]["priority"] == 1  # trapped, 1.5 m, called again
    joined = http("POST", server.url + "/api/v1/sos", {**again, "ref": "app-3"})  # no token
    assert joined.status == 200 and joined.body["repeat_of"] == first.body["sos"]["id"]
    assert not any(p in str(joined.body) for p in PRIVATE)  # nor the phone, notes or name


def test_hotline_sees_earlier_calls_and_links_instead_of_logging_twice(server, operator):
    first = file_call(server, operator)
    near = (KIM_TRA[0] + 0.0015, KIM_TRA[1])  # ~170 m north: a neighbouring H3 cell at most
    url = server.url + "/api/v1/calls/related"
    by_phone = http("GET", url + "?phone=%2B84905111222", token=operator).body["calls"]
    assert [(c["call"]["id"], c["match"]) for c in by_phone] == [(first["id"], ["phone"])]
    by_place = http("GET", f"{url}?lat={near[0]}&lon={near[1]}", token=operator).body["calls"]
    assert [c["call"]["id"] for c in by_place] == [first["id"]]
    assert by_place[0]["match"] == ["place"]
    far = http("GET", f"{url}?lat={CENTRE[0]}&lon={CENTRE[1]}&phone=0911000000", token=operator)
    assert far.body["calls"] == []
    linked = call_act(server, first["id"], "repeat", operator, ref="hotline-2",
                      needs=["elderly_alone"], people=3, note="Gọi lại: nước vẫn lên")
    assert linked.status == 200
    props = linked.body["call"]["props"]
    assert props["needs"] == ["elderly_alone", "trapped"] and props["people"] == 3
    assert props["dispatch"]["repeats"][0]["channel"] == "hotline"
    again = call_act(server, first["id"], "repeat", operator, ref="hotline-2", people=3)
    assert again.body["replayed"] is True
    assert http("GET", server.url + "/api/v1/calls", token=operator).body["total"] == 1
    bad = http("POST", server.url + "/api/v1/calls", hotline(sos_id=first["id"]), operator)
    assert bad.status == 422 and bad.body["error"]["details"][0]["path"] == "props.sos_id"


def test_dispatch_cycle_from_call_to_rescued_through_the_tablet(server, operator, wall):
    assert seed(server) == 18
    call = file_call(server, operator)
    suggestions = http("GET", f"{server.url}/api/v1/calls/{call['id']}/suggestions?n=3",
                       token=operator).body
    assert suggestions["method"] == "great_circle" and suggestions["required"] == ["boat"]
    best = suggestions["units"][0]
    assert best["suitable"] and "boat" in best["capabilities"]
    distances = [u["distance_m"] for u in suggestions["units"] if u["suitable"]]
    assert distances == sorted(distances)
    unit_id = best["unit_id"]
    tablet = tablet_token(server, operator, unit_id)
    with open_ws(server, wall) as ws:
        subscribe(ws, since=call["seq"], layers=("hotline_calls", "responders"))
        assigned = call_act(server, call["id"], "assign", operator, unit_id=unit_id)
        assert assigned.status == 200
        assert (assigned.body["call"]["status"], assigned.body["unit"]["status"]) == \
            ("assigned", "assigned")
        assert assigned.body["unit"]["props"]["assignment"]["case_id"] == call["id"]
        streamed = collect_events(ws, until_seq=assigned.body["unit"]["seq"])
    assert {(e["kind"], e["status"]) for e in streamed} == {("hotline_call", "assigned"),
                                                           ("responder", "assigned")}
    view = http("GET", server.url + "/api/v1/units/me", token=tablet).body
    assert view["unit"]["props"]["unit_id"] == unit_id
    [mine] = view["calls"]
    assert mine["call"]["props"]["phone"] == "0905 111 222"  # the crew calls the person
    assert mine["actions"] == ["en_route", "on_scene", "resolve", "note"]
    assert call_act(server, call["id"], "en_route", tablet).body["unit"]["status"] == "en_route"
    fix = http("POST", f"{server.url}/api/v1/units/{unit_id}/position",
               {"lat": 16.4990, "lon": 107.5290, "accuracy_m": 8}, tablet)
    assert fix.status == 200 and fix.body["stored"] is True
    assert (fix.body["unit"]["lat"], fix.body["unit"]["lon"]) == (16.4990, 107.5290)
    noted = call_act(server, call["id"], "note", tablet, text="Đường ngập, đi xuồng vào",
                     ref="n-1")
    assert noted.body["call"]["props"]["dispatch"]["notes"][0]["role"] == "responder"
    assert call_act(server, call["id"], "note", tablet, text="Đường ngập, đi xuồng vào",
                    ref="n-1").body["replayed"] is True
    assert call_act(server, call["id"], "on_scene", tablet).status == 200
    done = call_act(server, call["id"], "rescued", tablet)
    assert done.status == 200
    assert (done.body["call"]["status"], done.body["unit"]["status"]) == ("rescued", "done")
    assert "assignment" not in done.body["unit"]["props"]
    assert call_act(server, call["id"], "rescued", tablet).body["replayed"] is True
    ready = http("POST", f"{server.url}/api/v1/units/{unit_id}/status", {"status": "available"},
                 tablet)
    assert ready.status == 200 and ready.body["status"] == "available"
    history = http("GET", f"{server.url}/api/v1/calls/{call['id']}", token=operator).body["history"]
    steps = [(h["action"], h["role"]) for h in history]
    assert steps == [("assign", "operator"), ("en_route", "responder"), ("note", "responder"),
                     ("on_scene", "responder"), ("rescued", "responder")]
    unit_history = http("GET", f"{server.url}/api/v1/events/{view['unit']['id']}/history",
                        token=operator).body["history"]
    assert [h["action"] for h in unit_history] == [
        "unit.assign", "unit.en_route", "unit.position", "unit.on_scene", "unit.rescued",
        "unit.status"]


def test_units_and_cases_refuse_what_does_not_fit(server, operator):
    seed(server)
    call = file_call(server, operator)
    other = file_call(server, operator, hotline(phone="0911 222 333", lat=CENTRE[0],
                                                lon=CENTRE[1]))
    assert call_act(server, call["id"], "en_route", operator).status == 409
    assert call_act(server, call["id"], "assign", operator).status == 422
    assert call_act(server, call["id"], "assign", operator, unit_id="nobody").status == 404
    assert call_act(server, call["id"], "assign", operator, unit_id="tn-huongtra").status == 200
    busy = call_act(server, other["id"], "assign", operator, unit_id="tn-huongtra")
    assert busy.status == 409 and "suggestions" in busy.body["error"]["message"]
    off = http("POST", server.url + "/api/v1/units/tn-huongtra/status", {"status": "off_duty"},
               operator)
    assert off.status == 409  # on a case: it is freed by the case, not by itself
    moved = call_act(server, call["id"], "reassign", operator, unit_id="qs-xuong-02",
                     reason="Đội Hương Trà hỏng máy xuồng")
    assert moved.status == 200 and moved.body["unit"]["props"]["unit_id"] == "qs-xuong-02"
    units = {u["props"]["unit_id"]: u for u in
             http("GET", server.url + "/api/v1/units", token=operator).body["units"]}
    assert units["tn-huongtra"]["status"] == "available"
    assert "assignment" not in units["tn-huongtra"]["props"]
    cancelled = call_act(server, call["id"], "cancel", operator, reason="Đã tự sơ tán")
    assert cancelled.body["call"]["status"] == "cancelled"
    assert cancelled.body["unit"]["status"] == "available"
    assert call_act(server, call["id"], "cancel", operator, reason="x").body["replayed"] is True


def test_responder_sees_and_acts_on_its_own_assignments_only(server, operator):
    seed(server)
    mine = file_call(server, operator)
    theirs = file_call(server, operator, hotline(phone="0911 222 333"))
    call_act(server, mine["id"], "assign", operator, unit_id="tn-huongtra")
    call_act(server, theirs["id"], "assign", operator, unit_id="qs-xuong-02")
    tablet = tablet_token(server, operator, "tn-huongtra")
    view = http("GET", server.url + "/api/v1/units/me", token=tablet).body
    assert [c["call"]["id"] for c in view["calls"]] == [mine["id"]]
    assert http("GET", f"{server.url}/api/v1/calls/{theirs['id']}", token=tablet).status == 404
    assert call_act(server, theirs["id"], "en_route", tablet).status == 404
    assert http("GET", server.url + "/api/v1/units/qs-xuong-02/tablet", token=tablet).status == 403
    assert http("POST", server.url + "/api/v1/units/qs-xuong-02/position",
                {"lat": 16.5, "lon": 107.5}, tablet).status == 403
    for path in ("/api/v1/calls", "/api/v1/units", "/api/v1/events", "/api/v1/calls/related"):
        assert http("GET", server.url + path, token=tablet).status == 403, path
    assert call_act(server, mine["id"], "assign", tablet, unit_id="tn-huongtra").status == 403
    assert http("POST", server.url + "/api/v1/units/tn-huongtra/token", None, tablet).status == 403
    mine_now = http("GET", f"{server.url}/api/v1/calls/{mine['id']}", token=tablet).body
    assert mine_now["actions"] == ["en_route", "on_scene", "resolve", "note"]


def test_an_agency_sees_and_dispatches_its_own_calls(server, operator):
    seed(server)
    kim_tra = file_call(server, operator)
    centre = file_call(server, operator, hotline(phone="0911 222 333", lat=CENTRE[0],
                                                 lon=CENTRE[1]))
    commune = server.token("agency", kim_tra["agency_id"])
    listed = http("GET", server.url + "/api/v1/calls", token=commune).body
    assert [c["id"] for c in listed["calls"]] == [kim_tra["id"]]
    assert http("GET", f"{server.url}/api/v1/calls/{centre['id']}", token=commune).status == 404
    assert call_act(server, kim_tra["id"], "assign", commune, unit_id="tn-huongtra").status == 200
    military = server.token("agency", "bchqs-hue")  # copied on every trapped call: reads, no acts
    assert http("GET", server.url + "/api/v1/calls", token=military).body["total"] == 2
    assert call_act(server, centre["id"], "cancel", military, reason="x").status == 403


def test_public_never_sees_phone_name_address_or_the_exact_place(server, operator):
    public = server.token("public")
    res = http("POST", server.url + "/api/v1/sos",
               {"lat": KIM_TRA[0], "lon": KIM_TRA[1], "phone": "0905 111 222",
                "name": "Nguyễn Thị Lan", "note": "Thôn 3, kiệt 12, nước lên tới mái",
                "needs": ["trapped"]}, public)
    assert res.status == 201
    sos_id = res.body["sos"]["id"]
    file_call(server, operator)
    exact = http("GET", f"{server.url}/api/v1/events/{sos_id}", token=operator).body
    lat, lon, cell = public_position(exact["cell"], True)
    with open_ws(server, public) as ws:
        subscribe(ws, since=0, layers=("sos", "hotline_calls"))
        streamed = collect_events(ws, until_seq=2)
    listed = http("GET", server.url + "/api/v1/events?kind=sos,hotline_call", token=public).body
    one = http("GET", f"{server.url}/api/v1/events/{sos_id}", token=public).body
    for ev in [*streamed, *listed["events"], one]:
        text = str(ev)
        assert not any(p in text for p in PRIVATE), text
        assert set(ev["props"]) <= {"needs", "people", "water_depth_m", "triage", "sos_id"}
    public_sos = next(e for e in listed["events"] if e["id"] == sos_id)
    assert (public_sos["lat"], public_sos["lon"], public_sos["cell"]) == (lat, lon, cell)
    for path in ("/api/v1/calls", f"/api/v1/calls/{sos_id}", "/api/v1/units"):
        assert http("GET", server.url + path, token=public).status in (403, 404), path
    assert http("POST", server.url + "/api/v1/events",
                hotline(), public).status == 403  # citizens post SOS, not hotline calls


def test_units_register_and_their_tablets_move_them(server, operator):
    unit = {"name": "Đội xuồng thử nghiệm", "type": "volunteer_boat", "capacity": 4,
            "capabilities": ["boat"], "home": {"name": "Bến đò Kim Long", "lat": 16.4598,
                                               "lon": 107.5616}}
    res = http("PUT", server.url + "/api/v1/units/test-boat", unit, operator)
    assert res.status == 200 and res.body["status"] == "available"
    assert res.body["agency_id"] == "ubnd-19774"  # a volunteer team: its commune (Kim Long)
    again = http("PUT", server.url + "/api/v1/units/test-boat", {**unit, "capacity": 6}, operator)
    assert again.body["id"] == res.body["id"] and again.body["props"]["capacity"] == 6
    wrong = server.token("agency", "ca-hue")
    assert http("PUT", server.url + "/api/v1/units/x-boat", unit, wrong).status == 403
    bad = http("PUT", server.url + "/api/v1/units/test-boat", {**unit, "type": "tank"}, operator)
    assert bad.status == 422 and bad.body["error"]["details"][0]["path"] == "type"
    tablet = tablet_token(server, operator, "test-boat")
    post = lambda body: http("POST", server.url + "/api/v1/units/test-boat/position", body,  # noqa: E731
                             tablet).body
    first = post({"lat": 16.4598, "lon": 107.5616})
    assert first["stored"] is True
    assert post({"lat": 16.45985, "lon": 107.5616})["stored"] is False  # 6 m: not worth a write
    far = post({"lat": 16.4700, "lon": 107.5900})
    assert far["stored"] is True and far["unit"]["area"] != res.body["area"]
    stale = post({"lat": 16.40, "lon": 107.60, "at": "2020-01-01T00:00:00+07:00"})
    assert stale["stored"] is False and stale["unit"]["lat"] == 16.47
    outside = http("POST", server.url + "/api/v1/units/test-boat/position",
                   {"lat": 21.0, "lon": 105.8}, tablet)
    assert outside.status == 422
    edge = http("POST", server.url + "/api/v1/units/test-boat/position",
                {"lat": 16.46, "lon": 107.56, "at": "0001-01-01T00:00:00+14:00"}, tablet)
    assert edge.status == 422 and edge.body["error"]["details"][0]["path"] == "at"
    assert http("GET", server.url + "/api/v1/units/nobody/tablet", token=operator).status == 404


def test_wall_figures_count_open_calls_by_priority_and_units(server, operator, wall):
    seed(server)
    file_call(server, operator)  # trapped in 1.4 m: priority 1
    file_call(server, operator, hotline(category="rescue.supplies", needs=["food_water"],
                                        people=1, water_depth_m=None, phone="0911 000 111"))
    third = file_call(server, operator, hotline(phone="0911 000 222"))
    call_act(server, third["id"], "assign", operator, unit_id="tn-huongtra")
    items = {i["id"]: i for i in http("GET", server.url + "/api/v1/kpis", token=wall).body["items"]}
    assert [items[f"rescue.calls.p{p}"]["value"] for p in (1, 2, 3, 4)] == [2, 0, 0, 1]
    assert items["rescue.calls.p1"]["status"] == "alarm"
    assert items["rescue.units.available"]["value"] == 17
    assert items["rescue.units.working"]["value"] == 1
    assert items["rescue.calls.longest_wait"]["unit"] == "min"


def test_a_hotline_call_is_filed_once_per_idempotency_key(server, operator):
    headers = {"Idempotency-Key": "call-42"}
    first = http("POST", server.url + "/api/v1/calls", hotline(), operator, headers=headers)
    second = http("POST", server.url + "/api/v1/calls", hotline(), operator, headers=headers)
    assert first.status == second.status == 201
    assert second.body["replayed"] is True and second.body["call"]["id"] == first.body["call"]["id"]
    assert http("GET", server.url + "/api/v1/calls", token=operator).body["total"] == 1


def test_the_desk_rebuilds_from_the_store_after_a_restart(make_server):
    srv = make_server()
    try:
        operator = srv.token("operator")
        seed(srv)
        call = file_call(srv, operator)
        call_act(srv, call["id"], "assign", operator, unit_id="tn-huongtra")
    finally:
        srv.stop()
    srv = make_server()
    try:
        operator = srv.token("operator")
        assert seed(srv) == 0
        related = http("GET", srv.url + "/api/v1/calls/related?phone=0905111222",
                       token=operator).body["calls"]
        assert [c["call"]["status"] for c in related] == ["assigned"]
        unit = http("GET", srv.url + "/api/v1/units/tn-huongtra/tablet", token=operator).body
        assert unit["unit"]["status"] == "assigned" and unit["calls"][0]["call"]["id"] == call["id"]
    finally:
        srv.stop()



def test_a_unit_moved_by_its_tablet_is_found_where_it_is_on_both_stores(any_server):
    """The warnings' pre-send count asks which units are inside an area: on SQLite and PostGIS the
    unit is found at its last fix, and only there."""
    server = any_server
    operator = server.token("operator")
    assert seed(server) == 18
    token = tablet_token(server, operator, "tn-phuvinh")
    fix = {"lat": 16.5250, "lon": 107.6950}
    assert http("POST", server.url + "/api/v1/units/tn-phuvinh/position", fix, token).body["stored"]
    near = http("GET", f"{server.url}/api/v1/events/nearest?lat={fix['lat']}&lon={fix['lon']}"
                       "&n=1&kind=responder", token=operator).body["events"]
    assert near[0]["props"]["unit_id"] == "tn-phuvinh" and near[0]["distance_m"] < 0.01
    box = {"type": "Polygon", "coordinates": [[[107.69, 16.52], [107.70, 16.52], [107.70, 16.53],
                                               [107.69, 16.53], [107.69, 16.52]]]}
    inside = http("POST", server.url + "/api/v1/events/search",
                  {"intersects": box, "kind": "responder"}, operator).body["events"]
    assert [e["props"]["unit_id"] for e in inside] == ["tn-phuvinh"]
    home = desk(server).book.unit("tn-phuvinh")["props"]["home"]
    around_home = {"type": "Polygon", "coordinates": [[
        [home["lon"] - 0.001, home["lat"] - 0.001], [home["lon"] + 0.001, home["lat"] - 0.001],
        [home["lon"] + 0.001, home["lat"] + 0.001], [home["lon"] - 0.001, home["lat"] + 0.001],
        [home["lon"] - 0.001, home["lat"] - 0.001]]]}
    left = http("POST", server.url + "/api/v1/events/search",
                {"intersects": around_home, "kind": "responder"}, operator).body["events"]
    assert "tn-phuvinh" not in [e["props"]["unit_id"] for e in left]
