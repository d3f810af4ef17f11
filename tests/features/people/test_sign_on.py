"""``/auth/oidc/start`` and ``/auth/oidc/callback`` on a real server with a real provider
(oidc-provider in a child process): one cookie jar plays the browser over HTTP."""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from server.core.auth import SESSION_COOKIE
from server.features.people.sign_on import BINDING_COOKIE, STATE_KIND, local_path
from tests.helpers.dispatch import seed
from tests.helpers.nodes import free_port
from tests.helpers.oidc import CLIENT_ID, CLIENT_SECRET, oidc_provider, walk_provider


@pytest.fixture
def signed_on(make_server, tmp_path):
    """Return (server, provider): a server on a port known beforehand, so that the provider
    registers its callback."""
    port = free_port()
    callback = f"http://127.0.0.1:{port}/auth/oidc/callback"
    with oidc_provider(tmp_path, [callback]) as provider:
        srv = make_server(port=port, oidc_issuer=provider.issuer, oidc_client_id=CLIENT_ID,
                          oidc_client_secret=CLIENT_SECRET,
                          oidc_role_map={"ioc-supervisors": "supervisor", "operator": "operator",
                                         "agency": "agency", "responder": "responder"})
        yield srv, provider


def browser() -> httpx2.Client:
    """Return a client that keeps cookies and follows no redirect (each one is looked at)."""
    return httpx2.Client(timeout=15, follow_redirects=False)


def start(http: httpx2.Client, srv, next_path: str | None = "/wall") -> str:
    """Begin a sign-on; return the provider's address it redirects to."""
    query = f"?next={next_path}" if next_path else ""
    resp = http.get(f"{srv.url}/auth/oidc/start{query}")
    assert resp.status_code == 302, resp.text
    assert http.cookies.get(BINDING_COOKIE)
    return resp.headers["location"]


def callback_of(http: httpx2.Client, srv, login: str, next_path: str | None = "/wall") -> str:
    """Return the callback address the provider sends ``login`` back to."""
    return walk_provider(http, start(http, srv, next_path), login,
                         f"{srv.url}/auth/oidc/callback")


def sign_on(http: httpx2.Client, srv, login: str, next_path: str | None = "/wall"):
    """Go the whole way as ``login``; return the callback's answer (a redirect)."""
    return http.get(callback_of(http, srv, login, next_path))


def login_error(resp) -> dict[str, str]:
    """Return the query of a redirect to the sign-in page (assert it is one)."""
    assert resp.status_code == 302, resp.text
    to = urlsplit(resp.headers["location"])
    assert to.path == "/login" and not to.netloc, resp.headers["location"]
    return {k: v[0] for k, v in parse_qs(to.query).items()}


def test_sign_on_opens_a_session_with_the_providers_role_and_agency(signed_on):
    srv, provider = signed_on
    with browser() as http:
        resp = sign_on(http, srv, "binh")
        assert resp.status_code == 302 and resp.headers["location"] == "/wall"
        assert "httponly" in resp.headers["set-cookie"].lower()
        assert http.cookies.get(SESSION_COOKIE)
        me = http.get(f"{srv.url}/auth/me").json()
    assert me["signed_in"] and me["via"] == "session" and me["role"] == "agency"
    assert me["user"] == {"username": "oidc:binh", "name": "Lê Văn Bình", "role": "agency",
                          "agency_id": "ca-hue", "unit_id": None}
    assert me["csrf"] and me["oidc"]["enabled"] is True
    admin = srv.token("admin")
    listed = srv.http("GET", srv.url + "/api/v1/users", token=admin).body["users"]
    row = next(u for u in listed if u["username"] == "oidc:binh")
    assert row["source"] == "oidc" and row["last_sign_in"] and row["enabled"]


def test_the_home_of_the_role_when_no_next_and_no_open_redirect(signed_on):
    srv, _ = signed_on
    with browser() as http:
        assert sign_on(http, srv, "lan", None).headers["location"] == "/hotline"
    seed(srv)  # the responder's unit must be registered
    with browser() as http:
        resp = sign_on(http, srv, "cuong", "//evil.example/x")
        assert resp.headers["location"] == "/tablet"
    assert local_path("https://evil.example/") is None and local_path("/\\evil") is None
    assert local_path("/wall?cycle=0") == "/wall?cycle=0"


def test_sign_in_state_is_kept_server_side_and_used_once(signed_on):
    srv, _ = signed_on
    with browser() as http:
        back = callback_of(http, srv, "lan")
        kept = srv.core.store.records(STATE_KIND)
        assert len(kept) == 1
        state = parse_qs(urlsplit(back).query)["state"][0]
        doc = next(iter(kept.values()))
        assert state not in str(kept) and {"nonce", "verifier", "expires_at"} <= set(doc)
        assert http.get(back).headers["location"] == "/wall"
        assert srv.core.store.records(STATE_KIND) == {}
        http.cookies.set(BINDING_COOKIE, "x", path="/auth/oidc/")  # even with a binding
        assert login_error(http.get(back)) == {"error": "oidc", "reason": "expired"}


def test_tampered_state_or_code_is_refused(signed_on):
    srv, _ = signed_on
    with browser() as http:
        back = callback_of(http, srv, "lan")
        forged = back.replace("state=", "state=x")
        assert login_error(http.get(forged))["reason"] == "expired"
        assert SESSION_COOKIE not in http.cookies
    with browser() as http:
        back = callback_of(http, srv, "lan")
        forged = back.replace("code=", "code=x")
        assert login_error(http.get(forged))["reason"] == "failed"
        assert SESSION_COOKIE not in http.cookies


