"""Deadlines on a controllable clock: overdue cases escalate to the unit's supervisor (once per
deadline, audited, streamed), unrated results close, and each result is classed on time, late
with an approved extension, or late."""

from __future__ import annotations

import json
import time

import pytest

from tests.helpers.cases import HOUR, act, desk, file_report
from tests.helpers import collect_events, http, open_ws, recv_json

WASTE_H = 48  # deadline of tests.helpers.cases.COMMUNE_CATEGORY (environment.burning)


def _case(server):
    filed = file_report(server, server.token("public")).body["case"]
    return filed, server.token("agency", filed["agency_id"])


def test_overdue_case_escalates_once_to_the_supervisor(cserver, clock):
    case, agency = _case(cserver)
    unit = cserver.router.agencies.get(case["agency_id"])
    book = desk(cserver)
    clock.advance((WASTE_H - 1) * HOUR)
    assert cserver.call(book.escalate_overdue()) == []
    with open_ws(cserver, cserver.token("operator")) as ws:
        ws.send(
            json.dumps(
                {"op": "subscribe", "layers": ["reports"], "since": cserver.core.store.last_seq()}
            )
        )
        assert recv_json(ws)["op"] == "subscribed"
        clock.advance(2 * HOUR)
        assert cserver.call(book.escalate_overdue()) == [case["id"]]
        stored = cserver.core.store.get(case["id"])
        [streamed] = [e for e in collect_events(ws, stored["seq"]) if e["id"] == case["id"]]
    assert streamed["props"]["case"]["escalated_to"] == unit.parent
    assert stored["status"] == "routed"  # escalation does not take the case from the unit
    if unit.parent:
        assert unit.parent in stored["copied_to"]
        parent_view = http(
            "GET",
            f"{cserver.url}/api/v1/events/{case['id']}",
            token=cserver.token("agency", unit.parent),
        )
        assert parent_view.status == 200
    [entry] = [h for h in cserver.core.store.history(case["id"]) if h.action == "escalate"]
    assert entry.role == "system" and entry.reason == "past the deadline"
    clock.advance(5 * HOUR)
    assert cserver.call(book.escalate_overdue()) == []  # once per deadline
    overdue = http("GET", cserver.url + "/api/v1/reports?overdue=1", token=agency).body["cases"]
    assert [c["id"] for c in overdue] == [case["id"]] and overdue[0]["escalated"]
    kpis = http(
        "GET", cserver.url + "/api/v1/reports/kpis?by=all", token=cserver.token("operator")
    ).body["total"]
    assert kpis["overdue_now"] == 1


def test_an_extended_deadline_escalates_again_when_missed(cserver, clock):
    case, agency = _case(cserver)
    act(cserver, case["id"], "request_extension", agency, reason="chờ xe", hours=24)
    act(cserver, case["id"], "approve_extension", cserver.token("admin"))
    book = desk(cserver)
    clock.advance((WASTE_H + 1) * HOUR)
    assert cserver.call(book.escalate_overdue()) == []  # the extension holds
    clock.advance(24 * HOUR)
    assert cserver.call(book.escalate_overdue()) == [case["id"]]


@pytest.mark.parametrize(
    "extend,resolve_after_h,expected",
    [
        (False, WASTE_H - 1, "on_time"),
        (True, WASTE_H + 10, "late_extended"),
        (True, WASTE_H + 30, "late"),
        (False, WASTE_H + 1, "late"),
    ],
)
def test_results_are_classed(cserver, clock, extend, resolve_after_h, expected):
    case, agency = _case(cserver)
    act(cserver, case["id"], "accept", agency)
    if extend:
        act(cserver, case["id"], "request_extension", agency, reason="vật tư", hours=24)
        act(cserver, case["id"], "approve_extension", cserver.token("supervisor"))
    clock.advance(resolve_after_h * HOUR)
    done = act(cserver, case["id"], "resolve", agency, reason="xong").body["case"]
    assert done["props"]["case"]["outcome"] == expected


def test_unrated_results_close_and_old_results_cannot_be_disputed(cserver, clock):
    filed = file_report(cserver, cserver.token("public")).body
    case_id, citizen = filed["case"]["id"], filed["citizen_token"]
    agency = cserver.token("agency", filed["case"]["agency_id"])
    act(cserver, case_id, "accept", agency)
    act(cserver, case_id, "resolve", agency, reason="xong")
    book = desk(cserver)
    clock.advance(6 * 24 * HOUR)
    assert cserver.call(book.close_unrated()) == []
    clock.advance(2 * 24 * HOUR)
    assert cserver.call(book.close_unrated()) == [case_id]
    assert cserver.core.store.get(case_id)["status"] == "closed"
    clock.advance(30 * 24 * HOUR)
    late = act(cserver, case_id, "dispute", citizen=citizen, reason="vẫn còn")
    assert late.status == 409 and "30 days" in late.body["error"]["message"]


def test_the_background_timer_runs_on_the_core_clock(tmp_path, make_server, clock):
    srv = make_server(clock, data_dir=tmp_path, report_check_interval_s=0.05)
    try:
        case, _ = _case(srv)
        clock.advance((WASTE_H + 1) * HOUR)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if srv.core.store.get(case["id"])["props"]["case"].get("escalated_at"):
                break
            time.sleep(0.05)
        assert srv.core.store.get(case["id"])["props"]["case"]["escalated_at"].endswith("+07:00")
    finally:
        srv.stop()
