"""Signing in, in a real browser (headless Chromium) against a real server: a person signs in and
the wall runs on the session (no token anywhere) until they sign out; a person disabled by the
admin is signed out at once; a kiosk wall comes back by itself in a new browser built from the
first one's storage; the admin page adds a person whose set-password link works end to end; the
sign-in page says what went wrong and follows only this site's paths; and none of the secrets
(token, session cookie, CSRF token, password) ever reaches the server's log."""
from __future__ import annotations

import re
import subprocess
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.helpers import ServerProcess, http, ioc_command
from tests.helpers.browser import Watch, screenshot, wait_wall_ready
from tests.helpers.dispatch import KIM_TRA, desk
from tests.helpers.nodes import free_port
from tests.helpers.oidc import CLIENT_ID, CLIENT_SECRET, oidc_provider
from tests.helpers.people import add_user

PASSWORD = "song-Huong-chay-qua-2025"
HOTLINE_READY = "() => window.iocHotline && iocHotline.ready"
ADMIN_READY = "() => window.iocAdmin && iocAdmin.ready"
LOGIN_READY = "() => window.iocLogin && iocLogin.ready"
#: Every credential the page holds in its storage (none when it runs on the session).
#: A credential in an address: a token's prefix, or a token or kiosk parameter.
CREDENTIAL = re.compile(r"ioc_|[?&#](token|kiosk)=")
STORED = """() => [sessionStorage.getItem('ioc-token'), localStorage.getItem('ioc-kiosk')]"""


class Traffic:
    """What a page sent: every request's URL and Authorization header, every websocket URL."""

    def __init__(self, page) -> None:  # noqa: ANN001 - a Playwright page
        self.urls: list[str] = []
        self.bearer: list[str] = []
        self.sockets: list[str] = []
        page.on("request", self._request)
        page.on("websocket", lambda ws: self.sockets.append(ws.url))

    def _request(self, request) -> None:  # noqa: ANN001
        self.urls.append(request.url)
        if request.headers.get("authorization"):
            self.bearer.append(request.url)


@pytest.fixture
def contexts(browser):
    """Return new(origin, **context options) → (context, page, watch) (the watch: what the page
    did wrong, requests outside ``origin`` included); every context closed after."""
    made = []

    def new(origin: str, **kw):
        context = browser.new_context(viewport={"width": 1600, "height": 900}, **kw)
        made.append(context)
        page = context.new_page()
        watch = Watch(origin)
        watch.attach(page)
        return context, page, watch

    yield new
    for context in made:
        context.close()


