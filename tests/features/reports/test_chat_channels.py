"""Zalo OA and Messenger webhooks: documented payloads in, signature checked, one report out
through the same pipeline; a retried delivery is stored once."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from server.features.reports.chat import guess_category


@pytest.fixture
def server(app_server):
    """In process: these handlers answer plain requests, no port is opened."""
    return app_server


ZALO_APP, ZALO_SECRET = "360846524940903967", "oa-secret-for-tests"
FB_SECRET, FB_VERIFY = "fb-app-secret", "verify-me"
ZALO_URL, FB_URL = "/api/v1/channels/zalo/webhook", "/api/v1/channels/messenger/webhook"


@pytest.fixture
def chat_server(make_server, clock):
    """A server with both chat channels configured, on ``clock``."""
    return make_server(clock, listen=False, zalo_app_id=ZALO_APP, zalo_oa_secret=ZALO_SECRET,
                       messenger_app_secret=FB_SECRET, messenger_verify_token=FB_VERIFY)


def zalo_post(srv, event: dict, secret: str = ZALO_SECRET):
    body = json.dumps(event, ensure_ascii=False).encode()
    mac = hashlib.sha256(
        f"{event['app_id']}{body.decode()}{event['timestamp']}{secret}".encode()
    ).hexdigest()
    return srv.http("POST", srv.url + ZALO_URL, raw=body,
                    headers={"X-ZEvent-Signature": f"mac={mac}"})


def zalo_event(
    clock, name: str, mid: str, message: dict, sender: str = "246845883529197922"
) -> dict:
    return {
        "app_id": ZALO_APP,
        "user_id_by_app": "552177279717587730",
        "event_name": name,
        "sender": {"id": sender},
        "recipient": {"id": "388613280878808645"},
        "message": {"msg_id": mid, **message},
        "timestamp": str(clock.now() // 1000),
    }


def messenger_post(srv, messaging: list[dict], secret: str = FB_SECRET):
    body = json.dumps(
        {"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": messaging}]}
    ).encode()
    sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return srv.http("POST", srv.url + FB_URL, raw=body, headers={"X-Hub-Signature-256": sig})


def test_zalo_text_photo_then_location_files_one_report(chat_server, clock):
    srv = chat_server
    text = zalo_event(clock, "user_send_text", "z1", {"text": "Bãi rác tự phát bốc mùi ở đầu kiệt"})
    ack = zalo_post(srv, text)
    assert ack.status == 200 and ack.body["replies"][0]["text"]["vi"].startswith("Đã nhận")
    photo = zalo_event(
        clock,
        "user_send_image",
        "z2",
        {
            "text": "",
            "attachments": [
                {
                    "type": "image",
                    "payload": {"url": "https://zalo.example/p1.jpg", "thumbnail": "t"},
                }
            ],
        },
    )
    assert zalo_post(srv, photo).status == 200
    where = zalo_event(
        clock,
        "user_send_location",
        "z3",
        {
            "text": "",
            "attachments": [
                {
                    "type": "location",
                    "payload": {"coordinates": {"latitude": "16.4637", "longitude": "107.5909"}},
                }
            ],
        },
    )
    filed = zalo_post(srv, where)
    [reply] = filed.body["replies"]
    stored = srv.core.store.get(reply["case_id"])
    assert stored["category"] == "environment.waste" and stored["source"] == {
        "channel": "zalo",
        "ref": "z3",
    }
    assert stored["props"]["media"] == ["https://zalo.example/p1.jpg"]
    assert "Bãi rác" in stored["props"]["description"]
    assert reply["citizen_token"] in reply["text"]["vi"]
    again = zalo_post(srv, where)  # Zalo retries the delivery
    assert again.body["replies"][0]["case_id"] == reply["case_id"]
    assert srv.core.store.last_seq() == 1


def test_zalo_signature_app_and_age_are_checked(chat_server, clock):
    srv = chat_server
    event = zalo_event(clock, "user_send_text", "z9", {"text": "mất điện"})
    assert zalo_post(srv, event, secret="wrong").status == 401
    assert zalo_post(srv, {**event, "app_id": "123"}).status == 401
    old = {**event, "timestamp": str(clock.now() // 1000 - 3_600_000)}
    assert zalo_post(srv, old).status == 401
    assert srv.http("POST", srv.url + ZALO_URL, raw=b"{}").status == 401
    assert zalo_post(srv, {**event, "event_name": "follow"}).body == {"received": 0, "replies": []}


def test_messenger_handshake_signature_and_message(chat_server):
    srv = chat_server
    ok = srv.http("GET", srv.url + FB_URL + "?hub.mode=subscribe"
                  f"&hub.verify_token={FB_VERIFY}&hub.challenge=12345",
    )
    assert ok.status == 200 and ok.raw == b"12345"
    assert (
        srv.http("GET", srv.url + FB_URL + "?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1"
        ).status
        == 403
    )
    msg = {
        "sender": {"id": "PSID-1"},
        "recipient": {"id": "PAGE"},
        "timestamp": 1762131600000,
        "message": {"mid": "m_1", "text": "Đèn đường hỏng cả tuần, tối om"},
    }
    assert messenger_post(srv, [msg], secret="nope").status == 401
    loc = {
        "sender": {"id": "PSID-1"},
        "recipient": {"id": "PAGE"},
        "timestamp": 1762131660000,
        "message": {
            "mid": "m_2",
            "attachments": [
                {"type": "location", "payload": {"coordinates": {"lat": 16.47, "long": 107.58}}}
            ],
        },
    }
    echo = {
        "sender": {"id": "PAGE"},
        "recipient": {"id": "PSID-1"},
        "timestamp": 1,
        "message": {"mid": "m_3", "is_echo": True, "text": "cảm ơn"},
    }
    res = messenger_post(srv, [msg, echo, loc])
    assert res.status == 200 and res.body["received"] == 2
    case_id = res.body["replies"][1]["case_id"]
    stored = srv.core.store.get(case_id)
    assert stored["category"] == "urban_order.streetlight" and stored["source"]["ref"] == "m_2"
    assert (stored["lat"], stored["lon"]) == (16.47, 107.58)


def test_unconfigured_channel_says_so(server):
    res = server.http("POST", server.url + ZALO_URL, raw=b"{}")
    assert res.status == 503 and "not configured" in res.body["error"]["message"]


def test_category_guess(router):
    assert guess_category("Cúp điện từ sáng", router.categories) == "power.outage"
    assert guess_category("ong nuoc bi vo, ro ri khap duong", router.categories) == "water.leak"
    assert guess_category("xin chào", router.categories) == "other.general"


def test_a_chat_report_needs_no_form_answers(chat_server, clock):
    text = zalo_event(
        clock, "user_send_text", "r1", {"text": "Đường có ổ gà rất lớn"}, sender="u-2"
    )
    zalo_post(chat_server, text)
    where = zalo_event(
        clock,
        "user_send_location",
        "r2",
        {
            "attachments": [
                {
                    "type": "location",
                    "payload": {"coordinates": {"latitude": "16.47", "longitude": "107.6"}},
                }
            ]
        },
        sender="u-2",
    )
    [reply] = zalo_post(chat_server, where).body["replies"]
    assert chat_server.core.store.get(reply["case_id"])["category"] == "traffic.road_damage"
    bad = zalo_event(
        clock,
        "user_send_location",
        "r3",
        {"attachments": [{"type": "location", "payload": {"coordinates": {"latitude": "north"}}}]},
        sender="u-2",
    )
    assert zalo_post(chat_server, bad).status == 400


def test_chat_text_with_control_characters_is_cleaned_and_dated_on_receipt(make_server, clock,
                                                                           store_url):
    srv = make_server(clock, listen=False, db=store_url, zalo_app_id=ZALO_APP,
                      zalo_oa_secret=ZALO_SECRET)
    text = zalo_event(clock, "user_send_text", "c1\u0000", {"text": "Ngập\u0000 sâu\tquá\nrồi"},
                      sender="u-3")
    assert zalo_post(srv, text).status == 200
    where = zalo_event(clock, "user_send_location", "c2", {"attachments": [
        {"type": "location", "payload": {"coordinates": {"latitude": "16.47",
                                                         "longitude": "107.6"}}}]},
        sender="u-3")
    filed = zalo_post(srv, where)
    assert filed.status == 200, filed.body
    stored = srv.core.store.get(filed.body["replies"][0]["case_id"])
    assert stored["props"]["description"] == "Ngập sâu\tquá\nrồi"
    assert stored["observed_at"] == stored["received_at"]