def test_a_callback_carried_to_another_browser_signs_no_one_in(signed_on):
    srv, _ = signed_on
    with browser() as victim_http, browser() as attacker:
        back = callback_of(attacker, srv, "lan")
        assert login_error(victim_http.get(back))["reason"] == "expired"
        assert SESSION_COOKIE not in victim_http.cookies


def test_person_without_role_is_sent_back_with_reason(signed_on):
    srv, _ = signed_on
    with browser() as http:
        assert login_error(sign_on(http, srv, "dung")) == {"error": "oidc", "reason": "role"}
        assert SESSION_COOKIE not in http.cookies
    admin = srv.token("admin")
    listed = srv.http("GET", srv.url + "/api/v1/users", token=admin).body["users"]
    assert "oidc:dung" not in {u["username"] for u in listed}


def test_unknown_agency_of_the_provider_is_refused(make_server, tmp_path):
    port = free_port()
    callback = f"http://127.0.0.1:{port}/auth/oidc/callback"
    accounts = {"x": {"name": "X", "ioc_role": "agency", "ioc_agency": "no-such-agency"}}
    with oidc_provider(tmp_path, [callback], accounts) as provider:
        srv = make_server(port=port, oidc_issuer=provider.issuer, oidc_client_id=CLIENT_ID,
                          oidc_client_secret=CLIENT_SECRET)
        with browser() as http:
            assert login_error(sign_on(http, srv, "x"))["reason"] == "role"


def test_disabled_person_stays_out_and_changes_end_sessions(signed_on):
    srv, _ = signed_on
    admin = srv.token("admin")
    with browser() as http:
        assert sign_on(http, srv, "lan").status_code == 302
        assert http.get(f"{srv.url}/auth/me").json()["role"] == "operator"
        changed = srv.http("PATCH", srv.url + "/api/v1/users/oidc:lan", {"enabled": False},
                           token=admin)
        assert changed.status == 200, changed.body
        assert http.get(f"{srv.url}/auth/me").json()["signed_in"] is False
    with browser() as http:
        assert login_error(sign_on(http, srv, "lan"))["reason"] == "disabled"
        assert SESSION_COOKIE not in http.cookies


def test_role_changed_here_is_set_back_from_the_provider(signed_on):
    srv, _ = signed_on
    admin = srv.token("admin")
    with browser() as http:
        sign_on(http, srv, "lan")
    srv.http("PATCH", srv.url + "/api/v1/users/oidc:lan", {"role": "wall"}, token=admin)
    with browser() as http:
        sign_on(http, srv, "lan")
        assert http.get(f"{srv.url}/auth/me").json()["role"] == "operator"


def test_provider_refusal_comes_back_as_denied(signed_on):
    srv, provider = signed_on
    with browser() as http:
        url = start(http, srv)
        page = http.get(url)
        assert page.status_code in (302, 303)
        interaction = page.headers["location"]
        uid = interaction.rstrip("/").rsplit("/", 1)[1]
        aborted = http.get(f"{provider.issuer}/interaction/{uid}/abort")
        back = aborted.headers["location"]
        while not back.startswith(srv.url):
            back = http.get(back).headers["location"]
        answer = login_error(http.get(back))
    assert answer == {"error": "oidc", "reason": "denied"}


def test_start_when_sign_on_is_off(server):
    res = server.http("GET", server.url + "/auth/oidc/start?next=/wall")
    assert res.status == 404 and res.body["error"]["code"] == "not_found"
    assert "/login" in res.body["error"]["message"]
    me = server.http("GET", server.url + "/auth/me").body
    assert me["oidc"]["enabled"] is False and me["oidc"]["label"]["vi"]
    with browser() as http:
        back = http.get(server.url + "/auth/oidc/callback?code=x&state=y")
    assert login_error(back)["error"] == "oidc"


def test_provider_down_is_unavailable(make_server, tmp_path):
    port = free_port()
    with oidc_provider(tmp_path, [f"http://127.0.0.1:{port}/auth/oidc/callback"]) as provider:
        issuer = provider.issuer
    srv = make_server(port=port, oidc_issuer=issuer, oidc_client_id=CLIENT_ID,
                      oidc_client_secret=CLIENT_SECRET)
    res = srv.http("GET", srv.url + "/auth/oidc/start")
    assert res.status == 503 and res.body["error"]["code"] == "unavailable"
    assert "password" in res.body["error"]["message"]


def test_no_code_state_or_session_in_the_server_log(signed_on, caplog):
    srv, _ = signed_on
    with caplog.at_level("DEBUG"), browser() as http:
        back = callback_of(http, srv, "lan")
        assert http.get(back).status_code == 302
        secrets_seen = [v[0] for k, v in parse_qs(urlsplit(back).query).items()
                        if k in ("code", "state")]
        secrets_seen.append(http.cookies.get(SESSION_COOKIE))
    # What the server writes (its own loggers and Tornado's; this test's client logs its own
    # requests in full, as any client may); the access line may follow the answer
    def server_log() -> str:
        return "\n".join(r.getMessage() for r in caplog.records
                         if r.name.startswith(("tornado", "server")))

    deadline = time.monotonic() + 5
    while "/auth/oidc/callback?" not in server_log() and time.monotonic() < deadline:
        time.sleep(0.05)
    logged = server_log()
    assert "/auth/oidc/callback?" in logged  # the request was logged, its secrets were not
    assert all(s and s not in logged for s in secrets_seen[:3]), logged
    assert CLIENT_SECRET not in caplog.text
