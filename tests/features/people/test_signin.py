"""Sign-in with a person's username and password: the session cookie (HttpOnly, SameSite, Secure
behind TLS), /auth/me and its CSRF token, sign-out, idle and absolute expiry, a disabled person
signed out at once, throttling, one-time set-password links, and bad input answered in the one
error shape with nothing changed. On both stores."""
from __future__ import annotations

import pytest

from server.core.auth import TokenCache, csrf_token, hash_token
from server.core.errors import Unauthorized
from server.core.timefmt import now_micros
from server.store.base import TokenRecord
from tests.helpers import assert_error, recv_json
from tests.helpers.ws import closed_within
from tests.helpers.people import PASSWORD, add_user, session_of, sign_in
from tests.helpers.sync import run_async
from websockets.sync.client import connect


@pytest.fixture
def server(app_server):
    """In process: these handlers answer plain requests, no port is opened."""
    return app_server


def _login(srv, username: str, password: str, **kw):  # noqa: ANN001, ANN202
    return srv.http("POST", srv.url + "/auth/login", {"username": username, "password": password},
                    **kw)


def test_a_person_signs_in_acts_with_the_cookie_and_signs_out(server):
    add_user(server, "lan.admin", "admin", name="Nguyễn Thị Lan")
    res = _login(server, "Lan.Admin ", PASSWORD)  # case and spaces of the username do not matter
    assert res.status == 200, res.body
    cookie = res.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP here; behind TLS it is Secure (next test)
    secret = session_of(res)
    assert res.body["csrf"] == csrf_token(secret) and res.body["home"] == "/admin"
    assert res.body["user"] == {"username": "lan.admin", "name": "Nguyễn Thị Lan",
                                "role": "admin", "agency_id": None, "unit_id": None}
    session = sign_in(server, "lan.admin")
    me = session.http("GET", "/auth/me").body
    assert me["signed_in"] and me["via"] == "session" and me["csrf"] == session.csrf
    assert session.http("GET", "/api/v1/users").status == 200
    assert session.http("PATCH", "/api/v1/users/lan.admin", {"name": "Lan"}).status == 200
    assert session.http("POST", "/auth/logout").status == 200
    assert_error(session.http("GET", "/api/v1/users"), 401, "unauthorized")
    assert session.http("GET", "/auth/me").body["signed_in"] is False
    # the other session of the same person is still live: sign-out ends one session only
    assert server.http("GET", server.url + "/api/v1/users",
                       headers={"Cookie": f"ioc_session={secret}"}).status == 200


def test_the_cookie_is_secure_behind_tls(make_server):
    srv = make_server(listen=False, public_url="https://ioc.hue.gov.vn")
    add_user(srv, "lan.admin", "admin")
    res = _login(srv, "lan.admin", PASSWORD)
    assert "Secure" in res.headers["Set-Cookie"]


def test_wrong_password_and_unknown_person_get_the_same_answer(server):
    add_user(server, "binh.op", "operator")
    wrong = _login(server, "binh.op", "not the password")
    unknown = _login(server, "nobody.here", "not the password")
    for res in (wrong, unknown):
        err = assert_error(res, 401, "unauthorized")
        assert "Sai tên đăng nhập hoặc mật khẩu" in err["message"]
        assert "Set-Cookie" not in res.headers
    assert wrong.body == unknown.body


def test_sign_in_is_paused_after_repeated_failures(server):
    add_user(server, "binh.op", "operator")
    for _ in range(5):
        assert _login(server, "binh.op", "guess").status == 401
    res = _login(server, "binh.op", PASSWORD)  # even the right password waits
    assert_error(res, 429, "rate_limited")
    assert int(res.headers["Retry-After"]) > 0
    add_user(server, "chi.op", "operator")
    assert _login(server, "chi.op", PASSWORD).status == 200  # another person is not paused