def stored_calls(server) -> list[dict]:  # noqa: ANN001 - a ServerThread
    """Return the calls the server holds."""
    return list(desk(server).book.calls.values())


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Type the username and password on the sign-in page shown and press Enter."""
    page.wait_for_function(LOGIN_READY)
    page.fill("#username", username)
    page.fill("#password", password)
    page.press("#password", "Enter")


def test_the_wall_runs_on_the_session_and_stops_when_the_person_signs_out(server, contexts):
    add_user(server, "lan.tran", "operator", PASSWORD, name="Trần Thị Lan")
    context, wall, _ = contexts(server.url)
    traffic = Traffic(wall)
    wall.goto(f"{server.url}/wall?cycle=0")
    wall.wait_for_url(re.compile(r"/login\?next=" + re.escape(quote("/wall?cycle=0", safe=""))))
    sign_in(wall, "lan.tran")
    wall.wait_for_url(re.compile(r"/wall\?cycle=0$"))
    wait_wall_ready(wall)
    wall.wait_for_function("() => iocWall.connection.channels.stream === 'up'")
    assert wall.evaluate(STORED) == [None, None]
    assert wall.evaluate("() => iocWall.token") is None
    assert traffic.bearer == []
    assert traffic.sockets and all(url.endswith("/ws") for url in traffic.sockets)
    assert not any(CREDENTIAL.search(url) for url in traffic.urls + traffic.sockets)
    cookie = next(c for c in context.cookies() if c["name"] == "ioc_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    desk = context.new_page()  # the same person, in another tab of the same browser
    desk.goto(f"{server.url}/hotline")
    desk.wait_for_selector("#signout")
    assert desk.text_content("#who") == "Trần Thị Lan"
    desk.click("#signout")
    desk.wait_for_url(re.compile(r"/login$"))

    wall.wait_for_selector("#ended")
    assert wall.evaluate("() => iocWall.stream.stopped")
    wall.wait_for_url(re.compile(r"/login\?next="), timeout=10_000)
    assert http("GET", server.url + "/auth/me",
                headers={"Cookie": f"ioc_session={cookie['value']}"}).body["signed_in"] is False


def test_a_person_disabled_by_the_admin_is_signed_out_at_once(server, contexts):
    add_user(server, "minh.le", "operator", PASSWORD, name="Lê Văn Minh")
    add_user(server, "quan.tri", "admin", PASSWORD, name="Quản Trị Viên")
    _, desk, _ = contexts(server.url)
    desk.goto(f"{server.url}/login?next=/hotline")
    sign_in(desk, "minh.le")
    desk.wait_for_url(re.compile(r"/hotline$"))
    desk.wait_for_function(HOTLINE_READY, timeout=20_000)

    _, admin, watch = contexts(server.url)
    admin.goto(f"{server.url}/login")
    sign_in(admin, "quan.tri")
    admin.wait_for_url(re.compile(r"/admin$"))
    admin.wait_for_function(ADMIN_READY, timeout=20_000)
    row = admin.locator("#people-table tr[data-username='minh.le']")
    row.locator("[data-action=disable]").click()
    assert "Lê Văn Minh" in admin.text_content("#confirm-text")
    admin.click("#confirm-ok")
    admin.wait_for_selector("#people-table tr[data-username='minh.le'][data-enabled=false]")

    status = desk.evaluate("() => fetch('/api/v1/calls').then((r) => r.status)")
    assert status == 401
    desk.wait_for_selector("#ended")
    desk.wait_for_url(re.compile(r"/login\?next=%2Fhotline"), timeout=10_000)
    sign_in(desk, "minh.le")  # the right password: the page says the account is disabled
    desk.wait_for_selector("#message[data-code=refused]")
    assert "khoá" in desk.text_content("#message") and "/login" in desk.url
    assert watch.page_errors == [] and watch.console_errors == []


def test_a_kiosk_wall_comes_back_by_itself_and_leaves_when_revoked(server, contexts):
    _, admin, _ = contexts(server.url)  # the admin page on an admin token this time
    admin.goto(f"{server.url}/admin#token={server.token('admin')}")
    admin.wait_for_function(ADMIN_READY, timeout=20_000)
    admin.fill("#t-label", "Trạm đo mưa Kim Long")
    admin.select_option("#t-role", "operator")
    admin.click("#t-add")
    machine = admin.input_value("[data-kind=token] input")
    assert http("GET", server.url + "/api/v1/calls", token=machine).status == 200
    admin.fill("#t-label", "Phòng họp tầng 2")
    admin.check("#t-kiosk")
    assert admin.is_disabled("#t-role") and admin.input_value("#t-role") == "wall"
    admin.click("#t-add")
    link = admin.input_value("[data-kind=kiosk] input")
    assert link.startswith(f"{server.url}/wall#kiosk=ioc_"), link
    secret = link.split("#kiosk=")[1]
    row = admin.locator("#tokens-table tr[data-kind=kiosk]")
    assert "Phòng họp tầng 2" in row.text_content() and "Màn hình kiosk" in row.text_content()

    first, wall, _ = contexts(server.url)
    wall.goto(link)
    wait_wall_ready(wall)
    assert "kiosk" not in wall.url and secret not in wall.url
    assert wall.evaluate(STORED) == [None, secret]
    state = first.storage_state()
    first.close()

    _, again, watch = contexts(server.url, storage_state=state)  # the screen after a reboot
    traffic = Traffic(again)
    again.goto(f"{server.url}/wall?cycle=0")
    wait_wall_ready(again)
    again.wait_for_function("() => iocWall.connection.channels.stream === 'up'")
    assert again.url.endswith("/wall?cycle=0")
    assert not any(secret in u for u in traffic.urls + traffic.sockets)

    row.locator("[data-action=revoke]").click()
    assert "Phòng họp tầng 2" in admin.text_content("#confirm-text")
    admin.click("#confirm-ok")
    admin.wait_for_selector("#tokens-table tr[data-kind=kiosk][data-state=revoked]")
    again.wait_for_selector("#ended", timeout=10_000)
    screenshot(again, "wall-kiosk-revoked")
    again.wait_for_url(re.compile(r"/login\?next="), timeout=10_000)
    assert again.evaluate(STORED) == [None, None]
    assert watch.page_errors == []


def test_the_admin_adds_a_person_whose_link_sets_a_password_and_signs_them_in(server, contexts):
    add_user(server, "quan.tri", "admin", PASSWORD, name="Quản Trị Viên")
    _, admin, watch = contexts(server.url)
    admin.goto(f"{server.url}/admin")
    admin.wait_for_url(re.compile(r"/login\?next=%2Fadmin"))
    sign_in(admin, "quan.tri")
    admin.wait_for_url(re.compile(r"/admin$"))
    admin.wait_for_function(ADMIN_READY, timeout=20_000)
    assert admin.text_content("#who") == "Quản Trị Viên"

    admin.fill("#p-username", "hoa.nguyen")
    admin.fill("#p-name", "Nguyễn Thị Hoa")
    admin.select_option("#p-role", "operator")
    admin.click("#p-add")
    link = admin.input_value("[data-kind=set-password] input")
    assert re.fullmatch(re.escape(server.url) + r"/password#code=\S+", link), link
    row = admin.locator("#people-table tr[data-username='hoa.nguyen']")
    assert "Nguyễn Thị Hoa" in row.text_content() and "điều hành viên" in row.text_content()

    _, hoa, _ = contexts(server.url)
    traffic = Traffic(hoa)
    hoa.goto(link)
    hoa.wait_for_function("() => window.iocPassword && !location.hash")
    assert "code" not in hoa.url
    hoa.fill("#password", "ngan")
    hoa.click("#submit")
    hoa.wait_for_selector("#message[data-code=short]")
    hoa.fill("#password", "Cau-Truong-Tien-6-vai")
    hoa.fill("#password2", "Cau-Truong-Tien-6-vai")
    hoa.click("#submit")
    hoa.wait_for_selector("#message[data-code=done]")
    hoa.wait_for_url(re.compile(r"/login$"), timeout=10_000)
    hoa.wait_for_function(LOGIN_READY)
    assert hoa.input_value("#username") == "hoa.nguyen"  # filled in from the password page
    sign_in(hoa, "hoa.nguyen", "Cau-Truong-Tien-6-vai")
    hoa.wait_for_url(re.compile(r"/hotline$"))
    hoa.wait_for_function(HOTLINE_READY, timeout=20_000)
    assert hoa.text_content("#who") == "Nguyễn Thị Hoa"
    code = link.split("#code=")[1]
    assert not any(code in u for u in traffic.urls)

    admin.reload()
    admin.wait_for_function(ADMIN_READY, timeout=20_000)
    row = admin.locator("#people-table tr[data-username='hoa.nguyen']")
    assert "Chưa đăng nhập" not in row.text_content()
    admin.select_option("#a-actor", "hoa.nguyen")
    admin.wait_for_selector("#audit-table tr[data-actor='hoa.nguyen']")
    with admin.expect_download() as download:
        admin.click("#a-csv")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("id,at,action,actor") and "hoa.nguyen" in text
    assert watch.page_errors == [] and watch.console_errors == []
    assert admin.evaluate("() => window.__csp") == []


def test_the_sign_in_page_says_what_went_wrong_and_follows_only_this_sites_paths(
        make_server, contexts):
    server = make_server()
    add_user(server, "an.pham", "operator", PASSWORD)
    _, page, watch = contexts(server.url)
    page.goto(f"{server.url}/login?error=oidc")
    page.wait_for_selector("#message[data-code=oidc]")
    assert page.is_hidden("#sso")  # no identity provider configured
    assert page.text_content("#submit") == "Đăng nhập"
    page.click("#lang")
    assert page.text_content("#submit") == "Sign in"
    assert "province account" in page.text_content("#message")
    page.click("#lang")

    page.goto(f"{server.url}/login?next=//evil.example/wall")
    sign_in(page, "an.pham", "not-the-password")
    page.wait_for_selector("#message[data-code=wrong]")
    assert "Sai tên đăng nhập hoặc mật khẩu" in page.text_content("#message")
    sign_in(page, "an.pham")
    page.wait_for_url(re.compile(r"/hotline$"))  # the home page, not the other site
    page.goto(f"{server.url}/admin")
    page.wait_for_selector("#denied")  # an operator: the page says it is for administrators
    assert page.is_hidden(".sections")

    page.goto(f"{server.url}/login?next=/wall%3Fcycle%3D0")
    page.wait_for_url(re.compile(r"/wall\?cycle=0$"))  # signed in already: straight there

    _, other, _ = contexts(server.url)
    other.goto(f"{server.url}/login")
    for _ in range(5):  # IOC_LOGIN_MAX_FAILURES: then this username must wait
        with other.expect_response(re.compile(r"/auth/login$")):
            sign_in(other, "khong.co", "doan-mo")
    sign_in(other, "khong.co", "doan-mo")
    other.wait_for_selector("#message[data-code=wait]")
    assert re.search(r"Hãy đợi \d+ phút", other.text_content("#message"))
    server.stop()
    sign_in(other, "an.pham")
    other.wait_for_selector("#message[data-code=unreachable]")
    assert "Không kết nối được máy chủ" in other.text_content("#message")
    assert watch.outside == []


def test_no_secret_reaches_the_server_log(tmp_path, contexts):
    db = f"sqlite:///{tmp_path / 'ioc.sqlite3'}"
    add = subprocess.run(ioc_command() + ["users", "add", "thu.vo", "--role", "operator",
                                          "--name", "Võ Thị Thu", "--password-stdin",
                                          "--db", db],
                         input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert add.returncode == 0, add.stderr
    wall_token = subprocess.run(ioc_command() + ["token", "create", "--role", "wall", "--db", db],
                                capture_output=True, text=True, timeout=60,
                                check=True).stdout.strip()
    server = ServerProcess("--db", db, env={"IOC_LOG_LEVEL": "DEBUG"})
    drain = threading.Thread(target=lambda: server.lines.extend(server.proc.stdout), daemon=True)
    drain.start()  # a full pipe would stall the server
    try:
        _, wall, _ = contexts(server.url)
        wall.goto(f"{server.url}/wall?cycle=0#token={wall_token}")
        wait_wall_ready(wall)
        context, page, _ = contexts(server.url)
        page.goto(f"{server.url}/login?next=/hotline")
        sign_in(page, "thu.vo", PASSWORD + "-sai")
        page.wait_for_selector("#message[data-code=wrong]")
        sign_in(page, "thu.vo")
        page.wait_for_url(re.compile(r"/hotline$"))
        page.wait_for_function(HOTLINE_READY, timeout=20_000)
        csrf = page.evaluate("() => iocHotline.api.csrf")
        session = next(c["value"] for c in context.cookies() if c["name"] == "ioc_session")
        page.click("#signout")
        page.wait_for_url(re.compile(r"/login$"))
    finally:
        server.stop()
    drain.join(30)
    log = "".join(server.lines)
    assert "POST /auth/login" in log and "POST /auth/logout" in log  # the log saw it all
    for secret in (wall_token, session, csrf, PASSWORD):
        assert secret and secret not in log


def provider_sign_in(page, login: str) -> None:  # noqa: ANN001 - a Playwright page
    """Go through the test provider's development forms as ``login`` (any password)."""
    page.wait_for_selector("input[name=login]")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any password")
    page.click("button[type=submit]")
    page.wait_for_selector("button[type=submit]")  # the consent form
    page.click("button[type=submit]")


