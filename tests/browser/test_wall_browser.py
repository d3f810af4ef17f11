"""The map wall in a real browser (headless Chromium, WebGL through SwiftShader) against a real
server: it loads clean, follows the stream, and every control does what it says."""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import h3
import pytest

from server.store import AuditEntry
from tests.helpers.browser import assert_clean, screenshot, wait_wall_ready
from tests.helpers.cameras import put_camera, put_image
from tests.helpers import http, report
from tests.helpers.sensors import reading, reservoir

HUE = timezone(timedelta(hours=7))
POINTS, HEXES = "reports-points", "reports-hex"
IN_LAYER = """([layer, id]) => { const l = iocWall.map.layer(layer);
  return Boolean(l && l.props.data.some((e) => e.id === id)); }"""
LAYER_IDS = "(layer) => iocWall.map.layer(layer).props.data.map((e) => e.id).sort()"
#: Readable from 5 m: the smallest text (px) at each wall width (docs/WALL.md) and WCAG AA contrast.
MIN_TEXT_PX = {1920: 19.0, 3840: 38.0}
MIN_CONTRAST = 4.5
#: Every element with its own text in the panels: [panel, text, font px, contrast with what is
#: behind it]. Backgrounds are blended from the element up; behind a map overlay (translucent)
#: the worst case is assumed, a white map.
TEXT_METRICS = """(panels) => {
  const rgba = (c) => { const v = c.match(/[\\d.]+/g).map(Number);
    return v.length > 3 ? v : [...v, 1]; };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const behind = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1 || e.classList.contains('overlay')) break;
    }
    return layers.reverse().reduce(
      (out, [r, g, b, a]) => [r, g, b].map((v, i) => v * a + out[i] * (1 - a)), [255, 255, 255]);
  };
  const out = [];
  for (const panel of panels) {
    const root = document.querySelector(`[data-panel=${panel}]`);
    if (!root || root.hidden) continue;
    for (const el of [root, ...root.querySelectorAll('*')]) {
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own || !el.getClientRects().length) continue;
      const style = getComputedStyle(el);
      const [hi, lo] = [lum(rgba(style.color)), lum(behind(el))].sort((a, b) => b - a);
      out.push([panel, el.textContent.trim().slice(0, 40), parseFloat(style.fontSize),
                (hi + 0.05) / (lo + 0.05)]);
    }
  }
  return out;
}"""
PANELS = ("kpis", "legend", "ticker", "timeline", "views", "status", "details", "queue", "feed")


def post(server, token, *events):
    res = server.post_events(list(events), token)
    assert res.status == 201, res.body
    return res.body["events"]


def assert_readable(page, width, panels=PANELS):
    """Every text of ``panels`` is at least MIN_TEXT_PX[width] and has MIN_CONTRAST."""
    metrics = page.evaluate(TEXT_METRICS, list(panels))
    assert {m[0] for m in metrics} >= set(panels) - {"details", "queue"}, metrics
    small = [m for m in metrics if m[2] < MIN_TEXT_PX[width]]
    faint = [m for m in metrics if m[3] < MIN_CONTRAST]
    assert small == [] and faint == [], (small, faint)


def shown(value, lang: str = "vi") -> str:
    """Return a KPI value as the wall writes it (one decimal at most, Vietnamese decimal comma)."""
    if value is None:
        return "—"
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "vi" else text


