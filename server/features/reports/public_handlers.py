"""Publication: the public feed, map and figures (``/api/v1/public/…``, no token needed) and the
public page ``/public`` (server-rendered, Vietnamese first, no script, no external asset)."""
from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from tornado.template import filter_whitespace

from server.core.errors import NotFound
from server.core.params import parse_bbox, parse_int
from server.features.reports.desk import ReportDesk
from server.features.reports.publication import CommuneSketch
from server.store import EventQuery
from server.web.base import SECURITY_HEADERS, BaseHandler
from server.features.reports.handlers import PLURAL, UUID, CaseHandler, parse_by, parse_period

TEMPLATES = Path(__file__).resolve().parent / "templates"
DAY_US = 86_400_000_000
PAGE_RESULTS = 30


class PublicFeedHandler(CaseHandler):
    """``GET /api/v1/public/{kind}s?since=&limit=&category=&area=&bbox=``: published cases."""

    async def get(self) -> None:
        """Answer ``{"cases": [public events], "next_since"}`` ascending by seq."""
        since = parse_int(self.arg, "since", 0, 0, 2**62)
        limit = parse_int(self.arg, "limit", 500, 1, 5000)
        query = EventQuery(kinds=frozenset({self.kind}), category=self.arg("category") or None,
                           area=self.arg("area") or None, bbox=parse_bbox(self.arg("bbox")))
        self.write_json(await self.desk.public_feed(since, limit, query))


class PublicMapHandler(CaseHandler):
    """``GET /api/v1/public/{kind}s/map?days=30&category=&area=&status=``: GeoJSON."""

    async def get(self) -> None:
        """Answer a FeatureCollection (RFC 7946) of published cases."""
        await self.desk.ready()
        days = parse_int(self.arg, "days", 30, 1, 3660)
        since = self.core.clock.now() - days * DAY_US
        filters = {"status": [s for s in (self.arg("status") or "").split(",") if s],
                   "category": self.arg("category"), "area": self.arg("area")}
        self.write_json(self.desk.public_map(self.kind, since, filters))


class PublicKPIHandler(CaseHandler):
    """``GET /api/v1/public/{kind}s/kpis?by=…``: the published figures."""

    async def get(self) -> None:
        """Answer the KPI document over every case."""
        start, end = parse_period(self.arg, self.desk.tz)
        self.write_json(await self.desk.kpi_document(None, parse_by(self.arg), start, end,
                                                     self.kind))


class PublicCaseHandler(CaseHandler):
    """``GET /api/v1/public/{kind}s/{id}``: one case in public form."""

    async def get(self, case_id: str) -> None:
        """Answer the public event (content withheld when hidden by a moderator)."""
        ev = await self.desk.public_case(case_id)
        if ev["kind"] != self.kind:
            raise NotFound(f"no {self.kind} {case_id!r}")
        self.write_json(ev)


def page_csp(template: Path) -> str:
    """Return the Content-Security-Policy of a server-rendered page without scripts: nothing
    may load or run but its own inline stylesheet, allowed by its SHA-256."""
    html = filter_whitespace("single", template.read_text(encoding="utf-8"))  # as rendered
    styles = re.findall(r"<style>(.*?)</style>", html, flags=re.S)
    hashes = " ".join("'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()
                      + "'" for s in styles)
    style_src = hashes or "'none'"
    return "; ".join(["default-src 'none'", f"style-src {style_src}", "img-src 'self'",
                      "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"])


class PublicPageHandler(BaseHandler):
    """``GET /public``: figures, a map and the latest results, rendered on the server (every
    value escaped by the template; the CSP lets no script run)."""

    CSP = page_csp(TEMPLATES / "public.html")

    def set_default_headers(self) -> None:
        """The pages' security headers and this page's CSP."""
        for name, value in SECURITY_HEADERS.items():
            self.set_header(name, value)
        self.set_header("Content-Security-Policy", self.CSP)

    def initialize(self, core, ref, desk, sketch: CommuneSketch) -> None:  # noqa: ANN001
        """Receive the desk and the commune sketch built once."""
        super().initialize(core, ref)
        self.desk = desk
        self.sketch = sketch

    async def get(self) -> None:
        """Render ``templates/public.html``."""
        desk = self.desk
        await desk.ready()
        figures = (await desk.kpi_document(None, "all", None, None))["total"]
        answers = (await desk.kpi_document(None, "all", None, None, "question"))["total"]
        since = self.core.clock.now() - 30 * DAY_US
        names = {c.code: c.vi for c in self.core.categories.all()}
        dots = self.sketch.dots(desk.public_map("report", since, {}), names)
        results = await desk.public_events(desk.latest_done("report", PAGE_RESULTS))
        questions = await desk.public_events(desk.latest_done("question", 10))
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.render("public.html", figures=figures, answers=answers, sketch=self.sketch,
                    dots=dots, results=results, questions=questions, names=names,
                    pct=lambda v: "–" if v is None else f"{v:g}%",
                    agency=lambda a: desk.agency_name(a)["vi"],
                    area=lambda c: desk.label("area", c)["vi"])

    def get_template_path(self) -> str:
        """Templates live next to this module."""
        return str(TEMPLATES)


def routes(base: dict, desk: ReportDesk, sketch: CommuneSketch) -> list[tuple]:
    """Return the public API routes and the public page (``sketch``: the communes' outline)."""
    out = []
    for kind, plural in PLURAL.items():
        args = {**base, "desk": desk, "kind": kind}
        out += [(rf"/api/v1/public/{plural}", PublicFeedHandler, args),
                (rf"/api/v1/public/{plural}/map", PublicMapHandler, args),
                (rf"/api/v1/public/{plural}/kpis", PublicKPIHandler, args),
                (rf"/api/v1/public/{plural}/{UUID}", PublicCaseHandler, args)]
    out.append((r"/public", PublicPageHandler, {**base, "desk": desk, "sketch": sketch}))
    return out
