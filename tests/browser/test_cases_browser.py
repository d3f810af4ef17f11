"""The case desk (/cases) in Chromium against a real server, one person per role, each signed in
at /login: an agency clerk accepts a case (a stale page acting on it is told to reload and
changes nothing) and resolves it, with a photo when the server takes photos; a supervisor
approves an extension from the units' view; an IOC operator merges a duplicate and hides an
abusive report; a clerk can neither see nor open another unit's case, on the page or through
the API. No raw code on screen, no console error, no CSP violation, nothing from outside."""
from __future__ import annotations

import re
import struct
import zlib

import pytest

from tests.helpers import http
from tests.helpers.browser import Watch, screenshot
from tests.helpers.cases import act, file_report, outsider_unit
from tests.helpers.dispatch import KIM_TRA
from tests.helpers.people import PASSWORD, add_user, sign_in

READY = "() => window.iocCases && iocCases.ready"
TABLET = {"width": 1280, "height": 800}
FAR = (16.4420, 107.6200)  # in the centre, away from the default report point
#: What must never be on screen: a snake_case or dotted code.
RAW_CODE = re.compile(r"\b[a-z]+_[a-z_]+\b|\b[a-z]+\.[a-z_]+\b")


@pytest.fixture
def desk(browser, server):
    """Return open(username) → (page, watch): a tablet-sized browser signed in at /login as
    ``username`` and showing /cases; contexts closed after."""
    made = []

    def _open(username: str):
        context = browser.new_context(viewport=TABLET, device_scale_factor=1)
        made.append(context)
        page = context.new_page()
        watch = Watch(server.url)
        watch.attach(page)
        page.goto(f"{server.url}/cases")
        page.wait_for_url(re.compile(r"/login\?next="))
        page.wait_for_function("() => window.iocLogin && iocLogin.ready")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.press("#password", "Enter")
        page.wait_for_url(re.compile(r"/cases"))
        watch.failed.clear()  # the sign-in page's loads cut short by the move to /cases
        page.wait_for_function(READY, timeout=30_000)
        return page, watch

    yield _open
    for context in made:
        context.close()


def _filed(server, **kw) -> dict:
    res = file_report(server, server.token("public"), **kw)
    assert res.status == 201, res.body
    return res.body["case"]


def _open_case(page, case_id: str) -> None:
    page.click(f"#cases-table tr[data-id='{case_id}']")
    page.wait_for_selector(f"#detail[data-id='{case_id}'] #d-actions")


def _act(page, action: str, fill: dict[str, str] | None = None) -> None:
    page.click(f"#d-actions [data-action={action}]")
    page.wait_for_selector(f"#act[open][data-action={action}]")
    for selector, value in (fill or {}).items():
        page.fill(selector, value)
    page.click("#act-ok")


def _status(page, case_id: str, status: str) -> None:
    page.wait_for_selector(f"#detail[data-id='{case_id}'][data-status={status}]")


def _no_raw_code(page) -> None:
    text = page.inner_text("body")
    assert not RAW_CODE.findall(text), RAW_CODE.findall(text)


def _clean(page, watch: Watch, *expected: int) -> None:
    """Nothing failed or went outside, no CSP violation, no script error; the HTTP errors are
    exactly ``expected`` (each with its console line, as Chromium logs a failed load)."""
    assert watch.failed == [] and watch.outside == [] and watch.page_errors == []
    assert page.evaluate("() => window.__csp") == []
    assert sorted(status for status, _ in watch.http_errors) == sorted(expected), watch.http_errors
    console = watch.console_errors
    assert len(console) <= len(expected) and all(re.search(r"\b(404|409)\b", e)
                                                  for e in console), console


def _png(width: int = 64, height: int = 48) -> bytes:
    """Return a small valid PNG (an orange rectangle)."""
    row = b"\x00" + b"\xff\xa2\x35" * width
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


