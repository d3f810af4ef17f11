"""Request rate limits: token buckets (the core) and the 429 answers of a real server (per staff
token, per address, and the public SOS on a bucket of its own that a first SOS never finds
empty)."""
from __future__ import annotations

import pytest

from server.client import retry_after
from server.core.auth import Principal
from server.core.errors import TooManyRequests
from server.core.ratelimit import Limit, RateLimiter
from tests.helpers import assert_error, report
from tests.helpers.dispatch import KIM_TRA


class FakeClock:
    """Monotonic seconds the test moves by hand."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_bucket_allows_the_burst_then_the_rate():
    clock = FakeClock()
    limiter = RateLimiter([Limit("token", rate=2.0, burst=3)], clock)
    assert [limiter.wait("token", "a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.wait("token", "a") == pytest.approx(0.5)  # one request comes back in 1/rate
    assert limiter.wait("token", "b") == 0.0  # another key has its own bucket
    clock.t += 0.5
    assert limiter.wait("token", "a") == 0.0
    assert limiter.wait("token", "a") > 0
    clock.t += 60  # a long pause refills to the burst, never beyond
    assert [limiter.wait("token", "a") for _ in range(4)][-2:] == [0.0, pytest.approx(0.5)]


def test_refusal_is_a_429_with_retry_after_and_a_switched_off_limit_never_refuses():
    clock = FakeClock()
    limiter = RateLimiter([Limit("token", 0.25, 1), Limit("address", 0, 0)], clock)
    limiter.check("token", "k", "this token")
    with pytest.raises(TooManyRequests) as err:
        limiter.check("token", "k", "this token")
    assert err.value.status == 429 and err.value.headers == {"Retry-After": "4"}
    assert "0.25 per second" in err.value.message and "this token" in err.value.message
    assert all(limiter.wait("address", "x") == 0 for _ in range(1000))


def test_forgotten_keys_start_full_and_memory_is_bounded():
    clock = FakeClock()
    limiter = RateLimiter([Limit("address", 1.0, 1)], clock, max_keys=10)
    assert limiter.wait("address", "first") == 0
    for i in range(20):
        assert limiter.wait("address", f"other-{i}") == 0  # every new address gets its first
    assert len(limiter._buckets["address"]) == 10
    assert limiter.wait("address", "first") == 0  # evicted, so full again: only ever favours it


def test_staff_tokens_by_token_public_and_anonymous_by_address():
    limiter = RateLimiter([Limit("token", 1, 1), Limit("address", 1, 1), Limit("sos", 1, 1)],
                          FakeClock())
    operator, public = Principal("t1", "operator"), Principal("t2", "public")
    limiter.charge(operator, "10.0.0.1")
    limiter.charge(public, "10.0.0.1")  # the shared public token counts on the address
    with pytest.raises(TooManyRequests):
        limiter.charge(None, "10.0.0.1")  # same address, same bucket
    limiter.charge(None, "10.0.0.1", "sos")  # the SOS bucket is separate
    limiter.charge(Principal("t3", "operator"), "10.0.0.1")
    with pytest.raises(TooManyRequests):
        limiter.charge(operator, "10.0.0.9")  # a token is limited wherever it calls from


@pytest.fixture
def limited(make_server):
    """A real server with small limits, in process (the address limit sees 127.0.0.1)."""
    return make_server(listen=False, rate_token_per_s=0.01, rate_token_burst=5,
                       rate_address_per_s=0.01, rate_address_burst=4, rate_sos_per_s=0.01,
                       rate_sos_burst=2)


def test_a_token_over_its_rate_gets_429_and_others_do_not(limited):
    operator, other = limited.token("operator"), limited.token("operator")
    answers = [limited.post_events([report()], operator) for _ in range(5)]
    assert [a.status for a in answers] == [201] * 5
    refused = limited.post_events([report()], operator)
    err = assert_error(refused, 429, "rate_limited")
    assert "this token" in err["message"] and "0.01 per second" in err["message"]
    assert 90 <= int(refused.headers["Retry-After"]) <= 100
    assert limited.core.store.last_seq() == 5  # the refused batch was not stored
    assert limited.post_events([report()], other).status == 201


def test_anonymous_callers_are_limited_by_address_and_the_first_sos_still_passes(limited):
    for _ in range(4):
        assert limited.http("GET", limited.url + "/api/v1/health").status == 200
    refused = limited.http("GET", limited.url + "/api/v1/layers")
    assert_error(refused, 429, "rate_limited")
    assert "address 127.0.0.1" in refused.body["error"]["message"]
    assert int(refused.headers["Retry-After"]) >= 1
    # guessing tokens
    forged = limited.http("GET", limited.url + "/api/v1/events", token="ioc_guess")
    assert_error(forged, 429, "rate_limited")  # is charged to the address too
    public = limited.token("public")
    sos = {"lat": KIM_TRA[0], "lon": KIM_TRA[1], "phone": "0905 111 222", "needs": ["trapped"]}
    first = limited.http("POST", limited.url + "/api/v1/sos", sos, public)
    assert first.status == 201, first.body  # the address is spent, its SOS bucket is not
    second = limited.http("POST", limited.url + "/api/v1/sos",
                          {**sos, "phone": "0905 111 333"}, public)
    assert second.status == 201
    third = limited.http("POST", limited.url + "/api/v1/sos",
                         {**sos, "phone": "0905 111 444"}, public)
    assert_error(third, 429, "rate_limited")
    assert 90 <= int(third.headers["Retry-After"]) <= 100
    assert limited.core.store.last_seq() == 2


def test_the_api_client_reads_retry_after_in_seconds():
    assert retry_after("7") == 7.0 and retry_after(None) == 0.0
    assert retry_after("Wed, 21 Oct 2026 07:28:00 GMT") == 0.0 and retry_after("-3") == 0.0


def test_open311_keeps_429_and_retry_after_in_its_own_error_format(limited):
    answers = [limited.http("GET", limited.url + "/open311/v2/services.json") for _ in range(5)]
    assert [a.status for a in answers[:4]] == [200] * 4
    refused = answers[4]
    assert refused.status == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.body[0]["code"] == 429 and "address 127.0.0.1" in refused.body[0]["description"]