def test_the_province_sign_on_button_goes_through_the_provider_and_back(make_server, tmp_path,
                                                                        contexts):
    port = free_port()
    with oidc_provider(tmp_path, [f"http://127.0.0.1:{port}/auth/oidc/callback"]) as provider:
        server = make_server(port=port, oidc_issuer=provider.issuer, oidc_client_id=CLIENT_ID,
                             oidc_client_secret=CLIENT_SECRET,
                             oidc_role_map={"operator": "operator"})
        _, page, _ = contexts(server.url)
        page.goto(f"{server.url}/hotline")
        page.wait_for_url(re.compile(r"/login\?next=%2Fhotline$"))
        page.wait_for_selector("#sso-link")
        label = http("GET", server.url + "/auth/me").body["oidc"]["label"]
        assert page.text_content("#sso-link") == label["vi"]  # the label the server is set up with
        assert page.get_attribute("#sso-link", "href") == "/auth/oidc/start?next=%2Fhotline"
        page.click("#sso-link")
        provider_sign_in(page, "lan")
        page.wait_for_url(re.compile(r"/hotline$"))
        page.wait_for_function(HOTLINE_READY, timeout=20_000)
        assert page.text_content("#who") == "Trần Thị Lan"

        _, other, _ = contexts(server.url)  # a person the province gives no IOC role
        other.goto(f"{server.url}/login")
        other.click("#sso-link")
        provider_sign_in(other, "dung")
        other.wait_for_selector("#message[data-code=oidc-role]")
        assert "chưa được cấp vai trò" in other.text_content("#message")


