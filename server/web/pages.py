"""The pages (``/wall`` and every other ``static/<name>.html``), their static files and the
deck.gl bundle shipped by pydeck. Everything a page loads is served here: no CDN, no tile server,
no outside fonts; the Content-Security-Policy makes the browser refuse anything else.
"""
from __future__ import annotations

import re
from pathlib import Path

import pydeck
import tornado.web

from server.web.base import SECURITY_HEADERS

DECK_BUNDLE_DIR = Path(pydeck.__file__).resolve().parent / "nbextension" / "static"
PAGE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,30}$")

#: Only the server's own scripts, styles, fonts and sockets. ``blob:`` images are camera
#: snapshots fetched with the token; ``blob:`` workers are what deck.gl's loaders may start.
#: No ``'unsafe-inline'`` and no ``'unsafe-eval'``: the pydeck bundle runs without them (the
#: browser tests fail on any CSP violation). ``'wasm-unsafe-eval'`` lets WebAssembly compile
#: (not JavaScript): long.js inside the bundle compiles a tiny module for 64-bit arithmetic at
#: load and would otherwise raise a violation on every page load before falling back to JS.
CSP = "; ".join([
    "default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "style-src 'self'",
    "img-src 'self' data: blob:", "font-src 'self'", "connect-src 'self'",
    "worker-src 'self' blob:", "object-src 'none'",
    "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
])


def page_names(static_dir: Path) -> list[str]:
    """Return the pages of the static folder: every ``<name>.html`` with a plain name."""
    return sorted(p.stem for p in static_dir.glob("*.html") if PAGE_NAME.match(p.stem))


class PageHandler(tornado.web.RequestHandler):
    """Serve an HTML page from the static folder with the security headers."""

    def initialize(self, static_dir: Path) -> None:
        """Receive the static folder."""
        self.static_dir = static_dir

    def set_default_headers(self) -> None:
        """CSP and the other security headers on every page answer."""
        for name, value in SECURITY_HEADERS.items():
            self.set_header(name, value)
        self.set_header("Content-Security-Policy", CSP)

    def get(self, name: str | None) -> None:
        """Answer ``/`` with a redirect to ``/wall`` and ``/NAME`` with ``NAME.html``."""
        if not name:
            self.redirect("/wall")
            return
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.finish((self.static_dir / f"{name}.html").read_bytes())


class AssetHandler(tornado.web.StaticFileHandler):
    """Static files (modules, styles, the deck.gl bundle): revalidated, never sniffed."""

    def set_extra_headers(self, path: str) -> None:
        """Add nosniff and revalidation (ETag) so a new version of a module is seen at once."""
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Cache-Control", "no-cache")


def routes(static_dir: Path) -> list[tuple]:
    """Return the page routes, the static folder and the deck.gl bundle shipped by pydeck."""
    pages = "|".join(page_names(static_dir))
    return [
        (r"/vendor/deck/(index\.js)", AssetHandler, {"path": str(DECK_BUNDLE_DIR)}),
        (r"/static/(.*)", AssetHandler, {"path": str(static_dir)}),
        (rf"/({pages})?", PageHandler, {"static_dir": static_dir}),
    ]
