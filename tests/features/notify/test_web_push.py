"""Web Push through a local push service: a browser subscribes; a case routed to its unit is
pushed to the unit's staff, encrypted for that subscription (RFC 8291: the test decrypts it with
the subscription's private key) and signed with the server's VAPID key; an assignment reaches the
unit's tablet as urgent; a subscription the service no longer knows is not retried; who may
subscribe and unsubscribe."""
from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwt
from joserfc.jwk import ECKey

from tests.helpers.cases import file_report
from tests.helpers.gateways import PushService, wait_until

FAST = {"notify_poll_s": 0.05, "notify_backoff_s": 0.05, "notify_backoff_max_s": 0.2}
#: Another category handled by the commune (the same one twice is a duplicate, not a case).
SECOND = "urban_order.sidewalk"


@pytest.fixture
def push():
    service = PushService()
    yield service
    service.stop()


def _subscribe(srv, token, sub):  # noqa: ANN001, ANN202
    return srv.http("POST", srv.url + "/api/v1/push/subscriptions", sub, token)


def test_a_new_case_is_pushed_to_its_units_staff_encrypted_and_signed(make_server, push):
    srv = make_server(listen=False, **FAST)
    public = srv.token("public")
    first = file_report(srv, public).body["case"]
    unit = srv.token("agency", first["agency_id"])
    sub, key, auth = push.subscription("clerk")
    assert _subscribe(srv, unit, sub).status == 201
    other_sub, _, _ = push.subscription("operator")
    assert _subscribe(srv, srv.token("operator"), other_sub).status == 201
    case = file_report(srv, public, category=SECOND).body["case"]
    assert case["agency_id"] == first["agency_id"] and case["status"] == "routed"
    wanted = f"/cases#case={case['id']}"
    headers, body = wait_until(lambda: next((r for r in push.received
                                             if push.decrypt(r[1], key, auth)["url"] == wanted),
                                            None))
    headers = {k.lower(): v for k, v in headers.items()}
    message = push.decrypt(body, key, auth)
    assert message["title"] == "Phản ánh mới" and message["urgent"] is False
    assert headers["content-encoding"] == "aes128gcm" and int(headers["ttl"]) > 0
    vapid = headers["authorization"]
    token = vapid.split("t=", 1)[1].split(",", 1)[0]
    k = srv.http("GET", srv.url + "/api/v1/push/key").body["public_key"]
    assert vapid.split("k=", 1)[1] == k
    point = base64.urlsafe_b64decode(k + "=" * (-len(k) % 4))
    pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    pem = pub.public_bytes(serialization.Encoding.PEM,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    claims = jwt.decode(token, ECKey.import_key(pem), algorithms=["ES256"]).claims
    assert claims["sub"] == "mailto:ioc@hue.gov.vn" and claims["aud"] == push.base
    # the operator's browser is not the unit's: nothing was ever pushed to it
    assert srv.core.store.outbox_page(None, 50, source=case["id"])[0].recipient != "operator"
    assert all(i.address.find("/push/operator") < 0
               for i in srv.core.store.outbox_page(None, 50))


def test_a_gone_subscription_is_not_retried(make_server, push):
    push.status = 410
    srv = make_server(listen=False, **FAST)
    public = srv.token("public")
    first = file_report(srv, public).body["case"]
    sub, _, _ = push.subscription("old")
    assert _subscribe(srv, srv.token("agency", first["agency_id"]), sub).status == 201
    file_report(srv, public, category=SECOND)
    dead = wait_until(lambda: srv.core.store.outbox_page(None, 10, state="dead"))
    assert {(i.attempts, i.last_error) for i in dead} == {(1, "push service answered HTTP 410")}


def test_who_may_subscribe(make_server, push):
    srv = make_server(listen=False, **FAST)
    sub, _, _ = push.subscription("x")
    assert _subscribe(srv, srv.token("public"), sub).status == 403
    assert _subscribe(srv, None, sub).status == 401
    far = {**sub, "endpoint": "http://push.example.com/x"}
    assert _subscribe(srv, srv.token("operator"), far).status == 422
    mine, theirs = srv.token("operator"), srv.token("operator")
    assert _subscribe(srv, mine, sub).status == 201
    gone = srv.http("DELETE", srv.url + "/api/v1/push/subscriptions",
                    {"endpoint": sub["endpoint"]}, theirs)
    assert gone.status == 404
    assert srv.http("DELETE", srv.url + "/api/v1/push/subscriptions",
                    {"endpoint": sub["endpoint"]}, mine).status == 200


def test_an_assignment_reaches_the_units_tablet_as_urgent(make_server, push):
    from tests.helpers.dispatch import call_act, file_call, seed, tablet_token
    srv = make_server(listen=False, **FAST)
    seed(srv)
    operator = srv.token("operator")
    sub, key, auth = push.subscription("tablet")
    tablet = tablet_token(srv, operator, "qs-xuong-01")
    assert _subscribe(srv, tablet, sub).status == 201
    call = file_call(srv, operator)
    assert call_act(srv, call["id"], "assign", operator, unit_id="qs-xuong-01").status == 200
    _, body = wait_until(lambda: next(iter(push.received), None))
    message = push.decrypt(body, key, auth)
    assert message["urgent"] is True and message["url"] == "/tablet"
    assert message["title"].startswith("Nhiệm vụ mới") and "Nguyễn Thị Lan" not in str(message)
    assert "0905" not in str(message)  # the caller's phone stays on the tablet's own page
