"""Headless Chromium from Debian driven by Playwright for Python (the system browser: never
``playwright install``). WebGL runs through SwiftShader. Used by the browser tests, the wall
benchmark and the screenshot tool.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("IOC_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--disable-default-apps", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
READY_TIMEOUT_MS = 20_000

#: Recorded in the page before any of its scripts run (init scripts are exempt from the CSP).
WATCH_SCRIPT = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__csp.push([e.violatedDirective, e.blockedURI,
                            e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber].join(' ')));
"""


def launch(playwright: Any, **kw: Any) -> Any:
    """Return a headless Chromium (the Debian one) with WebGL through SwiftShader (Playwright
    gives it a fresh temporary profile)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS, **kw)


@dataclass
class Watch:
    """What a page did wrong: console errors, failed requests, HTTP errors, outside requests."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    http_errors: list[tuple[int, str]] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        """Start recording on ``page``."""
        page.add_init_script(WATCH_SCRIPT)
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        page.on("response",
                lambda r: r.status >= 400 and self.http_errors.append((r.status, r.url)))
        page.on("request", lambda r: self._check_origin(r.url))

    def _check_origin(self, url: str) -> None:
        if not (url.startswith(self.origin) or url.startswith(("data:", "blob:"))):
            self.outside.append(url)


def open_page(browser: Any, url: str, origin: str, *, width: int = 1920, height: int = 1080,
              **context_kw: Any) -> tuple[Any, Any, Watch]:
    """Open ``url`` in a fresh context of the given size; return (context, page, watch)."""
    context = browser.new_context(viewport={"width": width, "height": height},
                                  device_scale_factor=1, **context_kw)
    page = context.new_page()
    watch = Watch(origin)
    watch.attach(page)
    page.goto(url)
    return context, page, watch


def wait_wall_ready(page: Any, timeout_ms: int = READY_TIMEOUT_MS) -> None:
    """Wait until the wall has booted and drawn a first frame."""
    page.wait_for_function("() => window.iocWall && iocWall.ready"
                           " && iocWall.map.deck.isInitialized",
                           timeout=timeout_ms)
    page.wait_for_function(
        "() => new Promise((r) => requestAnimationFrame("
        "() => requestAnimationFrame(() => r(true))))")


def screenshot(page: Any, name: str, folder: Path = ARTIFACTS) -> Path:
    """Save a PNG of the page as ``folder/name.png``; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    return path


#: The cameras API the wall probes; a 404 there is no error (the API may be switched off).
CAMERAS_PROBE = "/api/v1/cameras"


def assert_clean(watch: Watch) -> None:
    """Nothing failed, nothing went outside, no CSP violation; the only HTTP error allowed is
    the cameras API probe while that API does not exist (404)."""
    assert watch.failed == [] and watch.outside == [] and watch.page_errors == []
    errors = watch.http_errors
    assert all(status == 404 and url.endswith(CAMERAS_PROBE) for status, url in errors), errors
    console = watch.console_errors
    assert len(console) <= len(errors) and all("404" in e for e in console), console