@pytest.mark.parametrize("width,height", [(1920, 1080), (3840, 2160)])
def test_wall_loads_clean_at_wall_sizes(server, operator, wall, open_wall, width, height):
    codes = [c.code for c in server.router.categories.for_kind("report")][:20]
    stored = post(server, operator, *[report(lat=16.44 + i * 0.004, lon=107.56 + i * 0.003,
                                             category=code) for i, code in enumerate(codes)])
    assert {ev["status"] for ev in stored} == {"routed"}  # distinct categories: no duplicates
    _, page, watch = open_wall(wall, width=width, height=height)
    page.wait_for_function("() => iocWall.events.size === 20")
    per_area = {}
    for ev in stored:
        per_area[ev["area"]] = per_area.get(ev["area"], 0) + 1
    page.wait_for_function("() => iocWall.map.layer('areas-fill').props.data.features"
                           ".some((f) => f.properties.open > 0)")
    load = page.evaluate("() => Object.fromEntries("
                         "iocWall.map.layer('areas-fill').props.data.features"
                         ".filter((f) => f.properties.open).map((f) => [f.properties.code,"
                         " [f.properties.open, f.properties.load]]))")
    busiest = max(per_area.values())
    assert load == {a: [n, n / busiest] for a, n in per_area.items()}  # communes coloured by load
    assert page.evaluate("() => window.__csp") == []
    assert page.locator("[data-failed]").count() == 0
    assert page.locator("#map canvas").count() == 2  # basemap below, live layers above
    canvas = page.locator("#map canvas").last.bounding_box()
    assert canvas["width"] > width * 0.5 and canvas["height"] > height * 0.6
    for panel in ("kpis", "legend", "timeline", "details", "feed", "ticker", "views", "status"):
        box = page.locator(f"[data-panel={panel}]").bounding_box()
        assert box and box["x"] >= 0 and box["y"] >= 0, panel
        assert box["x"] + box["width"] <= width + 1, panel
        assert box["y"] + box["height"] <= height + 1, panel
    assert page.locator("[data-panel=cameras]").is_hidden()
    assert_readable(page, width)
    screenshot(page, f"wall-{width}x{height}")
    assert_clean(watch)


def test_posted_event_reaches_the_map_within_a_second(server, operator, wall, open_wall):
    _, page, _ = open_wall(wall)
    t0 = time.monotonic()
    [ev] = post(server, operator, report())
    page.wait_for_function(IN_LAYER, arg=[POINTS, ev["id"]], timeout=1000)
    assert time.monotonic() - t0 < 1.0
    parent = h3.cell_to_parent(ev["cell"], 7)
    page.evaluate("() => iocWall.map.flyTo({longitude: 107.58, latitude: 16.46, zoom: 9}, 0)")
    page.wait_for_function("(hex) => iocWall.map.layer('reports-hex').props.data"
                           ".some((d) => d.hex === hex && d.count === 1)", arg=parent, timeout=2000)


def test_toggling_a_layer_hides_it(server, operator, wall, open_wall):
    post(server, operator, report())
    _, page, _ = open_wall(wall)
    visible = "(id) => iocWall.map.layer(id).props.visible"
    page.wait_for_function(f"() => iocWall.map.layer('{POINTS}').props.data.length === 1")
    assert page.evaluate(visible, POINTS) is True and page.evaluate(visible, HEXES) is False
    page.locator("#layer-reports").uncheck()
    assert page.evaluate(visible, POINTS) is False
    page.evaluate("() => iocWall.map.flyTo({longitude: 107.58, latitude: 16.46, zoom: 9}, 0)")
    page.wait_for_function("() => iocWall.map.viewState.zoom < 10")
    assert page.evaluate(visible, HEXES) is False
    page.locator("#layer-areas").uncheck()
    assert page.evaluate(visible, "areas-fill") is False
    screenshot(page, "wall-layers-off")
    page.locator("#layer-reports").check()
    assert page.evaluate(visible, HEXES) is True and page.evaluate(visible, POINTS) is False
    page.reload()
    wait_wall_ready(page)
    assert page.locator("#layer-areas").is_checked() is False  # the wall remembers its toggles


