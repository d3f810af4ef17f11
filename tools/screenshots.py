"""Current screenshots of the pages for the docs: the wall at 1920×1080 and 3840×2160, on a
real ``ioc serve --demo`` with the normal-day scenario playing fast, one severe report on the
ticker and the newest report selected.

    python -m tools.screenshots [--out docs/screenshots]   (or: make screenshots)
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.browser import launch, open_page, wait_wall_ready
from tests.helpers import ServerProcess, http, ioc_command

ROOT = Path(__file__).resolve().parent.parent
SIZES = [(1920, 1080), (3840, 2160)]
MIN_EVENTS = 60
SEVERE = {"kind": "report", "category": "environment.drainage", "lat": 16.4545, "lon": 107.5620,
          "severity": "severe", "props": {"title": "Ngập sâu 0,5 m, cống thoát nước bị tắc",
                                          "description": "Nước ngập qua đầu gối trên đường Kim Long."}}


def wait_events(url: str, token: str, n: int, timeout: float = 120.0) -> None:
    """Wait until the server has stored ``n`` events."""
    deadline = time.monotonic() + timeout
    while http("GET", url + "/api/v1/health", token=token).body["last_seq"] < n:
        if time.monotonic() > deadline:
            raise RuntimeError(f"fewer than {n} events after {timeout:.0f} s")
        time.sleep(1)


def shoot(browser, url: str, token: str, width: int, height: int, out: Path) -> Path:  # noqa: ANN001
    """Open the wall at one size, select the newest report, save a PNG; return its path."""
    context, page, _ = open_page(browser, f"{url}/wall?cycle=0#token={token}", url,
                                 width=width, height=height)
    wait_wall_ready(page)
    page.wait_for_function("() => iocWall.events.size > 0")
    page.wait_for_timeout(2500)
    page.evaluate("() => iocWall.select(iocWall.events.latest(1)[0].id)")
    page.wait_for_function("() => document.querySelector('[data-panel=details]').dataset.historyLoaded")
    page.wait_for_timeout(1500)
    path = out / f"wall-{width}x{height}.png"
    page.screenshot(path=str(path))
    context.close()
    return path


def main(argv: list[str] | None = None) -> int:
    """Start a demo server, take the screenshots, stop the server."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory(prefix="ioc-shots-") as tmp:
        db = f"sqlite:///{Path(tmp) / 'ioc.sqlite3'}"
        operator = subprocess.run(ioc_command() + ["token", "create", "--role", "operator", "--db", db],
                                  check=True, capture_output=True, text=True).stdout.strip()
        server = ServerProcess("--db", db, "--demo", "--speed", "2000")
        try:
            wall = server.wait_for(r"/wall#token=(\S+)")
            wait_events(server.url, wall, MIN_EVENTS)
            http("POST", server.url + "/api/v1/events", SEVERE, operator)
            with sync_playwright() as pw:
                browser = launch(pw)
                for width, height in SIZES:
                    print(shoot(browser, server.url, wall, width, height, args.out))
                browser.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