def test_an_agency_clerk_accepts_then_resolves_and_a_stale_page_changes_nothing(server, desk):
    case = _filed(server, props={"description": "Đốt rác cạnh trường học, khói nhiều",
                                 "address": "kiệt 12 Đặng Thái Thân",
                                 "reporter": {"name": "Lê Thị Hoa", "phone": "0905 123 456"}})
    unit = case["agency_id"]
    add_user(server, "xa.clerk", "agency", name="Cán bộ Phường", agency_id=unit)
    page, watch = desk("xa.clerk")
    assert page.text_content("#scope") == server.router.agencies.get(unit).vi
    row = page.locator(f"#cases-table tr[data-id='{case['id']}']")
    assert "Đốt rác cạnh trường học" in row.text_content()
    assert "Còn" in row.locator(".due").text_content()  # the countdown
    _open_case(page, case["id"])
    assert "0905 123 456" in page.text_content("#d-text")  # staff see the sender
    assert sorted(page.eval_on_selector_all("#d-actions [data-action]",
                                            "els => els.map(e => e.dataset.action)")) == \
        sorted(http("GET", f"{server.url}/api/v1/reports/{case['id']}",
                    token=server.token("agency", unit)).body["actions"])
    page.wait_for_function("() => iocCases.detail.map && iocCases.detail.map.renders > 0")
    _no_raw_code(page)
    screenshot(page, "cases-agency")

    # someone else accepts while this page has the dialog open: 409, nothing changes
    page.click("#d-actions [data-action=accept]")
    page.wait_for_selector("#act[open][data-action=accept]")
    assert act(server, case["id"], "accept", server.token("agency", unit)).status == 200
    page.click("#act-ok")
    page.wait_for_selector("#d-stale:not([hidden])")
    assert "tải lại" in page.text_content("#error")
    history = http("GET", f"{server.url}/api/v1/events/{case['id']}/history",
                   token=server.token("admin")).body["history"]
    assert [e["action"] for e in history].count("accept") == 1
    page.click("#d-reload")
    _status(page, case["id"], "accepted")
    assert page.locator("#d-actions [data-action=accept]").count() == 0  # not offered now

    _act(page, "start")
    _status(page, case["id"], "in_progress")
    page.click("#d-actions [data-action=resolve]")
    page.click("#act-ok")  # no result text: said so, nothing sent
    assert page.is_visible("#act-error")
    page.fill("#a-reason", "Đã dập lửa, thu gom rác và nhắc nhở hộ dân")
    page.click("#act-ok")
    _status(page, case["id"], "resolved")
    assert "Đã dập lửa" in page.text_content("#d-result")
    assert "Cán bộ Phường" in page.text_content("#d-history")  # history with names
    stored = http("GET", f"{server.url}/api/v1/reports/{case['id']}",
                  token=server.token("admin")).body["case"]
    assert stored["status"] == "resolved"
    _clean(page, watch, 409)


def test_an_agency_clerk_resolves_with_a_photo(server, desk):
    case = _filed(server)
    unit = case["agency_id"]
    add_user(server, "xa.photo", "agency", name="Cán bộ Ảnh", agency_id=unit)
    for action in ("accept", "start"):
        assert act(server, case["id"], action, server.token("agency", unit)).status == 200
    page, watch = desk("xa.photo")
    _open_case(page, case["id"])
    page.click("#d-actions [data-action=resolve]")
    page.fill("#a-reason", "Đã xử lý xong, ảnh sau khi dọn")
    page.set_input_files("#a-photos", {"name": "sau.png", "mimeType": "image/png",
                                        "buffer": _png()})
    page.click("#act-ok")
    _status(page, case["id"], "resolved")
    page.wait_for_selector("#d-result .photo img")
    media = http("GET", f"{server.url}/api/v1/reports/{case['id']}",
                 token=server.token("admin")).body["case"]["props"]["case"]["result_media"]
    assert len(media) == 1 and "/media/" in media[0]
    _clean(page, watch)