def test_selecting_an_event_shows_details_and_history_escaped(server, operator, wall, open_wall):
    hostile = '<img src=x onerror="window.__xss=1">Ngập <b>sâu</b>'
    [ev] = post(server, operator, report(props={"title": hostile, "description": hostile,
                                                "reporter": {"name": "Nguyễn Văn A",
                                                             "phone": "0905123456"}}))
    server.call(server.core.update(ev["id"], {"status": "new"},
                                   AuditEntry("reassign", "tok-1", "operator",
                                              reason="Chuyển về IOC")))
    _, page, watch = open_wall(wall)
    page.wait_for_function("(id) => (iocWall.events.get(id) || {}).status === 'new'", arg=ev["id"])
    page.evaluate("([lon, lat]) => iocWall.map.flyTo({longitude: lon, latitude: lat, zoom: 15}, 0)",
                  [ev["lon"], ev["lat"]])
    x, y = page.evaluate("([lon, lat]) => iocWall.map.project(lon, lat)", [ev["lon"], ev["lat"]])
    page.wait_for_function("""([x, y, id]) => {
        const i = iocWall.map.deck.pickObject({x, y, radius: 2});
        return Boolean(i && i.object && i.object.id === id); }""", arg=[x, y, ev["id"]])
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    details = page.locator("[data-panel=details]")
    page.wait_for_function(
        "(id) => document.querySelector('[data-panel=details]').dataset.historyLoaded === id",
        arg=ev["id"])
    assert details.locator(".details-title").text_content() == hostile
    assert details.locator(".description").text_content() == hostile
    assert details.locator("img, b").count() == 0 and page.evaluate("() => window.__xss") is None
    text = details.text_content()
    assert "Rác thải, vệ sinh môi trường" in text and "Phường" in text
    assert "0905123456" not in text and "Nguyễn Văn A" not in text  # private props never shown
    status = details.locator("[data-field=status]")
    assert status.get_attribute("data-code") == "new"
    assert status.text_content() == "Mới tiếp nhận"  # the status in words, never its code
    reassigned = details.locator(".history li[data-action=reassign]").text_content()
    assert reassigned.count("Chuyển về IOC") == 1
    assert page.evaluate("() => iocWall.map.layer('wall-selection').props.data.length") == 1
    screenshot(page, "wall-details")
    assert_clean(watch)


def test_english_toggle_switches_labels(server, operator, wall, open_wall):
    post(server, operator, report())
    _, page, _ = open_wall(wall)
    page.wait_for_selector("[data-kpi='reports.today']")
    assert page.locator(".top .title").text_content().startswith("IOC Huế")
    page.locator("#lang").click()
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert page.locator(".top .title").text_content() == "Huế IOC — Intelligent Operations Center"
    assert "Field reports" in page.locator("[data-panel=legend]").text_content()
    assert page.locator("[data-kpi='reports.today'] .label").text_content() == "Received today"
    assert page.locator("#time-live").text_content() == "● Live"
    assert "Waste and litter" in page.locator("[data-panel=feed]").text_content()
    screenshot(page, "wall-english")
    page.locator("#lang").click()
    assert page.locator("[data-kpi='reports.today'] .label").text_content() == "Tiếp nhận hôm nay"


def test_time_slider_replays_and_live_returns(server, operator, wall, open_wall):
    now = datetime.now(HUE)
    old, recent = post(server, operator,
                       report(observed_at=(now - timedelta(hours=3)).isoformat()),
                       report(lat=16.47, lon=107.60,
                              observed_at=(now - timedelta(minutes=10)).isoformat()))
    _, page, _ = open_wall(wall)
    page.wait_for_function(f"() => iocWall.map.layer('{POINTS}').props.data.length === 2")
    one_hour_ago = int((now - timedelta(hours=1)).timestamp() * 1000)
    page.evaluate("""(t) => { const s = document.getElementById('time-slider');
        s.value = String(t); s.dispatchEvent(new Event('input')); }""", one_hour_ago)
    page.wait_for_function("(id) => { const d = iocWall.map.layer('reports-points').props.data;"
                           " return d.length === 1 && d[0].id === id; }", arg=old["id"])
    assert page.locator("[data-panel=timeline]").get_attribute("data-mode") == "replay"
    screenshot(page, "wall-replay")
    hex_total = f"() => iocWall.map.layer('{HEXES}').props.data.reduce((n, d) => n + d.count, 0)"
    page.evaluate("() => iocWall.map.flyTo({longitude: 107.58, latitude: 16.46, zoom: 9}, 0)")
    page.wait_for_function(f"() => ({hex_total})() === 1")
    page.locator("#time-live").click()
    page.wait_for_function(f"() => ({hex_total})() === 2")
    assert page.locator("[data-panel=timeline]").get_attribute("data-mode") == "live"
    page.evaluate("() => iocWall.map.flyTo({longitude: 107.58, latitude: 16.46, zoom: 13}, 0)")
    page.wait_for_function(f"() => iocWall.map.layer('{POINTS}').props.data.length === 2")
    assert page.evaluate(LAYER_IDS, POINTS) == sorted([old["id"], recent["id"]])