def test_a_disabled_person_is_signed_out_on_the_next_request(server):
    add_user(server, "lan.admin", "admin")
    add_user(server, "binh.op", "operator")
    admin, operator = sign_in(server, "lan.admin"), sign_in(server, "binh.op")
    assert operator.http("GET", "/api/v1/calls").status == 200
    res = admin.http("PATCH", "/api/v1/users/binh.op", {"enabled": False})
    assert res.status == 200 and res.body["user"]["enabled"] is False
    assert_error(operator.http("GET", "/api/v1/calls"), 401, "unauthorized")
    err = assert_error(_login(server, "binh.op", PASSWORD), 401, "unauthorized")
    assert "khoá" in err["message"]
    assert admin.http("PATCH", "/api/v1/users/binh.op", {"enabled": True}).status == 200
    assert sign_in(server, "binh.op").http("GET", "/api/v1/calls").status == 200
    assert_error(admin.http("PATCH", "/api/v1/users/lan.admin", {"enabled": False}), 400,
                 "bad_request")  # not oneself


def test_a_set_password_link_works_once(server):
    add_user(server, "lan.admin", "admin")
    admin = sign_in(server, "lan.admin")
    res = admin.http("POST", "/api/v1/users", {"username": "dung.wall", "name": "Màn hình 1",
                                               "role": "wall"})
    assert res.status == 201 and res.body["user"]["has_password"] is False
    link = res.body["set_password_url"]
    assert link.startswith("/password#code=")  # the code in the fragment: never sent in a URL
    code = link.split("code=", 1)[1]
    assert_error(server.http("POST", server.url + "/auth/password",
                             {"code": code, "password": "short"}), 422, "validation_failed")
    ok = server.http("POST", server.url + "/auth/password", {"code": code, "password": PASSWORD})
    assert ok.status == 200 and ok.body == {"username": "dung.wall"}
    again = server.http("POST", server.url + "/auth/password",
                        {"code": code, "password": "another long one"})
    assert_error(again, 400, "bad_request")
    assert sign_in(server, "dung.wall").answer["home"] == "/wall"
    reset = admin.http("POST", "/api/v1/users/dung.wall/reset")
    assert reset.status == 200 and reset.body["set_password_url"] != link
    assert _login(server, "dung.wall", PASSWORD).status == 401  # the old password ended


@pytest.mark.parametrize("body,status,code", [
    ({"username": "x" * 81, "password": "p"}, 422, "validation_failed"),
    ({"username": "lan\u0000admin", "password": PASSWORD}, 422, "validation_failed"),
    ({"username": "lan.admin", "password": "p" * 201}, 422, "validation_failed"),
    ({"username": "lan.admin"}, 422, "validation_failed"),
    ({"username": "lan.admin", "password": PASSWORD, "remember": True}, 422, "validation_failed"),
    ([1, 2], 422, "validation_failed"),
])
def test_bad_sign_in_input_is_a_clear_error(server, body, status, code):
    add_user(server, "lan.admin", "admin")
    res = server.http("POST", server.url + "/auth/login", body)
    err = assert_error(res, status, code)
    assert err["message"] and "Set-Cookie" not in res.headers


