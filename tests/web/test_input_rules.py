"""Rules on what clients send, on both stores: public input is dated by the server (a claimed
time is kept apart), trusted sources date events within bounds, land kinds lie in Huế (sea
kinds and an SOS at sea may lie off the coast), control characters are refused with the field
named, and envelope fields of the wrong JSON type give 422, never 500."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from server.core.timefmt import parse_rfc3339
from tests.helpers import assert_error
from tests.helpers.cases import START
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