def test_kpi_panel_shows_the_servers_values(server, operator, wall, open_wall):
    _, page, _ = open_wall(wall)
    post(server, operator, report(), report(), report())
    page.wait_for_function(
        "() => document.querySelector(\"[data-kpi='reports.today'] .num\").textContent === '3'",
        timeout=8000)
    items = http("GET", server.url + "/api/v1/kpis", token=wall).body["items"]
    assert {i["id"] for i in items} >= {
        "reports.today", "reports.open", "cases.overdue", "events.last_hour.report",
        "reports.performance.processed_pct", "reports.performance.on_time_pct",
        "reports.performance.satisfaction_pct", "rescue.calls.p1", "rescue.units.available"}
    for item in items:
        tile = page.locator(f"[data-kpi='{item['id']}']")
        assert tile.locator(".num").text_content() == shown(item["value"]), item
        assert tile.get_attribute("data-status") == item["status"]
        with_unit = bool(item["unit"]) and item["value"] is not None
        assert tile.locator(".unit").count() == int(with_unit)
    # more groups than the column holds: the panel turns its pages by itself, then starts over
    scroll = "() => document.querySelector('[data-panel=kpis]').scrollTop"
    assert page.evaluate("() => { const p = document.querySelector('[data-panel=kpis]');"
                         " return p.scrollHeight > p.clientHeight; }")
    page.evaluate("() => { iocWall.config.kpiPageSeconds = 1; }")
    page.wait_for_function(f"() => ({scroll})() > 0", timeout=5000)
    page.wait_for_function(f"() => ({scroll})() === 0", timeout=20000)


def test_ticker_shows_severe_events_and_says_when_there_are_none(server, operator, wall, open_wall):
    _, page, _ = open_wall(wall)
    ticker = page.locator("[data-panel=ticker]")
    assert ticker.get_attribute("data-count") == "0"
    assert ticker.locator(".ticker-text").text_content() == "Không có cảnh báo"
    post(server, operator, report(), report(severity="extreme", props={"title": "Sạt lở đất"}))
    page.wait_for_function("() => document.querySelector('[data-panel=ticker]')"
                           ".dataset.count === '1'")
    assert "Sạt lở đất" in ticker.locator(".ticker-text").text_content()


def test_views_cycle_and_a_pinned_situation_stays(server, wall, open_wall):
    _, page, _ = open_wall(wall, query="cycle=0")  # no cycle: the first view stays
    views = page.locator("[data-panel=views]")
    assert views.get_attribute("data-view") == "city"
    page.evaluate("() => { iocWall.config.cycleSeconds = 1; }")  # as ?cycle=1 would
    page.wait_for_function(
        "() => document.querySelector('[data-panel=views]').dataset.view === 'flood'", timeout=4000)
    page.locator("#pin-situation").click()
    pinned = page.evaluate("() => JSON.parse(localStorage.getItem('ioc-wall-situation')).zoom")
    assert abs(page.evaluate("() => iocWall.map.viewState.zoom") - pinned) < 0.01
    page.wait_for_timeout(2500)
    assert views.get_attribute("data-view") == "situation"
    assert views.get_attribute("data-pinned") == "true"
    page.reload()
    wait_wall_ready(page)
    assert page.locator("[data-panel=views]").get_attribute("data-pinned") == "true"
    assert abs(page.evaluate("() => iocWall.map.viewState.zoom") - pinned) < 0.01
    page.evaluate("() => { iocWall.config.cycleSeconds = 1; }")
    page.locator("#pin-situation").click()
    page.wait_for_function("() => document.querySelector('[data-panel=views]')"
                           ".dataset.view !== 'situation'",
                           timeout=4000)


