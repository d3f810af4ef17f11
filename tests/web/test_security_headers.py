"""Security headers on API answers and the server-rendered public page, hostile citizen text
shown as text on /public in a real browser (nothing runs, no CSP violation), and the websocket
origin allow-list."""
from __future__ import annotations

import pytest
from websockets.exceptions import InvalidStatus

from tests.helpers.browser import open_page
from tests.helpers.cases import act
from tests.helpers import http, open_ws, report

HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>Ngập <b>sâu</b>'


@pytest.fixture
def server(make_server):
    """A server that allows one other origin."""
    return make_server(allowed_origins=["https://wall.hue.gov.vn"])


def _csp(res) -> dict[str, str]:  # noqa: ANN001
    parts = [p.strip().split(" ", 1) for p in res.headers["Content-Security-Policy"].split(";")]
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


def test_api_answers_and_the_public_page_carry_security_headers(server):
    for path in ("/api/v1/health", "/api/v1/openapi.json", "/api/v1/nothing-here",
                 "/api/v1/events"):
        res = http("GET", server.url + path)
        assert res.headers["X-Content-Type-Options"] == "nosniff", path
        assert res.headers["Referrer-Policy"] == "no-referrer", path
        assert _csp(res) == {"default-src": "'none'", "frame-ancestors": "'none'"}, path
    page = http("GET", server.url + "/public")
    csp = _csp(page)
    assert page.status == 200 and csp["default-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'" and "script-src" not in csp
    assert csp["style-src"].startswith("'sha256-") and "unsafe" not in str(csp)
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_hostile_citizen_text_is_shown_as_text_on_the_public_page(server, browser):
    public = server.token("public")
    filed = http("POST", server.url + "/api/v1/questions",
                 {"category": "question.civil_status", "lat": 16.4637, "lon": 107.5909,
                  "props": {"question": HOSTILE}}, public)
    assert filed.status == 201, filed.body
    case = filed.body["case"]
    agency = server.token("agency", case["agency_id"])
    assert act(server, case["id"], "answer", agency, kind="question",
               reason=HOSTILE).status == 200
    rep = http("POST", server.url + "/api/v1/reports", {**report(), "kind": "report"}, public)
    assert rep.status == 201, rep.body
    agency_r = server.token("agency", rep.body["case"]["agency_id"])
    assert act(server, rep.body["case"]["id"], "accept", agency_r).status == 200
    assert act(server, rep.body["case"]["id"], "resolve", agency_r, reason=HOSTILE).status == 200
    context, page, watch = open_page(browser, server.url + "/public", server.url)
    try:
        page.wait_for_load_state("load")
        body = page.locator("main").text_content()
        assert body.count("<img src=x") >= 2, body[-800:]  # the question, its answer, the note
        assert page.locator("main table :is(img, script, b)").count() == 0
        assert page.locator("main table").count() >= 2
        assert page.evaluate("() => window.__xss") is None
        assert page.evaluate("() => window.__csp") == []  # the inline style is allowed by hash
        assert watch.page_errors == [] and watch.outside == [] and watch.failed == []
        assert page.evaluate("() => getComputedStyle(document.body).margin") == "0px"
    finally:
        context.close()


def test_websocket_origins_are_checked(server):
    host = server.url.replace("http://", "")
    for origin in (f"http://{host}", "https://wall.hue.gov.vn"):
        with open_ws(server, None, origin=origin) as ws:
            ws.send('{"op": "ping"}')
            assert '"pong"' in ws.recv(timeout=5)
    for origin in ("https://evil.example", f"http://{host}.evil.example", "null"):
        with pytest.raises(InvalidStatus) as err:
            open_ws(server, None, origin=origin)
        assert err.value.response.status_code == 403, origin