def test_a_supervisor_approves_an_extension_from_the_units_view(server, desk):
    case = _filed(server)
    unit = server.router.agencies.get(case["agency_id"])
    agency = server.token("agency", unit.id)
    assert act(server, case["id"], "accept", agency).status == 200
    asked = act(server, case["id"], "request_extension", agency, hours=24,
                reason="Chờ xe chuyên dụng")
    assert asked.status == 200, asked.body
    add_user(server, "giam.sat", "supervisor", name="Trưởng phòng Giám sát",
             agency_id=unit.parent)
    page, watch = desk("giam.sat")
    units = page.locator(f"#units-table tr[data-agency='{unit.id}']")
    assert unit.vi in units.text_content()
    units.click()
    page.select_option("#f-status", "waiting")
    page.wait_for_selector(f"#cases-table tr[data-id='{case['id']}']")
    _open_case(page, case["id"])
    assert "Chờ xe chuyên dụng" in page.text_content("#d-facts")
    screenshot(page, "cases-supervisor")
    _act(page, "approve_extension")
    page.wait_for_selector("#d-facts dd:has-text('đã duyệt')")
    stored = http("GET", f"{server.url}/api/v1/reports/{case['id']}",
                  token=server.token("admin")).body["case"]
    assert stored["props"]["case"]["extension"]["state"] == "approved"
    assert stored["deadline"] > case["deadline"]
    _no_raw_code(page)
    _clean(page, watch)


def test_an_operator_merges_a_duplicate_and_hides_an_abusive_report(server, desk):
    first = _filed(server, props={"description": "Khói đốt rác ở chợ"})
    again = _filed(server, lat=FAR[0], lon=FAR[1], props={"description": "Lại đốt rác ở chợ"})
    abuse = _filed(server, lat=KIM_TRA[0], lon=KIM_TRA[1],
                   props={"description": "Nội dung khiêu khích, chửi bới cán bộ"})
    add_user(server, "dieu.hanh", "operator", name="Điều hành viên Minh")
    page, watch = desk("dieu.hanh")
    _open_case(page, again["id"])
    page.click("#d-actions [data-action=merge]")
    page.wait_for_selector(f"#a-original option[value='{first['id']}']", state="attached")
    page.select_option("#a-original", first["id"])
    page.click("#act-ok")
    _status(page, again["id"], "duplicate")
    assert first["id"][:8] in page.text_content("#d-dups")
    page.click(f"#d-dups [data-open='{first['id']}']")  # the duplicate links to its original
    page.wait_for_selector(f"#detail[data-id='{first['id']}'] #d-dups [data-open='{again['id']}']")

    _open_case(page, abuse["id"])
    _act(page, "hide", {"#a-reason": "Ngôn từ xúc phạm, khiêu khích"})
    page.wait_for_selector("#d-facts dd:has-text('Ngôn từ xúc phạm')")
    page.wait_for_selector("#d-actions [data-action=unhide]")
    assert "Điều hành viên Minh" in page.text_content("#d-history")
    feed = http("GET", server.url + "/api/v1/public/reports").body["cases"]
    assert abuse["id"] not in [c["id"] for c in feed]
    screenshot(page, "cases-operator")
    _no_raw_code(page)
    _clean(page, watch)


def test_an_agency_clerk_cannot_see_or_open_another_units_case(server, desk):
    mine = _filed(server)
    other_unit = outsider_unit(server.router, mine["agency_id"])
    add_user(server, "xa.khac", "agency", name="Cán bộ Khác", agency_id=other_unit)
    page, watch = desk("xa.khac")
    page.goto(f"{server.url}/cases#case={mine['id']}")  # a link to it, sent by someone
    page.wait_for_selector("#detail-empty[data-error='404']")
    assert page.locator(f"#cases-table tr[data-id='{mine['id']}']").count() == 0
    assert page.locator("#d-actions [data-action]").count() == 0
    session = sign_in(server, "xa.khac")
    assert session.http("GET", f"/api/v1/reports/{mine['id']}").status == 404
    listed = session.http("GET", "/api/v1/reports?limit=1000").body["cases"]
    assert mine["id"] not in [c["id"] for c in listed]
    assert session.http("POST", f"/api/v1/reports/{mine['id']}/transitions",
                        {"action": "accept"}).status == 404
    _clean(page, watch, 404, 404)  # the case and its history: not there for this unit
