"""Current screenshots of the pages for the docs: the wall at 1920×1080 and 3840×2160, on a
real ``ioc serve --demo`` with the normal-day scenario playing fast, one severe report on the
ticker and the newest report selected; the sea view with an illustrative fishing fleet (AIS
sentences of ``scenarios.fleet``, three positions per boat) and its vessel table; then, with a
few flood calls logged and one assigned, the hotline page (a repeat caller being typed) and the
demo unit's tablet; and the wall during the ``flood_2025_11`` demo at the height of the flood
(gauges, reservoirs, calls, flooded roads). Then the sign-in pages: the sign-in page, the
set-password page of a one-time link, and the administration page (illustrative people, a kiosk
and a machine token, a new person's one-time link shown). Then the case desk on a 10-inch
tablet for an agency clerk and on a desktop for an IOC operator, each with a case open; the
warning desk: a supervisor checking a draft (its reach, the public preview), an operator writing
one (communes picked), and a drill, sent. Last, the citizens' page on a phone.

    python -m tools.screenshots [--out docs/screenshots] [--only cases|warnings|report]
    (or: make screenshots)
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.helpers.browser import launch, open_page, wait_wall_ready
from tests.helpers import ServerProcess, http, ioc_command

ROOT = Path(__file__).resolve().parent.parent
SIZES = [(1920, 1080), (3840, 2160)]
MIN_EVENTS = 60
SEVERE = {"kind": "report", "category": "environment.drainage", "lat": 16.4545, "lon": 107.5620,
          "severity": "severe",
          "props": {"title": "Ngập sâu 0,5 m, cống thoát nước bị tắc",
                    "description": "Nước ngập qua đầu gối trên đường Kim Long."}}


def save(context, page, path: Path) -> Path:  # noqa: ANN001
    """Save the page as a PNG at ``path``, close its browser context; return ``path``."""
    page.screenshot(path=str(path))
    context.close()
    return path


def wait_events(url: str, token: str, n: int, timeout: float = 120.0) -> None:
    """Wait until the server has stored ``n`` events."""
    deadline = time.monotonic() + timeout
    while http("GET", url + "/api/v1/health", token=token).body["last_seq"] < n:
        if time.monotonic() > deadline:
            raise RuntimeError(f"fewer than {n} events after {timeout:.0f} s")
        time.sleep(1)


def fleet_at_sea(url: str, operator: str, boats: int = 12) -> None:
    """Post the AIS sentences of an illustrative fleet: names, then three positions 10 min apart."""
    from scenarios.fleet import Fleet
    fleet = Fleet(boats, seed=3)
    now = time.time()
    lines = fleet.statics()
    for minutes_ago in (20, 10, 0):
        lines += fleet.positions(t_s=now - minutes_ago * 60)
        fleet.step(600)
    res = http("POST", url + "/api/v1/ais", token=operator, raw="\n".join(lines).encode(),
               headers={"Content-Type": "text/plain"})
    if res.status >= 300:
        raise RuntimeError(f"AIS upload refused: {res.body}")


def shoot_sea(browser, url: str, token: str, out: Path) -> Path:  # noqa: ANN001
    """Open the wall on the sea view (vessels and their table); save a PNG; return its path."""
    context, page, _ = open_page(browser, f"{url}/wall?cycle=0&view=sea#token={token}", url,
                                 width=1920, height=1080)
    wait_wall_ready(page)
    page.wait_for_function(
        "() => Number(document.querySelector('[data-panel=vessels]').dataset.count) > 0",
        timeout=30_000)
    page.wait_for_timeout(2500)
    return save(context, page, out / "wall-sea-1920x1080.png")


def shoot(browser, url: str, token: str, width: int, height: int, out: Path) -> Path:  # noqa: ANN001
    """Open the wall at one size, select the newest report, save a PNG; return its path."""
    context, page, _ = open_page(browser, f"{url}/wall?cycle=0#token={token}", url,
                                 width=width, height=height)
    wait_wall_ready(page)
    page.wait_for_function("() => iocWall.events.size > 0")
    page.wait_for_timeout(2500)
    page.evaluate("() => iocWall.select(iocWall.events.latest(1)[0].id)")
    page.wait_for_function("() => document.querySelector('[data-panel=details]')"
                           ".dataset.historyLoaded")
    page.wait_for_timeout(1500)
    return save(context, page, out / f"wall-{width}x{height}.png")


#: Illustrative calls for the flood-operations screenshots (made up; places in low-lying communes).
CALLS = [
    {"category": "sos.trapped", "lat": 16.5006, "lon": 107.5311,
     "props": {"phone": "0905 111 222", "name": "Nguyễn Thị Lan", "address": "Thôn 3, La Khê",
               "needs": ["trapped", "elderly_alone"], "people": 2, "water_depth_m": 1.6}},
    {"category": "sos.labour", "lat": 16.5265, "lon": 107.5520,
     "props": {"phone": "0912 333 444", "needs": ["labour"], "people": 1}},
    {"category": "rescue.supplies", "lat": 16.5570, "lon": 107.5030,
     "props": {"phone": "0934 555 666", "needs": ["food_water", "children"], "people": 6,
               "water_depth_m": 0.8}},
    {"category": "sos.medical", "lat": 16.4930, "lon": 107.6260,
     "props": {"phone": "0978 777 888", "needs": ["medical"], "people": 1, "water_depth_m": 0.4}},
]


def flood_calls(url: str, operator: str, unit: str) -> None:
    """Log the illustrative calls and give the first one to ``unit`` (the demo tablet's)."""
    ids = [http("POST", url + "/api/v1/calls", {"kind": "hotline_call", **c},
                operator).body["call"]["id"]
           for c in CALLS]
    http("POST", f"{url}/api/v1/calls/{ids[0]}/transitions", {"action": "assign", "unit_id": unit},
         operator)
    http("POST", f"{url}/api/v1/calls/{ids[0]}/transitions", {"action": "en_route"}, operator)


def shoot_hotline(browser, url: str, token: str, out: Path) -> Path:  # noqa: ANN001
    """Open the hotline page with a repeat caller being typed; save a PNG; return its path."""
    context, page, _ = open_page(browser, f"{url}/hotline#token={token}", url,
                                 width=1920, height=1080)
    page.wait_for_function("() => window.iocHotline && iocHotline.ready", timeout=30_000)
    page.keyboard.type("0912 333 444")
    page.keyboard.press("Alt+3")
    page.locator("#area").select_option("20017")
    page.locator("#people").fill("2")
    page.wait_for_selector("#related li")
    page.locator("#queue li[data-status=triaged] .pick").first.click()
    page.wait_for_selector("#selected [data-action=assign]")
    page.wait_for_timeout(1500)
    return save(context, page, out / "hotline-1920x1080.png")


def shoot_tablet(browser, url: str, token: str, out: Path) -> Path:  # noqa: ANN001
    """Open the demo unit's tablet (portrait, located by the browser); save a PNG."""
    context, page, _ = open_page(browser, f"{url}/tablet#token={token}", url,
                                 width=800, height=1280,
                                 permissions=["geolocation"],
                                 geolocation={"latitude": 16.4905, "longitude": 107.5402})
    page.wait_for_function("() => window.iocTablet && iocTablet.ready", timeout=30_000)
    page.wait_for_timeout(2500)
    return save(context, page, out / "tablet-800x1280.png")


def shoot_flood(browser, out: Path, tmp: str) -> Path:  # noqa: ANN001
    """Play ``flood_2025_11`` fast on a demo server until the peak's calls are in, then save
    the wall zoomed on the lowlands; return the PNG's path."""
    server = ServerProcess("--db", f"sqlite:///{Path(tmp) / 'flood.sqlite3'}", "--demo",
                           "--scenario", "flood_2025_11", "--speed", "3000")
    try:
        wall = server.wait_for(r"/wall#token=(\S+)")
        wait_events(server.url, wall, 700)
        context, page, _ = open_page(browser, f"{server.url}/wall?cycle=0#token={wall}", server.url)
        wait_wall_ready(page)
        page.evaluate("() => iocWall.map.flyTo("
                      "{longitude: 107.53, latitude: 16.50, zoom: 10.3}, 0)")
        page.wait_for_timeout(4000)
        return save(context, page, out / "wall-flood-1920x1080.png")
    finally:
        server.stop()


#: Illustrative staff of the sign-in screenshots (made-up names): username, name, role, binding.
PEOPLE = [("tran.thi.lan", "Trần Thị Lan", "operator", {}),
          ("le.van.minh", "Lê Văn Minh", "supervisor", {}),
          ("phan.quoc.bao", "Phan Quốc Bảo", "agency", {"agency_id": "ubnd-19774"}),
          ("doi.xuong.01", "Nguyễn Hữu Tài", "responder", {"unit_id": "qs-xuong-01"}),
          ("ho.thi.mai", "Hồ Thị Mai", "operator", {})]
ADMIN = ("quan.tri", "Nguyễn Văn Quản")
#: The illustrative passwords (a throw-away demo store).
DEMO_PASSWORD = "Cau-Truong-Tien-6-vai"


def add_admin(db: str) -> None:
    """Add the administrator of the screenshots, with a password, to the store ``db``."""
    subprocess.run(ioc_command() + ["users", "add", ADMIN[0], "--role", "admin", "--name",
                                    ADMIN[1], "--password-stdin", "--db", db],
                   input=DEMO_PASSWORD + "\n", check=True, capture_output=True, text=True)


def staff(url: str, admin: str) -> None:
    """Add the illustrative people (most with a password, signed in once; one disabled), a
    kiosk and a machine token."""
    for username, name, role, binding in PEOPLE:
        res = http("POST", url + "/api/v1/users",
                   {"username": username, "name": name, "role": role, **binding}, admin)
        code = res.body["set_password_url"].split("code=", 1)[1]
        if username != "ho.thi.mai":  # added today: has not chosen a password yet
            http("POST", url + "/auth/password", {"code": code, "password": DEMO_PASSWORD})
            http("POST", url + "/auth/login", {"username": username, "password": DEMO_PASSWORD})
    http("PATCH", url + "/api/v1/users/le.van.minh", {"enabled": False}, admin)
    http("POST", url + "/api/v1/tokens", {"role": "wall", "label": "Màn hình phòng chỉ huy",
                                          "kiosk": True, "owner": ADMIN[0]}, admin)
    http("POST", url + "/api/v1/tokens", {"role": "operator", "label": "Cổng nhập dữ liệu mưa",
                                          "owner": ADMIN[0], "ttl_days": 365}, admin)


def sign_in(page, username: str, password: str) -> None:  # noqa: ANN001
    """Type a username and a password on the sign-in page and press Enter."""
    page.wait_for_function("() => window.iocLogin && iocLogin.ready")
    page.fill("#username", username)
    page.fill("#password", password)
    page.press("#password", "Enter")


def shoot_login(browser, url: str, out: Path) -> Path:  # noqa: ANN001
    """The sign-in page after a mistyped password; save a PNG; return its path."""
    context, page, _ = open_page(browser, f"{url}/login?next=/wall", url, width=1280, height=800)
    sign_in(page, "tran.thi.lan", "sai-mat-khau")
    page.wait_for_selector("#message[data-code=wrong]")
    page.fill("#password", "")
    return save(context, page, out / "login.png")


def shoot_password(browser, url: str, admin: str, out: Path) -> Path:  # noqa: ANN001
    """A new person's set-password page, both fields typed; save a PNG; return its path."""
    res = http("POST", url + "/api/v1/users/ho.thi.mai/reset", None, admin)
    context, page, _ = open_page(browser, url + res.body["set_password_url"], url,
                                 width=1280, height=800)
    page.wait_for_function("() => window.iocPassword && !location.hash")
    page.fill("#password", DEMO_PASSWORD)
    page.fill("#password2", DEMO_PASSWORD)
    return save(context, page, out / "password.png")


def shoot_admin(browser, url: str, out: Path) -> Path:  # noqa: ANN001
    """The administration page, signed in, just after adding a person (the one-time link
    shown); save a full-page PNG; return its path."""
    context, page, _ = open_page(browser, f"{url}/admin", url, width=1920, height=1080)
    sign_in(page, ADMIN[0], DEMO_PASSWORD)
    page.wait_for_function("() => window.iocAdmin && iocAdmin.ready", timeout=30_000)
    page.fill("#p-username", "vo.thanh.son")
    page.fill("#p-name", "Võ Thanh Sơn")
    page.select_option("#p-role", "operator")
    page.click("#p-add")
    page.wait_for_selector("[data-kind=set-password]")
    page.wait_for_timeout(500)
    path = out / "admin.png"
    page.screenshot(path=str(path), full_page=True)
    context.close()
    return path


def shoot_report(browser, url: str, out: Path, tmp: str) -> Path:  # noqa: ANN001
    """The citizens' page on a phone (390×844, the location granted): a report typed, a photo
    picked, the place taken from the phone and shown on the map; save a full-page PNG; return
    its path."""
    from PIL import Image
    photo = Path(tmp) / "IMG_0001.jpg"
    Image.new("RGB", (1200, 900), (120, 130, 110)).save(photo, "JPEG")
    context, page, _ = open_page(browser, f"{url}/report", url, width=390, height=844,
                                 permissions=["geolocation"], has_touch=True,
                                 geolocation={"latitude": 16.4637, "longitude": 107.5909})
    page.wait_for_function("() => window.iocReport && iocReport.ready", timeout=30_000)
    page.select_option("#category", "environment.waste")
    page.select_option("#attr-waste_type", "household")
    page.fill("#text", "Rác tồn đọng ở đầu kiệt 3 ngày nay, bốc mùi")
    page.set_input_files("#gallery", str(photo))
    page.wait_for_selector("#photos li img")
    page.click("#gps")
    page.wait_for_function("() => Boolean(document.getElementById('where').dataset.commune)")
    page.click("#pick")
    page.wait_for_selector("#map svg path")
    page.fill("#name", "Lê Văn Tám")
    page.fill("#phone", "0905 765 432")
    path = out / "report-phone.png"
    page.screenshot(path=str(path), full_page=True)
    context.close()
    return path


#: The case desk's screenshots: (person, width, height, file).
CASE_DESKS = [("phan.quoc.bao", 1280, 800, "cases-agency.png"),
              ("tran.thi.lan", 1920, 1080, "cases-operator.png")]


def shoot_cases(browser, url: str, out: Path) -> list[Path]:  # noqa: ANN001
    """The case desk (/cases) signed in as each person of CASE_DESKS, overdue cases first and
    the first case open; save PNGs; return their paths."""
    paths = []
    for username, width, height, name in CASE_DESKS:
        context, page, _ = open_page(browser, f"{url}/cases", url, width=width, height=height)
        sign_in(page, username, DEMO_PASSWORD)
        page.wait_for_function("() => window.iocCases && iocCases.ready", timeout=30_000)
        page.select_option("#f-sort", "overdue")
        page.wait_for_timeout(800)
        first = page.locator("#cases-table tr[data-id]").first
        if first.count():
            first.click()
            page.wait_for_selector("#detail[data-id] #d-actions")
            page.wait_for_timeout(1500)  # the small map draws
        paths.append(save(context, page, out / name))
    return paths


#: Illustrative warnings of the desk's screenshots (made up): headline, communes, CAP status.
WARNINGS = [
    ({"vi": "Báo động 2 trên sông Hương tại Kim Long",
      "en": "Alarm level 2 on the Hương at Kim Long"},
     ["19774", "19753", "19777", "19789"], "Actual", "sent"),
    ({"vi": "Diễn tập sơ tán vùng trũng Hương Trà", "en": "Evacuation drill, Hương Trà lowlands"},
     ["19996"], "Exercise", "sent"),
    ({"vi": "Mưa rất to, nguy cơ ngập sâu vùng trũng",
      "en": "Very heavy rain, deep flooding likely"},
     ["19804", "19909", "19930", "20014", "19900"], "Actual", "draft"),
]
WARNING_TEXT = {
    "description": {"vi": "Mực nước sông Hương tại Kim Long lên nhanh, vượt báo động 2. Các xã, "
                          "phường ven sông và vùng trũng có nguy cơ ngập sâu 0,5–1 m.",
                    "en": "The Hương at Kim Long is rising fast, above alarm level 2. Riverside "
                          "and low-lying communes may flood 0.5–1 m deep."},
    "instruction": {"vi": "Di chuyển người già, trẻ em và tài sản lên cao; không qua ngầm, tràn.",
                    "en": "Move the elderly, children and belongings to higher ground; do not "
                          "cross flooded roads."},
}


def desk_warnings(url: str, operator: str, supervisor: str) -> str:
    """Post the illustrative warnings (sent ones approved and sent); return the draft's id."""
    last = ""
    for headline, communes, status, end in WARNINGS:
        body = {"headline": headline, "communes": communes, "cap_status": status,
                "urgency": "Expected", "cap_severity": "Severe", "certainty": "Likely",
                "responses": ["Prepare", "Evacuate"], **WARNING_TEXT}
        last = http("POST", url + "/api/v1/warnings", body, operator).body["warning"]["id"]
        if end == "sent":
            for action in ("approve", "send"):
                http("POST", f"{url}/api/v1/warnings/{last}/transitions", {"action": action},
                     supervisor)
    return last


def shoot_warnings(browser, url: str, operator: str, supervisor: str,  # noqa: ANN001
                   out: Path) -> list[Path]:
    """The warning desk on a 10-inch tablet (1280×800): a supervisor checking a draft, an
    operator writing one; on a desktop (1920×1080): a drill, sent. Return the PNGs' paths."""
    draft = desk_warnings(url, operator, supervisor)
    ready = ("() => window.iocWarnings && iocWarnings.ready"
             " && iocWarnings.map.map.deck.isInitialized")
    paths = []
    context, page, _ = open_page(browser, f"{url}/warnings#token={supervisor}", url,
                                 width=1280, height=800)
    page.wait_for_function(ready, timeout=30_000)
    page.click(f"#list li[data-id='{draft}']")
    page.wait_for_selector("#review:not([hidden]) #r-actions [data-action=approve]")
    page.wait_for_timeout(2000)
    paths.append(save(context, page, out / "warnings-review-1280x800.png"))
    context, page, _ = open_page(browser, f"{url}/warnings#token={operator}", url,
                                 width=1280, height=800)
    page.wait_for_function(ready, timeout=30_000)
    page.click("#new")
    page.fill("#f-headline-vi", "Lũ trên sông Bồ, nguy cơ ngập Quảng Điền")
    page.fill("#f-headline-en", "Flood on the Bồ, Quảng Điền may flood")
    page.fill("#f-description-vi", "Mực nước sông Bồ tại Phú Ốc vượt báo động 1.")
    page.fill("#f-description-en", "The Bồ at Phú Ốc is above alarm level 1.")
    page.evaluate("() => ['19996', '19867'].forEach((c) => iocWarnings.editor.toggle(c))")
    page.wait_for_timeout(1500)
    paths.append(save(context, page, out / "warnings-editor-1280x800.png"))
    context, page, _ = open_page(browser, f"{url}/warnings#token={supervisor}", url)
    page.wait_for_function(ready, timeout=30_000)
    page.click("#list li[data-drill='1']")
    page.wait_for_selector("#review:not([hidden])[data-status=sent]")
    page.wait_for_timeout(2000)
    paths.append(save(context, page, out / "warnings-drill-1920x1080.png"))
    return paths


def main(argv: list[str] | None = None) -> int:
    """Start a demo server, take the screenshots, stop the server."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--only", choices=["cases", "warnings", "report"],
                    help="take only these pages' screenshots")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory(prefix="ioc-shots-") as tmp:
        db = f"sqlite:///{Path(tmp) / 'ioc.sqlite3'}"
        operator = subprocess.run(ioc_command() + ["token", "create", "--role", "operator",
                                                   "--db", db],
                                  check=True, capture_output=True, text=True).stdout.strip()
        admin = subprocess.run(ioc_command() + ["token", "create", "--role", "admin", "--db", db],
                               check=True, capture_output=True, text=True).stdout.strip()
        supervisor = subprocess.run(ioc_command() + ["token", "create", "--role", "supervisor",
                                                     "--db", db],
                                    check=True, capture_output=True, text=True).stdout.strip()
        add_admin(db)
        # PYTHONPATH: the server runs this checkout's code even where another one is installed
        server = ServerProcess("--db", db, "--demo", "--speed", "2000",
                               env={"PYTHONPATH": str(ROOT)})
        try:
            wall = server.wait_for(r"/wall#token=(\S+)")
            hotline = server.wait_for(r"/hotline#token=(\S+)")
            tablet = server.wait_for(r"/tablet#token=(\S+)")
            wait_events(server.url, wall, MIN_EVENTS)
            http("POST", server.url + "/api/v1/events", SEVERE, operator)
            if args.only is None:
                flood_calls(server.url, operator, "qs-xuong-01")
                fleet_at_sea(server.url, operator)
            staff(server.url, admin)
            with sync_playwright() as pw:
                browser = launch(pw)
                if args.only in (None, "cases"):
                    for path in shoot_cases(browser, server.url, args.out):
                        print(path)
                if args.only in (None, "warnings"):
                    for path in shoot_warnings(browser, server.url, operator, supervisor,
                                               args.out):
                        print(path)
                if args.only in (None, "report"):
                    print(shoot_report(browser, server.url, args.out, tmp))
                if args.only is not None:
                    browser.close()
                    return 0
                for width, height in SIZES:
                    print(shoot(browser, server.url, wall, width, height, args.out))
                print(shoot_sea(browser, server.url, wall, args.out))
                print(shoot_hotline(browser, server.url, hotline, args.out))
                print(shoot_tablet(browser, server.url, tablet, args.out))
                print(shoot_login(browser, server.url, args.out))
                print(shoot_password(browser, server.url, admin, args.out))
                print(shoot_admin(browser, server.url, args.out))
                print(shoot_report(browser, server.url, args.out, tmp))
                print(shoot_flood(browser, args.out, tmp))
                browser.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