def test_outbox_queues_while_offline_and_sends_once_back_online(server, operator, open_wall):
    context, page, _ = open_wall(operator)
    conn = page.locator("#conn")
    page.wait_for_function("() => document.getElementById('conn').dataset.state === 'online'")
    context.set_offline(True)
    page.evaluate("""(ev) => {
        iocWall.outbox.enqueue({path: '/api/v1/events', body: ev, label: 'report'})
        .then((body) => { window.__sent = body; }); }""",
                  report(props={"description": "Gửi khi mất mạng"}))
    page.wait_for_function("() => { const c = document.getElementById('conn');"
                           " return c.dataset.pending === '1' && c.dataset.state === 'offline'; }")
    assert "1 thao tác chờ gửi" in conn.text_content()
    screenshot(page, "outbox-offline")
    page.wait_for_timeout(1500)
    assert server.core.store.last_seq() == 0
    context.set_offline(False)
    page.wait_for_function("() => window.__sent && iocWall.outbox.pending === 0", timeout=15000)
    [stored] = page.evaluate("() => window.__sent.events")
    page.wait_for_function(IN_LAYER, arg=[POINTS, stored["id"]])
    assert server.core.store.last_seq() == 1
    assert conn.get_attribute("data-pending") == "0"


def test_outbox_retries_a_lost_answer_with_the_same_key(server, operator, open_wall):
    _, page, _ = open_wall(operator)
    keys = []

    def lose_first_answer(route):
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            route.fetch()                     # the request reaches the server and is stored …
            route.abort("connectionreset")    # … but the answer never comes back
        else:
            route.continue_()

    page.route("**/api/v1/events", lose_first_answer)
    page.evaluate("""(ev) => { iocWall.outbox.enqueue({path: '/api/v1/events', body: ev})
        .then((body) => { window.__sent = body; }); }""", report())
    page.wait_for_function("() => window.__sent", timeout=15000)
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0]
    assert server.core.store.last_seq() == 1
    assert page.evaluate("() => window.__sent.events[0].seq") == 1


def test_areas_switch_between_open_and_overdue_cases(server, operator, wall, open_wall):
    one, two, far = post(server, operator, report(), report(lat=16.4637, lon=107.5959,
                                                           category="traffic.signals"),
                         report(lat=16.55, lon=107.48))
    assert one["area"] == two["area"] != far["area"]
    past = int((datetime.now(HUE) - timedelta(hours=1)).timestamp() * 1_000_000)
    server.call(server.core.update(far["id"], {"deadline": past},
                                   AuditEntry("extend", "tok-1", "operator", reason="test")))
    _, page, watch = open_wall(wall)
    areas = """() => Object.fromEntries(iocWall.map.layer('areas-fill').props.data.features
        .filter((f) => f.properties.open).map((f) => [f.properties.code,
        [f.properties.open, f.properties.overdue, f.properties.load]]))"""
    page.wait_for_function(f"() => Object.keys(({areas})()).length === 2")
    assert page.evaluate(areas) == {one["area"]: [2, 0, 1], far["area"]: [1, 1, 0.5]}
    legend = page.locator("[data-panel=legend] li[data-layer=areas]")
    assert legend.locator("[data-color-by=load]").get_attribute("aria-checked") == "true"
    legend.locator("[data-color-by=overdue]").click()
    page.wait_for_function(f"(a) => ({areas})()[a][2] === 1", arg=far["area"])
    assert page.evaluate(areas) == {one["area"]: [2, 0, 0], far["area"]: [1, 1, 1]}
    assert "Nhiều việc quá hạn" in legend.text_content()
    screenshot(page, "wall-overdue")
    page.reload()
    wait_wall_ready(page)  # the choice is remembered by this screen
    page.wait_for_function(f"(a) => (({areas})()[a] || [])[2] === 1", arg=far["area"])
    page.locator("[data-panel=legend] [data-color-by=load]").click()
    page.wait_for_function(f"(a) => ({areas})()[a][2] === 1", arg=one["area"])
    assert_clean(watch)