def test_a_call_queued_on_the_session_is_sent_once_after_a_reload(server, contexts):
    add_user(server, "thao.dang", "operator", PASSWORD, name="Đặng Thảo")
    _, page, _ = contexts(server.url, permissions=["geolocation"],
                          geolocation={"latitude": KIM_TRA[0], "longitude": KIM_TRA[1]})
    page.goto(f"{server.url}/login?next=/hotline")
    sign_in(page, "thao.dang")
    page.wait_for_function(HOTLINE_READY, timeout=20_000)
    page.route("**/api/v1/calls", lambda route: route.abort("internetdisconnected"))
    page.locator("#locate").click()
    page.wait_for_function(
        "() => document.getElementById('where').textContent.includes('thiết bị')")
    page.locator("#phone").fill("0905 444 555")
    page.keyboard.press("Alt+4")  # trapped
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#queued[data-count='1']")
    assert stored_calls(server) == []
    page.unroute("**/api/v1/calls")
    page.reload()  # the entry waits in this tab's storage; the page knows no CSRF token yet
    page.wait_for_function(HOTLINE_READY, timeout=20_000)
    page.wait_for_selector("#queued", state="hidden", timeout=15_000)
    [call] = stored_calls(server)
    assert call["props"]["phone"] == "0905 444 555"
