"""Single sign-on in Chromium against a real OpenID provider (oidc-provider in a child
process): the sign-in page's button, the provider's own sign-in and consent forms, and back on
the wall signed in with the provider's role and agency."""
from __future__ import annotations

import pytest

from server.core.auth import SESSION_COOKIE
from tests.helpers.browser import Watch, wait_wall_ready
from tests.helpers.nodes import free_port
from tests.helpers.oidc import CLIENT_ID, CLIENT_SECRET, oidc_provider

TIMEOUT_MS = 20_000


@pytest.fixture
def sso_server(make_server, tmp_path):
    """Return (server, provider): the server on a port chosen first, the provider knowing its
    callback."""
    port = free_port()
    with oidc_provider(tmp_path, [f"http://127.0.0.1:{port}/auth/oidc/callback"]) as provider:
        srv = make_server(port=port, oidc_issuer=provider.issuer, oidc_client_id=CLIENT_ID,
                          oidc_client_secret=CLIENT_SECRET)
        yield srv, provider


def provider_sign_in(page, login: str) -> None:
    """Fill the provider's development sign-in form as ``login``, then confirm its consent."""
    page.wait_for_selector('input[name="login"]', timeout=TIMEOUT_MS)
    page.fill('input[name="login"]', login)
    page.fill('input[name="password"]', "any password")
    page.click('button[type="submit"]')
    page.wait_for_selector('input[name="prompt"][value="consent"]', state="attached",
                           timeout=TIMEOUT_MS)
    page.click('button[type="submit"]')


def test_sign_on_lands_on_a_working_wall_as_the_providers_agency(browser, sso_server):
    srv, provider = sso_server
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    page = context.new_page()
    watch = Watch(srv.url)
    watch.attach(page)
    try:
        page.goto(f"{srv.url}/login?next=/wall")
        page.wait_for_selector("#sso-link", state="visible", timeout=TIMEOUT_MS)
        assert page.get_attribute("#sso-link", "href") == "/auth/oidc/start?next=%2Fwall"
        page.click("#sso-link")
        provider_sign_in(page, "binh")
        page.wait_for_url(f"{srv.url}/wall", timeout=TIMEOUT_MS)
        wait_wall_ready(page)
        me = page.evaluate("() => fetch('/auth/me').then((r) => r.json())")
        assert me["signed_in"] and me["via"] == "session" and me["role"] == "agency"
        assert me["user"]["username"] == "oidc:binh" and me["user"]["agency_id"] == "ca-hue"
        assert me["user"]["name"] == "Lê Văn Bình"
        cookie = next(c for c in context.cookies() if c["name"] == SESSION_COOKIE)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        assert "#token=" not in page.url and "code=" not in page.url
    finally:
        context.close()
    # Only the provider's own pages lie outside the server; nothing failed on the way.
    assert all(url.startswith(provider.issuer) for url in watch.outside), watch.outside
    assert watch.page_errors == [] and watch.failed == []
    assert [e for e in watch.http_errors if e[1].startswith(srv.url)
            and not e[1].endswith("/api/v1/cameras")] == []


def test_a_person_without_a_role_is_told_on_the_sign_in_page(browser, sso_server):
    srv, _ = sso_server
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{srv.url}/login")
        page.wait_for_selector("#sso-link", state="visible", timeout=TIMEOUT_MS)
        page.click("#sso-link")
        provider_sign_in(page, "dung")
        page.wait_for_url(f"{srv.url}/login?error=oidc*", timeout=TIMEOUT_MS)
        page.wait_for_function("() => document.getElementById('message').textContent.length",
                               timeout=TIMEOUT_MS)
        assert "tài khoản tỉnh" in page.text_content("#message").lower()
        assert "vai trò" in page.text_content("#message")  # says what is missing: a role
        assert not any(c["name"] == SESSION_COOKIE for c in context.cookies())
    finally:
        context.close()