def vessel(mmsi, lat, lon, minutes_ago, **props):
    at = datetime.now(HUE) - timedelta(minutes=minutes_ago)
    return {"kind": "vessel", "category": "vessel.position", "lat": lat, "lon": lon,
            "observed_at": at.isoformat(), "props": {"mmsi": mmsi, **props}}


def test_sea_view_draws_vessels_and_lists_them_readably(server, operator, wall, open_wall):
    a, b, c = 574000001, 574000002, 574000003
    named = {"name": "TTH 90123 TS", "zone": "ven_bo"}
    alert = {"kind": "alert", "category": "alert.vessel_danger_zone", "lat": 16.80, "lon": 107.90,
             "props": {"rule": "danger_zone", "key": f"danger_zone:storm:{b}",
                       "subject_type": "vessel", "subject_id": str(b),
                       "title_vi": "Tàu vào vùng bão", "title_en": "Vessel in storm zone"}}
    stored = post(server, operator,
                  vessel(a, 16.63, 107.72, 30, sog=6.5, cog=45.0, **named),
                  vessel(a, 16.65, 107.74, 5, sog=7.0, cog=44.0, **named),
                  vessel(b, 16.80, 107.90, 10, name="TTH 95555 TS", sog=0.0, cog=None, zone="long"),
                  vessel(c, 16.575, 107.62, 8, sog=0.0, zone="port"), alert)
    newest_a = stored[1]["id"]
    _, page, watch = open_wall(wall, query="cycle=0&view=sea")
    page.wait_for_function("() => iocWall.map.layer('vessels-latest').props.data.length === 3")
    latest = page.evaluate("() => iocWall.map.layer('vessels-latest').props.data.map((e) => e.id)")
    assert newest_a in latest and stored[0]["id"] not in latest  # one arrow per vessel, the newest
    tracks = page.evaluate("() => iocWall.map.layer('vessels-tracks').props.data")
    assert tracks == [{"mmsi": a, "path": [[107.72, 16.63], [107.74, 16.65]]}]
    panel = page.locator("[data-panel=vessels]")
    assert panel.is_visible() and panel.get_attribute("data-count") == "3"
    rows = panel.locator("tbody tr")
    assert [rows.nth(i).get_attribute("data-mmsi") for i in range(3)] == [str(b), str(a), str(c)]
    assert rows.nth(0).locator(".name").text_content() == "⚠ TTH 95555 TS"  # active alert first
    cells = rows.nth(1).locator("td").all_text_contents()
    assert cells[:4] == ["TTH 90123 TS", "7 kn", "044°", "Vùng ven bờ"], cells
    assert re.fullmatch(r"\d\d:\d\d", cells[4]), cells  # when it was last heard, Huế time
    assert panel.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1")  # nothing cut off
    assert rows.nth(2).locator(".name").text_content() == str(c)  # no name: the MMSI
    assert "Trong cảng" in rows.nth(2).text_content()
    assert_readable(page, 1920, ("vessels",))
    screenshot(page, "wall-sea")
    page.locator("#lang").click()
    assert panel.locator(".vessel-title").text_content() == "Vessels"
    assert rows.nth(1).locator(".zone").get_attribute("title") == "Near-shore (≤ 6 nmi)"
    page.locator("#lang").click()
    rows.nth(1).click()
    page.wait_for_function(
        "(id) => document.querySelector('[data-panel=details]').dataset.event === id", arg=newest_a)
    page.locator("[data-panel=views] [data-view=city]").click()
    page.wait_for_function("() => document.querySelector('[data-panel=vessels]').hidden")


def test_vessel_list_names_a_vessel_from_its_earlier_static_report(server, operator, wall,
                                                                   open_wall):
    mmsi = 574000009
    post(server, operator, vessel(mmsi, 16.62, 107.70, 20, name="TTH 97777 TS", msg_type=5),
         vessel(mmsi, 16.63, 107.71, 5, sog=5.0, cog=90.0, msg_type=1))  # a position: no name
    _, page, watch = open_wall(wall, query="cycle=0&view=sea")
    row = page.locator(f"[data-panel=vessels] tbody tr[data-mmsi='{mmsi}']")
    row.wait_for()
    assert row.locator(".name").text_content() == "TTH 97777 TS"  # the name, not the MMSI
    assert_clean(watch)


