"""Bad input of every kind gets the one error shape, a message that says what to fix, and
nothing of a refused request is stored."""
from __future__ import annotations

import pytest

from tests.helpers import assert_error, http, report


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
    alert = {**report(), "kind": "alert", "category": "alert.vessel_silent"}  # no citizen kind
    assert_error(server.http("POST", server.url + "/api/v1/events", alert), 401, "unauthorized")
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


def test_a_time_at_the_edge_of_the_calendar_is_a_422_not_a_500(server, operator):
    for when in ("0001-01-01T00:00:00+14:00", "0001-01-01T05:00:00+09:00",
                 "9999-12-31T23:59:59-14:00"):
        res = server.post_events([{**report(), "observed_at": when}], operator)
        err = assert_error(res, 422, "validation_failed")
        assert err["details"][0]["path"].endswith("observed_at"), err
    assert server.core.store.last_seq() == 0


def test_every_oversized_body_is_a_413_in_the_one_error_shape(settings, router):
    """Non-streamed handlers (JSON bodies, the CAP upload, areas) and streamed ones: a body
    over the limit, and one over the HTTP server's own cut (4x), is a 413, not a reset."""
    from tests.helpers import ServerThread
    srv = ServerThread(settings.model_copy(update={"max_body_bytes": 4096}), router).start()
    try:
        admin = srv.token("admin")
        paths = ("/api/v1/events", "/api/v1/warnings/cap", "/api/v1/calls/triage",
                 "/api/v1/areas/reroute", "/api/v1/sos", "/api/v1/flood-roads")
        for path in paths:
            for size in (4097, 4096 * 4 + 1, 4096 * 20):
                res = http("POST", srv.url + path, raw=b" " * size, token=admin, timeout=10)
                assert "limit is 4096" in assert_error(res, 413, "too_large")["message"], path
        ok = http("POST", srv.url + "/api/v1/events", {"events": [report()]}, admin)
        assert ok.status == 201  # the connection pool and the server are fine after
    finally:
        srv.stop()
