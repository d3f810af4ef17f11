"""Bad input of every kind gets the one error shape, a message that says what to fix, and
nothing of a refused request is stored."""
from __future__ import annotations

import pytest

from tests.helpers import assert_error, report


@pytest.fixture
def server(app_server):
    """In process: these handlers answer plain requests, no port is opened."""
    return app_server


BAD_EVENTS = [
    (dict(report(), kind="volcano"), "events[1].kind", "unknown kind"),
    (dict(report(), category="parking.fee"), "events[1].category", "not a category"),
    (dict(report(), lat=91.0), "events[1].lat", "less than or equal to 90"),
    (dict(report(), lon=-200), "events[1].lon", "greater than or equal to -180"),
    (dict(report(), lat=21.03, lon=105.85), "events[1].lat", "outside the service region"),
    (dict(report(), observed_at="2025-11-17T08:00:00"), "events[1].observed_at", "timezone"),
    (dict(report(), seq=5), "events[1].seq", "set by the server"),
    (dict(report(), props={"description": "x", "colour": "red"}), "events[1].props.colour",
     "Extra"),
    (dict(report(), severity="apocalyptic"), "events[1].severity", "Input should be"),
    ({"kind": "report"}, "events[1].category", "Field required"),
]


@pytest.mark.parametrize("bad,path,words", BAD_EVENTS, ids=[p for _, p, _ in BAD_EVENTS])
def test_invalid_event_in_batch_refuses_whole_batch(server, operator, bad, path, words):
    res = server.post_events([report(), bad, report()], operator)
    err = assert_error(res, 422, "validation_failed")
    assert any(d["path"] == path and words in d["message"] for d in err["details"]), err
    assert "nothing was stored" in err["message"]
    assert server.core.store.last_seq() == 0


def test_every_problem_is_listed(server, operator):
    res = server.post_events([dict(report(), lat=95), dict(report(), kind="nope")], operator)
    err = assert_error(res, 422, "validation_failed")
    assert {d["path"] for d in err["details"]} == {"events[0].lat", "events[1].kind"}


def test_malformed_json(server, operator):
    res = server.http("POST", server.url + "/api/v1/events", raw=b'{"kind": "report",',
                      token=operator)
    assert "malformed JSON" in assert_error(res, 400, "bad_request")["message"]
    res = server.http("POST", server.url + "/api/v1/events", raw=b"", token=operator)
    assert_error(res, 400, "bad_request")
    assert server.core.store.last_seq() == 0


def test_wrong_shapes(server, operator):
    assert_error(server.http("POST", server.url + "/api/v1/events", [1, 2], operator), 422,
                 "validation_failed")
    assert_error(server.http("POST", server.url + "/api/v1/events", {"events": []}, operator), 422,
                 "validation_failed")
    assert_error(server.post_events(["x"], operator), 422, "validation_failed")


def test_too_large_body_and_batch(server, operator):
    limit = server.settings.max_body_bytes
    res = server.http("POST", server.url + "/api/v1/events", raw=b" " * (limit + 1), token=operator)
    assert_error(res, 413, "too_large")
    res = server.post_events([report()] * (server.settings.max_batch + 1), operator)
    assert "limit is 10000" in assert_error(res, 413, "too_large")["message"]
    assert server.core.store.last_seq() == 0


def test_auth_errors(server):
    assert_error(server.http("POST", server.url + "/api/v1/events", report()), 401, "unauthorized")
    assert_error(server.http("POST", server.url + "/api/v1/events", report(), "ioc_forged"), 401,
                 "unauthorized")
    assert_error(server.http("GET", server.url + "/api/v1/events"), 401, "unauthorized")
    wall = server.token("wall")
    assert_error(server.http("POST", server.url + "/api/v1/events", report(), wall), 403,
                 "forbidden")
    assert server.core.store.last_seq() == 0


def test_bad_query_parameters(server, operator):
    for query in ("since=abc", "limit=0", "limit=100000", "bbox=1,2,3", "bbox=108,16,107,17",
                  "kind=volcano"):
        res = server.http("GET", f"{server.url}/api/v1/events?{query}", token=operator)
        assert_error(res, 400, "bad_request")


def test_unknown_address_and_method(server, operator):
    assert_error(server.http("GET", server.url + "/api/v2/things"), 404, "not_found")
    assert_error(server.http("GET", server.url + "/api/v1/events/0000-nope", token=operator), 404,
                 "not_found")
    assert_error(server.http("DELETE", server.url + "/api/v1/events", token=operator), 405,
                 "method_not_allowed")
