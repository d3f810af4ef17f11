"""The pages: ``/`` and ``/wall`` (the map wall). Everything they load is served locally."""
from __future__ import annotations

from pathlib import Path

import tornado.web


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
