"""``kill -9`` of a real server process in the middle of a burst of 1,000 warning SMS, on SQLite
and PostGIS: after the restart every contact has exactly one message at the gateway. What was in
flight when the process died is sent again once its claim lapses, with the same message id, which
the gateway (as real gateways do with a request id) keeps once; the count of such resends is at
most one batch per claim."""
from __future__ import annotations

import pytest

from tests.helpers import ServerProcess, http
from tests.helpers.gateways import SmsGateway, wait_until
from tests.helpers.nodes import create_token
from tests.helpers.warnings import KIM_LONG, future

N = 1000


@pytest.fixture
def gateway():
    gw = SmsGateway()
    yield gw
    gw.stop()


def test_kill_9_during_a_burst_of_warning_sms_loses_none_and_sends_each_once(empty_store_url,
                                                                            gateway):
    db = empty_store_url
    env = {"DATABASE_URL": db, "IOC_SMS_URL": gateway.url, "IOC_SMS_TOKEN": "gw-secret",
           "IOC_SMS_BATCH": "50", "IOC_SMS_RATE_PER_S": "400", "IOC_NOTIFY_BATCH": "200",
           "IOC_NOTIFY_LEASE_S": "2", "IOC_NOTIFY_POLL_S": "0.1"}
    operator, supervisor = create_token(db, "operator"), create_token(db, "supervisor")
    first = ServerProcess(env=env)
    try:
        contacts = [{"id": f"kl-{i:04d}", "name": f"Hộ {i}", "phone": f"+84 91{i:07d}",
                     "communes": [KIM_LONG]} for i in range(N)]
        assert http("POST", first.url + "/api/v1/warnings/contacts", {"contacts": contacts},
                    operator).status == 201
        body = {"headline": {"vi": "Lũ lớn trên sông Hương", "en": "Major flood"},
                "instruction": {"vi": "Di chuyển lên cao", "en": "Move to higher ground"},
                "communes": [KIM_LONG], "expires": future(6)}
        wid = http("POST", first.url + "/api/v1/warnings", body, operator).body["warning"]["id"]
        for action in ("approve", "send"):
            res = http("POST", first.url + f"/api/v1/warnings/{wid}/transitions",
                       {"action": action}, supervisor)
            assert res.status == 200, res.body
        wait_until(lambda: len(gateway.state.delivered) >= 150)
    finally:
        first.kill()
    at_kill = len(gateway.state.delivered)
    assert at_kill < N, "the burst ended before the kill: the test proves nothing"
    second = ServerProcess(env=env)
    try:
        gateway.state.wait_for(N, timeout=60)
        phones = [m["to"] for m in gateway.state.messages()]
        assert len(phones) == len(set(phones)) == N
        listing = second.url + f"/api/v1/notifications?source={wid}&state=sent&limit=1000"
        wait_until(lambda: len(http("GET", listing, token=operator).body["notifications"]) == N)
        assert gateway.state.duplicates <= 200  # resent after the claim lapsed, kept once
    finally:
        second.stop()
