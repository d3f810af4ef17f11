"""A warning sent reaches the registered contacts inside it by SMS through a real local HTTP
gateway: one message each, in their language, one segment; a cancel reaches them again; a
gateway that fails or hangs is retried with back-off and then dead-lettered; a number the
gateway rejects is not retried; what was sent is listed for staff with masked numbers. On both
stores."""
from __future__ import annotations

from email.header import decode_header, make_header

import pytest

from server.core.timefmt import now_micros
from server.store.base import OutboxItem
from tests.helpers.gateways import SmsGateway, SmtpServer, wait_until
from tests.helpers.warnings import KIM_LONG, PHU_XUAN, act, draft, send

FAST = {"notify_poll_s": 0.05, "notify_backoff_s": 0.05, "notify_backoff_max_s": 0.2}
CONTACTS = {"contacts": [
    {"id": "kl-1", "name": "Hộ Nguyễn Văn A", "phone": "+84 900 000 901", "communes": [KIM_LONG]},
    {"id": "px-1", "name": "Mr B", "phone": "+84 900 000 902", "communes": [PHU_XUAN],
     "lang": "en"},
    {"id": "ta-1", "name": "Hộ C", "phone": "+84 900 000 903", "communes": ["20056"]}]}


@pytest.fixture
def gateway():
    gw = SmsGateway()
    yield gw
    gw.stop()


def _server(make_server, gateway, db=None, **extra):  # noqa: ANN001, ANN003, ANN202
    srv = make_server(listen=False, **gateway.settings(), **FAST, **extra,
                      **({"db": db} if db else {}))
    op = srv.token("operator")
    assert srv.http("POST", srv.url + "/api/v1/warnings/contacts", CONTACTS, op).status == 201
    return srv, op, srv.token("supervisor")


def _listing(srv, token, **query):  # noqa: ANN001, ANN003, ANN202
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    res = srv.http("GET", srv.url + f"/api/v1/notifications?{qs}", token=token)
    assert res.status == 200, res.body
    return res.body["notifications"]


def test_a_sent_warning_reaches_the_contacts_inside_it_once(make_server, gateway, store_url):
    srv, op, sup = _server(make_server, gateway, store_url)
    warning = send(srv, draft(srv, op)["id"], sup)
    got = {m["to"]: m for m in gateway.state.wait_for(2)}
    assert set(got) == {"+84 900 000 901", "+84 900 000 902"}  # Thuận An is not targeted
    vi, en = got["+84 900 000 901"]["text"], got["+84 900 000 902"]["text"]
    assert vi.startswith("IOC Hue CANH BAO: Canh bao ngap sau") and "Di chuyen len cao" in vi
    assert en.startswith("IOC Hue WARNING: Deep flooding warning")
    assert all(len(m["text"]) <= 160 and m["text"].isascii() for m in got.values())
    assert {m["sender"] for m in got.values()} == {"IOC-HUE"}
    rows = wait_until(lambda: len(sent := _listing(srv, op, source=warning["id"],
                                                    state="sent")) == 2 and sent)
    assert {r["to"][-4:] for r in rows} == {"•901", "•902"} and rows[0]["sent_at"]
    assert all("900 000" not in r["to"] for r in rows)
    feature = srv.features.get("notify")
    cursor = feature.deriver.cursor_key(feature.warnings)
    srv.core.store.put_records("notify_cursor", {cursor: {"seq": 0}}, now_micros())
    assert srv.call(feature.deriver.catch_up(feature.warnings)) == 0  # derived again: nothing new
    assert act(srv, warning["id"], sup, "cancel", reason="Nước đã rút").status == 200
    cancels = [m for m in gateway.state.wait_for(4) if ":cancel:" in m["id"]]
    assert {m["to"] for m in cancels} == set(got) and gateway.state.duplicates == 0
    assert "HUY CANH BAO" in next(m["text"] for m in cancels if m["to"].endswith("901"))


def test_a_failing_gateway_is_retried_then_dead_lettered(make_server, gateway):
    gateway.state.mode = "fail"
    srv, op, sup = _server(make_server, gateway, notify_max_attempts=3)
    warning = send(srv, draft(srv, op)["id"], sup)
    dead = wait_until(lambda: len(rows := _listing(srv, op, source=warning["id"],
                                                   state="dead")) == 2 and rows)
    assert {r["attempts"] for r in dead} == {3}
    assert {r["last_error"] for r in dead} == {"gateway answered HTTP 500"}
    assert gateway.state.requests >= 3 and gateway.state.delivered == {}


def test_a_hanging_gateway_times_out_and_is_retried(make_server, gateway):
    gateway.state.mode, gateway.state.delay_s = "slow", 1.5
    srv, op, sup = _server(make_server, gateway, sms_timeout_s=0.3)
    warning = send(srv, draft(srv, op)["id"], sup)
    wait_until(lambda: any(r["attempts"] >= 1 and r["state"] == "pending"
                           for r in _listing(srv, op, source=warning["id"])))
    gateway.state.mode = "ok"
    gateway.state.wait_for(2, timeout=30)
    assert any("not reached" in (r["last_error"] or "") or r["state"] == "sent"
               for r in _listing(srv, op, source=warning["id"]))


def test_a_rejected_number_is_not_retried(make_server, gateway):
    gateway.state.reject = {"+84 900 000 902"}
    srv, op, sup = _server(make_server, gateway)
    warning = send(srv, draft(srv, op)["id"], sup)
    gateway.state.wait_for(1)
    dead = wait_until(lambda: _listing(srv, op, source=warning["id"], state="dead"))
    assert [(r["attempts"], r["last_error"]) for r in dead] == [(1, "number does not exist")]


def test_staff_only_read_what_was_sent(make_server, gateway):
    srv, op, _ = _server(make_server, gateway)
    for role in ("wall", "public"):  # the role matrix covers every role
        assert srv.http("GET", srv.url + "/api/v1/notifications",
                        token=srv.token(role)).status == 403
    assert srv.http("GET", srv.url + "/api/v1/notifications?state=lost",
                    token=op).status == 422


def test_a_template_that_cannot_fit_one_sms_stops_the_start(make_server, gateway):
    with pytest.raises(ValueError, match="does not fit one SMS"):
        make_server(listen=False, notify_link="https://ioc.hue.gov.vn/" + "x" * 37)


def test_e_mail_goes_through_a_real_smtp_server(make_server):
    smtp = SmtpServer()
    try:
        srv = make_server(listen=False, **smtp.settings(), **FAST)
        item = OutboxItem(key="case:1:lan:email", topic="case", channel="email",
                          address="lan@hue.gov.vn", text="Phản ánh mới PA-1\nXem tại /cases",
                          data={"subject": "Phản ánh mới PA-1"})
        assert srv.core.store.enqueue([item], now_micros()) == 1
        mail = wait_until(lambda: smtp.mails and smtp.mails[0])
        subject = str(make_header(decode_header(mail["Subject"])))
        assert mail["To"] == "lan@hue.gov.vn" and subject == "Phản ánh mới PA-1"
        assert "Xem tại /cases" in mail.get_payload(decode=True).decode()
        assert wait_until(lambda: srv.core.store.outbox_page(None, 5, state="sent"))
    finally:
        smtp.stop()
