"""The pages: ``/`` and ``/wall`` (the map wall). Everything they load is served locally."""
from __future__ import annotations

from pathlib import Path

import pydeck
import tornado.web

DECK_BUNDLE_DIR = Path(pydeck.__file__).resolve().parent / "nbextension" / "static"


class PageHandler(tornado.web.RequestHandler):
    """Serve an HTML page from the static folder with security headers."""

    def initialize(self, static_dir: Path) -> None:
        """Receive the static folder."""
        self.static_dir = static_dir

    def get(self, name: str | None) -> None:
        """Answer ``/`` with a redirect to ``/wall`` and ``/wall`` with ``wall.html``."""
        if not name:
            self.redirect("/wall")
            return
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        self.finish((self.static_dir / f"{name}.html").read_bytes())


def routes(ctx: dict) -> list[tuple]:
    """Return the page routes, the static folder and the deck.gl bundle shipped by pydeck."""
    static_dir = ctx["settings"].static_dir
    return [
        (r"/vendor/deck/(index\.js)", tornado.web.StaticFileHandler, {"path": str(DECK_BUNDLE_DIR)}),
        (r"/static/(.*)", tornado.web.StaticFileHandler, {"path": str(static_dir)}),
        (r"/(wall)?", PageHandler, {"static_dir": static_dir}),
    ]
