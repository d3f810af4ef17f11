"""Pages, their headers and their assets, over plain HTTP (the browser tests do the rest)."""
from __future__ import annotations

import re

import pytest

from server.store import AuditEntry
from tests.helpers import report
from tests.helpers.server import ROOT


@pytest.fixture
def server(app_server):
    """In process: these handlers answer plain requests, no port is opened."""
    return app_server


STATIC = ROOT / "static"


def test_pages_carry_a_strict_csp_and_security_headers(server):
    res = server.http("GET", server.url + "/wall")
    assert res.status == 200 and res.headers["Content-Type"].startswith("text/html")
    csp = dict(part.strip().split(" ", 1)
               for part in res.headers["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self' 'wasm-unsafe-eval'" and csp["style-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert "unsafe-inline" not in res.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in res.headers["Content-Security-Policy"]
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["Referrer-Policy"] == "no-referrer"
    assert res.headers["X-Frame-Options"] == "DENY"
    assert server.http("GET", server.url + "/").status == 200  # redirected to /wall


@pytest.mark.parametrize("name", ["wall", "hotline", "tablet", "warnings"])
def test_every_asset_is_local_and_served_as_what_it_is(server, name):
    page = server.http("GET", f"{server.url}/{name}").raw.decode()
    refs = re.findall(r'(?:src|href|data-module)="([^"]+)"', page)
    assert refs and all(ref.startswith("/") and not ref.startswith("//") for ref in refs)
    assert "<style" not in page and " style=" not in page and "<script>" not in page
    for ref in refs:
        res = server.http("GET", server.url + ref)
        assert res.status == 200, ref
        assert res.headers["X-Content-Type-Options"] == "nosniff"
        if ref.endswith(".js"):
            assert "javascript" in res.headers["Content-Type"], ref


def test_modules_never_write_markup():
    """All text reaches the page through textContent (core/dom.js `h`), never as HTML."""
    for path in STATIC.rglob("*.js"):
        src = path.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in src, f"{path.relative_to(STATIC)} uses {sink}"


def test_event_history_is_access_checked(server, operator):
    [ev] = server.post_events([report(category="urban_order.sidewalk")], operator).body["events"]
    assert ev["agency_id"] == "ubnd-19789"
    server.call(server.core.update(ev["id"], {"status": "new"},
                                   AuditEntry("reassign", "tok-1", "operator",
                                              reason="Sai địa bàn")))
    url = f"{server.url}/api/v1/events/{ev['id']}/history"
    full = server.http("GET", url, token=operator).body
    assert full["event_id"] == ev["id"]
    [entry] = full["history"]
    assert entry["action"] == "reassign" and entry["reason"] == "Sai địa bàn"
    assert entry["actor"] == "tok-1" and entry["at"].endswith("+07:00")
    assert server.http("GET", url, token=server.token("public")).body["history"] == [
        {"action": "reassign", "at": entry["at"]}]
    assert server.http("GET", url, token=server.token("agency", "ubnd-19789")).status == 200
    assert server.http("GET", url, token=server.token("agency", "ubnd-19753")).status == 404
    assert server.http("GET", url).status == 401
    missing = server.http("GET", f"{server.url}/api/v1/events/0000-1111/history", token=operator)
    assert missing.status == 404 and missing.body["error"]["code"] == "not_found"


def test_catalog_says_what_the_wall_needs_of_each_event_layer(server):
    layers = {e["id"]: e for e in server.http("GET", server.url + "/api/v1/layers").body["layers"]}
    reports = layers["reports"]
    assert reports["statuses"][:2] == ["new", "routed"]
    assert reports["closed_statuses"] == ["closed", "duplicate", "rejected", "resolved"]
    assert reports["private_props"] == ["address", "attributes", "reporter"]
    assert reports["ticker"] is False
    assert [d["role"] for d in layers["areas"]["deck"]] == ["choropleth"]
    assert "properties.load" in layers["areas"]["deck"][0]["spec"]["getFillColor"]