def test_sign_in_takes_only_json(server):
    add_user(server, "lan.admin", "admin")
    res = server.http("POST", server.url + "/auth/login",
                      raw=f"username=lan.admin&password={PASSWORD}".encode(),
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_error(res, 415, "unsupported_media_type")


@pytest.mark.parametrize("body", [
    {"username": "Bad Name", "name": "x", "role": "operator"},
    {"username": "ok.name", "name": "x\u0007", "role": "operator"},
    {"username": "ok.name", "name": "x" * 101, "role": "operator"},
    {"username": "ok.name", "name": "x", "role": "public"},
    {"username": "ok.name", "name": "x", "role": "agency"},
    {"username": "ok.name", "name": "x", "role": "agency", "agency_id": "no-such-agency"},
    {"username": "ok.name", "name": "x", "role": "operator", "unit_id": "boat-1"},
])
def test_bad_person_input_changes_nothing(server, body):
    add_user(server, "lan.admin", "admin")
    admin = sign_in(server, "lan.admin")
    before = admin.http("GET", "/api/v1/users").body
    assert_error(admin.http("POST", "/api/v1/users", body), 422, "validation_failed")
    assert admin.http("GET", "/api/v1/users").body == before


def test_a_taken_username_is_a_conflict(server):
    add_user(server, "lan.admin", "admin")
    admin = sign_in(server, "lan.admin")
    res = admin.http("POST", "/api/v1/users", {"username": "lan.admin", "name": "Other",
                                               "role": "operator"})
    assert_error(res, 409, "conflict")
    assert [u["role"] for u in admin.http("GET", "/api/v1/users").body["users"]] == ["admin"]


def test_an_expired_or_ended_session_is_refused_and_its_cookie_cleared(server):
    add_user(server, "binh.op", "operator")
    session = sign_in(server, "binh.op")
    rec = server.core.store.token_by_hash(hash_token(session.secret))
    assert rec.owner == "binh.op" and rec.kind == "session" and rec.expires_at
    server.core.store.revoke_token(rec.id, now_micros())
    server.core.tokens.forget()
    res = session.http("GET", "/api/v1/calls")
    err = assert_error(res, 401, "unauthorized")
    assert "/login" in err["message"] and 'ioc_session=""' in res.headers["Set-Cookie"]


def test_a_machine_token_in_the_cookie_is_no_session(server):
    token = server.token("admin")
    res = server.http("GET", server.url + "/api/v1/users",
                      headers={"Cookie": f"ioc_session={token}"})
    assert_error(res, 401, "unauthorized")


def _session_record(token_id: str, idle_s: float, last_used_s_ago: float,
                    age_s: float = 0) -> TokenRecord:
    now = now_micros()
    return TokenRecord(token_id, "h", "operator", label="session",
                       created_at=now - int(age_s * 1e6), expires_at=None,
                       extra={"kind": "session", "idle_s": idle_s},
                       owner="binh.op", last_used_at=now - int(last_used_s_ago * 1e6))


def test_a_session_unused_for_its_idle_time_ends():
    records = {"fresh": _session_record("a1", 60, 10), "idle": _session_record("a2", 60, 61)}

    async def lookup(h: str):  # noqa: ANN202
        return next(r for k, r in records.items() if hash_token(k) == h)

    async def check() -> None:
        cache = TokenCache(lookup)
        assert (await cache.principal("fresh")).user == "binh.op"
        with pytest.raises(Unauthorized, match="without use"):
            await cache.principal("idle")
        assert set(cache.take_used()) == {"a1"} and cache.take_used() == {}
        assert (await cache.principal("fresh")).user == "binh.op"  # used again: still live

    run_async(check())


def test_the_sign_in_and_every_change_name_the_person_in_the_audit_trail(server):
    add_user(server, "lan.admin", "admin")
    admin = sign_in(server, "lan.admin")
    admin.http("POST", "/api/v1/users", {"username": "binh.op", "name": "B", "role": "operator"})
    admin.http("PATCH", "/api/v1/users/binh.op", {"enabled": False})
    admin.http("GET", "/api/v1/calls")
    res = admin.http("GET", "/api/v1/audit?actor=lan.admin&format=csv")
    assert res.status == 200 and "attachment" in res.headers["Content-Disposition"]
    lines = res.raw.decode().splitlines()
    actions = [line.split(",")[2] for line in lines[1:]]
    assert {"person.sign_in", "person.add", "person.change", "access"} <= set(actions)
    assert all(line.split(",")[3] == "lan.admin" for line in lines[1:])


def test_tokens_have_an_owner_and_a_kiosk_link(server):
    add_user(server, "lan.admin", "admin")
    admin = sign_in(server, "lan.admin")
    res = admin.http("POST", "/api/v1/tokens", {"role": "operator", "label": "camera worker 1"})
    assert res.status == 201 and res.body["secret"].startswith("ioc_")
    assert res.body["token"]["owner"] == "lan.admin" and res.body["token"]["kind"] == "machine"
    kiosk = admin.http("POST", "/api/v1/tokens", {"role": "wall", "label": "Tường chính",
                                                  "kiosk": True}).body
    assert kiosk["kiosk_url"] == f"/wall#kiosk={kiosk['secret']}"
    assert server.http("GET", server.url + "/api/v1/events",
                       token=res.body["secret"]).status == 200
    assert server.call(server.core.write_uses()) >= 1
    listed = {t["label"]: t for t in admin.http("GET", "/api/v1/tokens").body["tokens"]}
    assert listed["camera worker 1"]["last_used_at"] and listed["Tường chính"]["kind"] == "kiosk"
    assert "session" not in {t["kind"] for t in listed.values()}
    assert_error(admin.http("POST", "/api/v1/tokens", {"role": "operator", "label": "k",
                                                       "kiosk": True}), 400, "bad_request")


def test_histories_name_the_person_to_staff_only(server):
    from tests.helpers.cases import file_report
    case = file_report(server, server.token("public")).body["case"]
    add_user(server, "xa.person", "agency", name="Trần Văn Xã", agency_id=case["agency_id"])
    agency = sign_in(server, "xa.person")
    assert agency.http("POST", f"/api/v1/reports/{case['id']}/transitions",
                       {"action": "accept"}).status == 200
    staff = server.http("GET", server.url + f"/api/v1/events/{case['id']}/history",
                        token=server.token("operator")).body
    entries = staff["history"] if isinstance(staff, dict) else staff
    accepted = [e for e in entries if e["actor"] == "xa.person"]
    assert accepted and accepted[0]["actor_name"] == "Trần Văn Xã"
    public = server.http("GET", server.url + f"/api/v1/events/{case['id']}/history",
                         token=server.token("public")).raw.decode()
    assert "xa.person" not in public and "Trần Văn Xã" not in public


def test_the_session_cookie_opens_the_websocket_and_sign_out_closes_it(make_server):
    srv = make_server()
    add_user(srv, "dung.wall", "wall")
    session = sign_in(srv, "dung.wall")
    with connect(srv.ws_url, additional_headers={"Cookie": f"ioc_session={session.secret}"},
                 open_timeout=10) as ws:
        ws.send('{"op":"subscribe","layers":["reports"],"since":0}')
        assert recv_json(ws)["op"] == "subscribed"
        assert session.http("POST", "/auth/logout").status == 200
        assert closed_within(ws, 10).code == 4401
    with connect(srv.ws_url, additional_headers={"Cookie": f"ioc_session={session.secret}"},
                 open_timeout=10) as ws:
        ws.send('{"op":"subscribe","layers":["reports"],"since":0}')
        frame = recv_json(ws)
        assert frame["op"] == "error" and frame["error"]["code"] == "unauthorized"


def test_the_whole_round_on_both_stores(any_server):
    """Add, set the password, sign in, act, disable (signed out), enable, reset: on SQLite and
    on PostGIS alike."""
    srv = any_server
    add_user(srv, "lan.admin", "admin")
    admin = sign_in(srv, "lan.admin")
    res = admin.http("POST", "/api/v1/users", {"username": "binh.op", "name": "Bình",
                                               "role": "operator"})
    assert res.status == 201, res.body
    code = res.body["set_password_url"].split("code=", 1)[1]
    assert srv.http("POST", srv.url + "/auth/password",
                    {"code": code, "password": PASSWORD}).status == 200
    operator = sign_in(srv, "binh.op")
    assert operator.http("GET", "/api/v1/calls").status == 200
    assert admin.http("PATCH", "/api/v1/users/binh.op", {"enabled": False}).status == 200
    assert operator.http("GET", "/api/v1/calls").status == 401
    assert admin.http("PATCH", "/api/v1/users/binh.op", {"enabled": True}).status == 200
    assert sign_in(srv, "binh.op").http("GET", "/api/v1/calls").status == 200
    assert admin.http("POST", "/api/v1/users/binh.op/reset").status == 200
    assert _login(srv, "binh.op", PASSWORD).status == 401
    listed = {u["username"]: u for u in admin.http("GET", "/api/v1/users").body["users"]}
    assert listed["binh.op"]["last_sign_in"] and listed["binh.op"]["has_password"] is False
