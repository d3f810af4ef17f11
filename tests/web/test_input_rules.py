"""Rules on what clients send, on both stores: public input is dated by the server (a claimed
time is kept apart), trusted sources date events within bounds, land kinds lie in Huế (sea
kinds and an SOS at sea may lie off the coast), control characters are refused with the field
named, and envelope fields of the wrong JSON type give 422, never 500."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from server.core.timefmt import parse_rfc3339
from tests.helpers import assert_error
from tests.helpers.cases import HOUR, START, desk, file_report
from tests.helpers.events import report

DA_NANG = (16.0544, 108.2022)
AT_SEA = (16.9, 107.9)
DEADLINE_H = 48  # environment.burning, the category file_report uses


@pytest.fixture
def srv(store_url, make_server, clock):
    """A server on each store, its core on the test's ManualClock (standing at START)."""
    return make_server(clock, db=store_url)


def _ago(days: float) -> str:
    return (datetime.fromisoformat(START) - timedelta(days=days)).isoformat()


def _micros(text: str) -> int:
    return parse_rfc3339(text)


def test_public_report_dated_days_back_gets_the_receipt_time(srv, clock):
    filed = file_report(srv, srv.token("public"), observed_at=_ago(2.5))
    assert filed.status == 201, filed.body
    case = filed.body["case"]
    assert _micros(case["observed_at"]) == _micros(START)
    assert _micros(case["deadline"]) == _micros(START) + DEADLINE_H * 3_600_000_000
    staff = srv.http("GET", f"{srv.url}/api/v1/events/{case['id']}", token=srv.token("operator"))
    assert staff.body["props"]["claimed_observed_at"] == _ago(2.5)
    clock.advance(30)
    assert srv.call(desk(srv).escalate_overdue()) == []
    clock.advance((DEADLINE_H - 1) * HOUR)
    assert srv.call(desk(srv).escalate_overdue()) == []


def test_public_events_cannot_set_the_claimed_time_themselves(srv):
    body = report(observed_at=_ago(1))
    body["props"]["claimed_observed_at"] = "anything"
    res = srv.post_events([body, report()], srv.token("public"))
    assert res.status == 201, res.body
    first, second = res.body["events"]
    assert first["props"]["claimed_observed_at"] == _ago(1)
    assert _micros(first["observed_at"]) == _micros(START)
    assert "claimed_observed_at" not in second["props"]


def test_a_public_claim_in_the_future_is_kept_not_refused(srv):
    ahead = (datetime.fromisoformat(START) + timedelta(hours=2)).isoformat()
    res = srv.post_events([report(observed_at=ahead)], srv.token("public"))
    assert res.status == 201, res.body
    assert res.body["events"][0]["props"]["claimed_observed_at"] == ahead
    assert _micros(res.body["events"][0]["observed_at"]) == _micros(START)


def test_staff_event_keeps_its_observed_at_within_bounds(srv):
    operator = srv.token("operator")
    res = srv.post_events([report(observed_at=_ago(2.5))], operator)
    assert res.status == 201, res.body
    assert _micros(res.body["events"][0]["observed_at"]) == _micros(_ago(2.5))
    assert "claimed_observed_at" not in res.body["events"][0]["props"]
    ahead = (datetime.fromisoformat(START) + timedelta(minutes=6)).isoformat()
    err = assert_error(srv.post_events([report(observed_at=ahead)], operator), 422,
                       "validation_failed")
    assert err["details"][0]["path"] == "events[0].observed_at"
    assert "in the future" in err["details"][0]["message"]


def test_observed_at_older_than_the_bound_is_refused(make_server, clock):
    srv = make_server(clock, observed_max_age_days=30)
    operator = srv.token("operator")
    assert srv.post_events([report(observed_at=_ago(29))], operator).status == 201
    err = assert_error(srv.post_events([report(observed_at=_ago(31))], operator), 422,
                       "validation_failed")
    assert err["details"] == [{"path": "events[0].observed_at",
                               "message": "is more than 30 days in the past; "
                                          "send recent events only"}]


@pytest.mark.parametrize("role", ["public", "operator"])
def test_land_kinds_must_lie_in_hue(srv, role):
    token = srv.token(role)
    for lat, lon in (DA_NANG, AT_SEA):
        err = assert_error(srv.post_events([report(lat, lon)], token), 422, "validation_failed")
        [problem] = err["details"]
        assert problem["path"] == "events[0].lat"
        assert "km from Huế" in problem["message"] and "40 communes" in problem["message"]
    assert "8" in assert_error(srv.post_events([report(*DA_NANG)], token), 422,
                               "validation_failed")["details"][0]["message"]
    assert srv.post_events([report()], token).status == 201


def test_sea_kinds_and_an_sos_at_sea_may_lie_off_the_coast(srv):
    operator = srv.token("operator")
    vessel = {"kind": "vessel", "category": "vessel.position", "lat": AT_SEA[0],
              "lon": AT_SEA[1], "props": {"mmsi": 574123456}}
    assert srv.post_events([vessel], operator).status == 201
    sos = {"lat": AT_SEA[0], "lon": AT_SEA[1], "phone": "+84 905 000 111"}
    public = srv.token("public")
    err = assert_error(srv.http("POST", srv.url + "/api/v1/sos", sos, public), 422,
                       "validation_failed")
    assert "km from Huế" in err["details"][0]["message"]
    res = srv.http("POST", srv.url + "/api/v1/sos", {**sos, "needs": ["at_sea"]}, public)
    assert res.status == 201, res.body
    far = {**vessel, "lat": DA_NANG[0] - 1.5, "lon": DA_NANG[1]}
    assert_error(srv.post_events([far], operator), 422, "validation_failed")


def test_control_characters_are_refused_with_the_field_named(srv):
    sos = {"lat": 16.4637, "lon": 107.5909, "phone": "+84 905 000 111", "name": "Lan\u0000"}
    err = assert_error(srv.http("POST", srv.url + "/api/v1/sos", sos, srv.token("public")), 422,
                       "validation_failed")
    assert [d["path"] for d in err["details"]] == ["name"]
    body = report()
    body["props"]["description"] = "nước\u0000 ngập"
    err = assert_error(srv.post_events([body], srv.token("public")), 422, "validation_failed")
    assert [d["path"] for d in err["details"]] == ["events[0].props.description"]
    body["props"]["description"] = "nước ngập\nđường\tcụt\r\n"
    res = srv.post_events([body], srv.token("public"))
    assert res.status == 201 and res.body["events"][0]["props"]["description"] == \
        "nước ngập\nđường\tcụt\r\n"
    err = assert_error(srv.http("GET", srv.url + "/api/v1/events?category=a%00b",
                                token=srv.token("operator")), 422, "validation_failed")
    assert [d["path"] for d in err["details"]] == ["category"]


@pytest.mark.parametrize("role", ["public", "admin"])
@pytest.mark.parametrize("field,value", [("kind", {}), ("kind", [1]), ("category", {}),
                                         ("status", [1]), ("severity", {"a": 1})])
def test_envelope_fields_of_the_wrong_type_give_422(srv, role, field, value):
    res = srv.post_events([{**report(), field: value}], srv.token(role))
    err = assert_error(res, 422, "validation_failed")
    assert "events[0]." + field in [d["path"] for d in err["details"]]
