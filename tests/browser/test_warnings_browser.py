"""The wall's ticker in a real browser: a warning shows once sent (not while a draft), with its
headline in the wall's language."""
from __future__ import annotations

from tests.helpers import http
from tests.helpers.browser import assert_clean
from tests.helpers.warnings import KIM_LONG, act, future

COUNT_IS = "(n) => document.querySelector('[data-panel=ticker]').dataset.count === String(n)"


def test_ticker_shows_sent_warnings_only(server, wall, open_wall):
    op, sup = server.token("operator"), server.token("supervisor")
    _, page, watch = open_wall(wall)
    ticker = page.locator("[data-panel=ticker]")
    r = http("POST", f"{server.url}/api/v1/warnings",
             {"headline": {"vi": "Lũ trên sông Hương", "en": "Flood on the Hương"},
              "communes": [KIM_LONG], "expires": future(6)}, op)
    assert r.status == 201
    wid = r.body["warning"]["id"]
    page.wait_for_function("(id) => iocWall.events.latest(50, (e) => e.id === id).length === 1",
                           arg=wid)
    assert ticker.get_attribute("data-count") == "0"  # a draft is not a public warning
    act(server, wid, sup, "approve")
    act(server, wid, sup, "send")
    page.wait_for_function(COUNT_IS, arg=1)
    assert "Lũ trên sông Hương" in ticker.locator(".ticker-text").text_content()
    page.evaluate("() => iocWall.i18n.setLang('en')")
    page.wait_for_function("() => document.querySelector('[data-panel=ticker] .ticker-text')"
                           ".textContent.includes('Flood on the Hương')")
    assert_clean(watch)


def test_ticker_says_a_drill_is_a_drill(server, wall, open_wall):
    op, sup = server.token("operator"), server.token("supervisor")
    _, page, watch = open_wall(wall)
    r = http("POST", f"{server.url}/api/v1/warnings",
             {"headline": {"vi": "Diễn tập sơ tán", "en": "Evacuation drill"},
              "communes": [KIM_LONG], "expires": future(6), "cap_status": "Exercise"}, op)
    assert r.status == 201
    wid = r.body["warning"]["id"]
    act(server, wid, sup, "approve")
    act(server, wid, sup, "send")
    page.wait_for_function(COUNT_IS, arg=1)
    ticker = page.locator("[data-panel=ticker]")
    assert ticker.get_attribute("data-drill") == "1"
    assert ticker.locator(".ticker-badge").text_content() == "DIỄN TẬP"
    text = ticker.locator(".ticker-text").text_content()
    assert text.startswith("DIỄN TẬP, KHÔNG PHẢI CẢNH BÁO THẬT") and "Diễn tập sơ tán" in text
    assert_clean(watch)
