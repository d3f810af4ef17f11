"""Replies on Zalo OA and Messenger through local servers speaking their APIs: the message goes
to the right user with the token in a header (never the address); a user the platform refuses
is dead-lettered at once; a refused token is retried."""
from __future__ import annotations

import pytest

from server.core.timefmt import now_micros
from server.store.base import OutboxItem
from tests.helpers.gateways import ChatPlatform, wait_until

FAST = {"notify_poll_s": 0.05, "notify_backoff_s": 0.05, "notify_backoff_max_s": 0.2,
        "notify_max_attempts": 3}


@pytest.fixture
def platforms():
    zalo, messenger = ChatPlatform("zalo"), ChatPlatform("messenger")
    yield zalo, messenger
    zalo.stop()
    messenger.stop()


def _reply(channel: str, user: str, n: int) -> OutboxItem:
    return OutboxItem(key=f"case:{n}:{user}:{channel}", topic="case", channel=channel,
                      address=user, text=f"Phản ánh PA-{n} đã được ghi nhận.", source=f"c{n}")


def _states(srv) -> dict[str, tuple[str, int, str | None]]:  # noqa: ANN001
    return {i.key: (i.state, i.attempts, i.last_error)
            for i in srv.core.store.outbox_page(None, 50)}


def test_replies_reach_zalo_and_messenger_users(make_server, platforms):
    zalo, messenger = platforms
    zalo.state.blocked, messenger.state.blocked = {"z-gone"}, {"m-gone"}
    srv = make_server(listen=False, zalo_api_url=zalo.url, zalo_access_token="oa-token",
                      messenger_api_url=messenger.url, messenger_page_token="page-token", **FAST)
    items = [_reply("zalo", "z-1", 1), _reply("zalo", "z-gone", 2),
             _reply("messenger", "m-1", 3), _reply("messenger", "m-gone", 4)]
    assert srv.core.store.enqueue(items, now_micros()) == 4
    states = wait_until(lambda: (s := _states(srv)) and all(v[0] != "pending"
                                                             for v in s.values()) and s)
    assert states["case:1:z-1:zalo"][0] == "sent" and states["case:3:m-1:messenger"][0] == "sent"
    assert states["case:2:z-gone:zalo"][:2] == ("dead", 1)
    assert states["case:4:m-gone:messenger"][:2] == ("dead", 1)
    headers, body = next(r for r in zalo.state.requests if r[1]["recipient"]["user_id"] == "z-1")
    assert headers["access_token"] == "oa-token" and body["message"]["text"].startswith("Phản ánh")
    headers, body = next(r for r in messenger.state.requests if r[1]["recipient"]["id"] == "m-1")
    assert headers["Authorization"] == "Bearer page-token"
    assert body["messaging_type"] == "RESPONSE"
    assert all("token" not in r[0].get("Host", "") for r in messenger.state.requests)


def test_a_refused_token_is_retried_then_dead_lettered(make_server, platforms):
    zalo, _ = platforms
    srv = make_server(listen=False, zalo_api_url=zalo.url, zalo_access_token="stale", **FAST)
    srv.core.store.enqueue([_reply("zalo", "z-1", 1)], now_micros())
    state = wait_until(lambda: (s := _states(srv)["case:1:z-1:zalo"])[0] == "dead" and s)
    assert state[1] == 3 and "-216" in state[2]