def test_flooded_roads_are_drawn_as_lines(server, operator, wall, open_wall):
    _, page, watch = open_wall(wall)
    marked = http("POST", server.url + "/api/v1/flood-roads",
                  {"road_id": "quoc-lo-1a-328", "segment": 35, "depth_m": 0.6}, token=operator)
    assert marked.status == 201, marked.body
    event = marked.body["event"]
    page.wait_for_function(IN_LAYER, arg=["flood-roads-lines", event["id"]], timeout=10_000)
    path = page.evaluate("(id) => iocWall.map.layer('flood-roads-lines').props.data"
                         ".find((e) => e.id === id).props.path", event["id"])
    assert path == event["props"]["path"]
    color = page.evaluate("(id) => { const l = iocWall.map.layer('flood-roads-lines');"
                          " return Array.from(l.props.getColor("
                          "l.props.data.find((e) => e.id === id))); }",
                          event["id"])
    assert color == [150, 0, 200, 245]  # 0.6 m: deep
    legend = page.locator("text=Đường ngập")
    assert legend.count() >= 1
    assert_clean(watch)


def test_gauges_and_reservoirs_show_their_latest_reading(server, operator, wall, open_wall):
    _, page, watch = open_wall(wall)

    post(server, operator, reading("kim-long", 0.8))
    [last] = post(server, operator, reading("kim-long", 2.3))
    [dam] = post(server, operator, reservoir("binh-dien", 83.9, outflow=1442.0))
    page.wait_for_function(IN_LAYER, arg=["sensors-latest", dam["id"]], timeout=10_000)
    shown = page.evaluate("() => iocWall.map.layer('sensors-latest').props.data"
                          ".map((e) => [e.props.station, e.props.value, e.props.level])")
    assert sorted(shown) == [["binh-dien", 83.9, 0], ["kim-long", 2.3, 2]]  # one dot per station
    radius = page.evaluate("(id) => { const l = iocWall.map.layer('sensors-latest');"
                           " return l.props.getRadius(l.props.data.find((e) => e.id === id)); }",
                           dam["id"])
    assert radius == 900 and last["props"]["level"] == 2
    page.evaluate("(id) => iocWall.select(id)", dam["id"])  # the details list the release
    release = page.locator("[data-panel=details] [data-field='prop-derived.outflow']")
    release.wait_for(timeout=5000)
    assert release.text_content() == "1442"
    assert_clean(watch)


def test_camera_tiles_show_the_latest_picture_and_a_readable_status(server, operator, wall,
                                                                    open_wall):
    put_camera(server, operator, status="online")
    assert put_image(server, operator).status == 201
    put_camera(server, operator, camera_id="cam-2", name="Cầu Trường Tiền")  # no picture yet
    _, page, watch = open_wall(wall)
    panel = page.locator("[data-panel=cameras]")
    page.wait_for_function(
        "() => { const img = document.querySelector('[data-camera=cam-1] img');"
        " return img && img.complete && img.naturalWidth > 0; }")
    assert panel.is_visible()
    assert panel.locator("[data-camera=cam-1] .camera-status").text_content() == "Đang hoạt động"
    offline = panel.locator("[data-camera=cam-2]")
    assert offline.locator(".camera-status").text_content() == "Mất tín hiệu"
    assert offline.locator("img").is_hidden()  # no broken image while it has none
    assert offline.locator(".camera-empty").text_content() == "Chưa có hình"
    colours = page.evaluate("() => [...document.querySelectorAll('.camera-status')].map("
                            "(el) => getComputedStyle(el).color)")
    assert colours == ["rgb(61, 220, 132)", "rgb(255, 82, 82)"]  # online green, offline red
    assert_readable(page, 1920, ("cameras",))
    page.locator("#lang").click()
    page.wait_for_function("() => document.querySelector('[data-camera=cam-1] .camera-status')"
                           ".textContent === 'Online'")
    screenshot(page, "wall-cameras")
    assert_clean(watch)
